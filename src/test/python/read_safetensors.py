"""An independent reader of safetensors files (standard library only: struct + json), to check
Finetune4J's writer: validates the header (length, offsets contiguous from 0, sizes = shape x 4 for
F32, the file ends where the data ends) and prints one line per tensor, in file order:
NAME<TAB>DTYPE<TAB>SHAPE<TAB>SUM<TAB>FIRST, SUM accumulated in double precision.

Usage: /usr/bin/python3 read_safetensors.py FILE
"""
import json
import math
import os
import struct
import sys


def main(path):
    size = os.path.getsize(path)
    with open(path, "rb") as f:
        (n,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(n).decode("utf-8"))
        base = 8 + n
        header.pop("__metadata__", None)
        entries = sorted(header.items(), key=lambda kv: kv[1]["data_offsets"][0])
        expected = 0
        for name, t in entries:
            begin, end = t["data_offsets"]
            if begin != expected:
                sys.exit(f"{name}: data starts at {begin}, expected {expected}")
            count = math.prod(t["shape"]) if t["shape"] else 1
            if t["dtype"] != "F32" or end - begin != 4 * count:
                sys.exit(f"{name}: {t['dtype']} {t['shape']} does not fill {end - begin} bytes")
            f.seek(base + begin)
            values = struct.unpack(f"<{count}f", f.read(4 * count))
            print(f"{name}\t{t['dtype']}\t{t['shape']}\t{math.fsum(values)!r}\t{values[0]!r}")
            expected = end
        if base + expected != size:
            sys.exit(f"the file has {size - base - expected} bytes after the last tensor")


if __name__ == "__main__":
    main(sys.argv[1])
