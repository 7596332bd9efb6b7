#!/usr/bin/env python3
"""Writes a safetensors file from raw float32 tensors, independently of the Java reader.

Used by SafetensorsPythonWriterTest; needs nothing but the standard library (the format is
struct + json). numpy, when importable, does the float16/bfloat16 conversion of large arrays;
--pure forces the standard-library path (struct's 'e' format for float16).

    /usr/bin/python3 src/test/python/write_safetensors.py INDEX.json OUT.safetensors \
        [--dtype F32|F16|BF16] [--pure]

INDEX.json:
    {"metadata": {"format": "pt"},                       (optional, strings only)
     "tensors": [{"name": "embeddings.word_embeddings.weight", "shape": [30522, 384],
                  "file": "t0.bin"},                     (path relative to INDEX.json)
                 {"name": "embeddings.position_ids", "shape": [1, 512], "file": "t1.bin",
                  "raw_dtype": "I64"}]}                  (optional: bytes copied as they are)

Each .bin holds the tensor's values row-major as little-endian float32 (or, with raw_dtype, the
bytes of that type). Float tensors are written in --dtype, rounded to nearest, ties to even, as
torch's .to(torch.float16 / torch.bfloat16) does; values too large for float16 become infinite.

Layout as Hugging Face's safetensors library writes it: the header is compact JSON with
"__metadata__" first, padded with spaces to a multiple of 8 bytes; the data area holds the
tensors back to back sorted by name (not in index order, so readers cannot rely on it).
"""

import argparse
import json
import math
import os
import struct
import sys

try:
    import numpy as np
except ImportError:  # pragma: no cover - depends on the machine
    np = None

SIZES = {"BOOL": 1, "U8": 1, "I8": 1, "I16": 2, "U16": 2, "F16": 2, "BF16": 2, "I32": 4,
         "U32": 4, "F32": 4, "F64": 8, "I64": 8, "U64": 8}


def f32_to_bf16_bits(u):
    """Bits of the bfloat16 nearest to the float32 with bits u (ties to even); NaN stays NaN."""
    if (u & 0x7F800000) == 0x7F800000 and (u & 0x007FFFFF) != 0:
        return (u >> 16) | 0x0040
    return ((u + 0x7FFF + ((u >> 16) & 1)) >> 16) & 0xFFFF


def convert_pure(raw, dtype):
    count = len(raw) // 4
    values = struct.unpack("<%df" % count, raw)
    if dtype == "F16":
        out = bytearray()
        for v in values:
            try:
                out += struct.pack("<e", v)
            except OverflowError:  # struct refuses what rounds past 65504; IEEE says infinity
                out += struct.pack("<H", 0xFC00 if v < 0 else 0x7C00)
        return bytes(out)
    bits = struct.unpack("<%dI" % count, raw)
    return struct.pack("<%dH" % count, *[f32_to_bf16_bits(u) for u in bits])


def convert_numpy(raw, dtype):
    a = np.frombuffer(raw, dtype="<f4")
    if dtype == "F16":
        with np.errstate(over="ignore"):
            return a.astype("<f2").tobytes()
    u = a.view("<u4").astype(np.uint64)
    rounded = ((u + 0x7FFF + ((u >> 16) & 1)) >> 16) & 0xFFFF
    nan = np.isnan(a)
    rounded[nan] = (u[nan] >> 16) | 0x0040
    return rounded.astype("<u2").tobytes()


def convert(raw, dtype, pure):
    if dtype == "F32":
        return raw
    if np is not None and not pure:
        return convert_numpy(raw, dtype)
    return convert_pure(raw, dtype)


def main(argv):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("index")
    p.add_argument("out")
    p.add_argument("--dtype", choices=["F32", "F16", "BF16"], default="F32")
    p.add_argument("--pure", action="store_true", help="do not use numpy")
    args = p.parse_args(argv)

    with open(args.index, encoding="utf-8") as f:
        index = json.load(f)
    base = os.path.dirname(os.path.abspath(args.index))

    blobs = []
    for t in index["tensors"]:
        with open(os.path.join(base, t["file"]), "rb") as f:
            raw = f.read()
        shape = [int(d) for d in t["shape"]]
        count = math.prod(shape)
        raw_dtype = t.get("raw_dtype")
        dtype = raw_dtype or args.dtype
        in_size = SIZES[raw_dtype] if raw_dtype else 4
        if len(raw) != count * in_size:
            sys.exit("%s: %d bytes, shape %s needs %d" % (t["file"], len(raw), shape,
                                                           count * in_size))
        data = raw if raw_dtype else convert(raw, dtype, args.pure)
        blobs.append((t["name"], dtype, shape, data))
    blobs.sort(key=lambda b: b[0])

    header = {}
    if index.get("metadata"):
        header["__metadata__"] = {str(k): str(v) for k, v in index["metadata"].items()}
    offset = 0
    for name, dtype, shape, data in blobs:
        header[name] = {"dtype": dtype, "shape": shape,
                        "data_offsets": [offset, offset + len(data)]}
        offset += len(data)
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * ((8 - len(text) % 8) % 8)

    with open(args.out, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for _, _, _, data in blobs:
            f.write(data)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
