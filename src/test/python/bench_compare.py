#!/usr/bin/env python3
"""Runs the MiniLM benchmark on both sides, interleaved, and writes the table into docs/benchmarks.md.

    python3 src/test/python/bench_compare.py [ROUNDS WINDOWS STEPS WARMUP] [--only A,B] [--no-write]

(default 2 5 5 2); `--again` rewrites the table from the last run's windows
(target/bench/minilm.json). Each round runs Finetune4J's side (io.github.finetune4j.bench.MiniLmBench, in
its own JVM) and PyTorch eager's side (src/test/python/bench_torch_minilm.py, Debian's torch with
OpenBLAS and OPENBLAS_CORETYPE=SkylakeX), alternating which goes first; each side runs WARMUP
warm-up steps, then WINDOWS windows of STEPS steps per workload. A figure is the median over all
windows of all rounds, with the median 1-minute load of those windows. Both sides: 2 intra-op
threads, 1 inter-op, OMP_WAIT_POLICY=PASSIVE. The raw windows go to target/bench/minilm.json; the
table replaces the part of docs/benchmarks.md between the markers
<!-- minilm-bench:start --> and <!-- minilm-bench:end --> (appended once if missing).

Needs target/test-classes and target/test-classpath.txt (this script runs `mvn -o -q test-compile`
and `dependency:build-classpath` when they are missing) and models/minilm-safetensors for the
PyTorch side (`./finetune checkpoint models/minilm-safetensors`).
"""

import datetime
import json
import os
import platform
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.normpath(os.path.join(HERE, "..", "..", ".."))
DOC = os.path.join(REPO, "docs", "benchmarks.md")
START, END = "<!-- minilm-bench:start -->", "<!-- minilm-bench:end -->"

JAVA_ONLY = {"frozen02_cached_fp32", "frozen02_cached_bf16", "head_cached_fp32",
             "epoch_head_uncached", "epoch_head_cached", "epoch_frozen02_uncached",
             "epoch_frozen02_cached"}
BOTH = ["full_fp32", "full_bf16", "frozen02_fp32", "frozen02_bf16", "head_fp32", "head_bf16",
        "eval_fp32", "eval_bf16", "seq128_full_fp32", "seq128_full_bf16", "seq256_full_fp32",
        "seq256_full_bf16", "matmul_fp32"]
PY_ONLY = {"matmul_bf16"}


def env():
    e = dict(os.environ)
    e["OMP_WAIT_POLICY"] = "PASSIVE"
    e["OPENBLAS_CORETYPE"] = "SkylakeX"
    e["BENCH_THREADS"] = "2"
    return e


def classpath():
    target = os.path.join(REPO, "target")
    cp_file = os.path.join(target, "test-classpath.txt")
    if not os.path.exists(os.path.join(target, "test-classes", "io", "github", "finetune4j",
                                       "bench", "MiniLmBench.class")):
        subprocess.run(["mvn", "-B", "-o", "-q", "test-compile"], cwd=REPO, check=True)
    if not os.path.exists(cp_file):
        subprocess.run(["mvn", "-B", "-o", "-q", "dependency:build-classpath",
                        "-Dmdep.outputFile=target/test-classpath.txt", "-Dmdep.includeScope=test"],
                       cwd=REPO, check=True)
    with open(cp_file) as f:
        deps = f.read().strip()
    return ":".join([os.path.join(target, "test-classes"), os.path.join(target, "classes"), deps])


def parse(out):
    got = {}
    for line in out.splitlines():
        if line.startswith("JSON "):
            j = json.loads(line[5:])
            got[j["name"]] = j
    return got


def run_java(cp, names, protocol):
    cmd = ["java", "-Xmx6g", "-Dai.djl.offline=true", "-Dai.djl.pytorch.num_threads=2",
           "-Dai.djl.pytorch.num_interop_threads=1", "-cp", cp,
           "io.github.finetune4j.bench.MiniLmBench", *protocol, "--only", ",".join(names)]
    p = subprocess.run(cmd, cwd=REPO, env=env(), capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit("Finetune4J side failed:\n" + p.stdout[-3000:] + p.stderr[-3000:])
    return parse(p.stdout)


def run_python(names, protocol):
    cmd = ["/usr/bin/python3", os.path.join(HERE, "bench_torch_minilm.py"), *protocol,
           "--only", ",".join(names)]
    p = subprocess.run(cmd, cwd=REPO, env=env(), capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit("PyTorch side failed:\n" + p.stdout[-3000:] + p.stderr[-3000:])
    return parse(p.stdout)


def peak_rss_mb(cp, side):
    """Peak RSS of one process that runs the full fine-tune alone (6 steps), via /usr/bin/time."""
    if side == "java":
        cmd = ["java", "-Xmx4g", "-Dai.djl.offline=true", "-Dai.djl.pytorch.num_threads=2",
               "-Dai.djl.pytorch.num_interop_threads=1", "-cp", cp,
               "io.github.finetune4j.bench.MiniLmBench", "1", "5", "1", "--only", "full_fp32"]
    else:
        cmd = ["/usr/bin/python3", os.path.join(HERE, "bench_torch_minilm.py"), "1", "5", "1",
               "--only", "full_fp32"]
    p = subprocess.run(["/usr/bin/time", "-f", "MAXRSS_KB %M", *cmd], cwd=REPO, env=env(),
                       capture_output=True, text=True)
    for line in p.stderr.splitlines():
        if line.startswith("MAXRSS_KB "):
            return int(line.split()[1]) / 1024
    return None


def machine():
    flags, model = set(), platform.processor()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name") and model in ("", platform.processor()):
                    model = line.split(":", 1)[1].strip()
                if line.startswith("flags"):
                    flags = set(line.split(":", 1)[1].split())
                    break
    except OSError:
        pass
    units = [x for x in ("amx_bf16", "avx512_bf16", "avx512f", "avx2") if x in flags]
    torch = subprocess.run(["/usr/bin/python3", "-c", "import torch; print(torch.__version__)"],
                           capture_output=True, text=True).stdout.strip()
    return {"date": datetime.date.today().isoformat(), "cpu": model, "cores": os.cpu_count(),
            "flags": units, "torch": torch}


def merge(into, got, side, rnd):
    for name, j in got.items():
        rec = into.setdefault(side, {}).setdefault(name, {"windows": []})
        for w in j["windows"]:
            w = dict(w)
            w["round"] = rnd
            rec["windows"].append(w)
        for k, v in j.items():
            if k.startswith("median_") and k.endswith("_per_s") and k != "median_steps_per_s":
                rec.setdefault("unit_key", k)


def med(side_data, name, key="steps_per_s"):
    rec = side_data.get(name)
    if not rec or not rec["windows"]:
        return None, None
    vals = [w[key] for w in rec["windows"] if key in w]
    loads = [w["load1"] for w in rec["windows"]]
    return statistics.median(vals), statistics.median(loads)


def fmt(v, digits=3):
    return "—" if v is None else f"{v:.{digits}g}"


def ratio(a, b):
    return "—" if a is None or b is None or b == 0 else f"{a / b:.2f}x"


def table(data, meta, protocol, command):
    j, p = data.get("java", {}), data.get("python", {})
    lines = [START, "", f"## MiniLM fine-tuning against PyTorch eager ({meta['date']})", "",
             f"Machine: {meta['cpu']}, {meta['cores']} cores, CPU flags {', '.join(meta['flags'])};"
             f" PyTorch {meta['torch']} (Debian, OpenBLAS, `OPENBLAS_CORETYPE=SkylakeX`) against"
             " Finetune4J (DJL 0.36, libtorch 2.7.1); 2 intra-op threads, 1 inter-op, PASSIVE"
             f" waiting. Protocol (rounds, windows, steps, warm-up): {' '.join(protocol)};"
             " the sides alternate who goes first each round; a figure is the median over all"
             " windows, `load` the median 1-minute load of those windows. Command:", "",
             "```bash", command, "```", "",
             "Training steps/s (batch 16 x T tokens, AdamW; Finetune4J runs the whole model every"
             " step here, as PyTorch eager does: feature cache off):", "",
             "| workload | PyTorch fp32 | PyTorch bf16 autocast | Finetune4J fp32 | Finetune4J bf16"
             " | F4J bf16 / PT fp32 | F4J bf16 / PT bf16 | F4J fp32 / PT fp32 | load (PT / F4J) |",
             "|---|---|---|---|---|---|---|---|---|"]
    for base, label in [("full", "full fine-tune, T=64"), ("frozen02", "layers 0-2 frozen, T=64"),
                        ("head", "head only, T=64"), ("seq128_full", "full fine-tune, T=128"),
                        ("seq256_full", "full fine-tune, T=256")]:
        pf, pl = med(p, base + "_fp32")
        pb, _ = med(p, base + "_bf16")
        jf, jl = med(j, base + "_fp32")
        jb, _ = med(j, base + "_bf16")
        lines.append(f"| {label} | {fmt(pf)} | {fmt(pb)} | {fmt(jf)} | {fmt(jb)} | {ratio(jb, pf)}"
                     f" | {ratio(jb, pb)} | {ratio(jf, pf)} | {fmt(pl, 2)} / {fmt(jl, 2)} |")
    pe, pel = med(p, "eval_fp32", "units_per_s")
    peb, _ = med(p, "eval_bf16", "units_per_s")
    je, jel = med(j, "eval_fp32", "units_per_s")
    jeb, _ = med(j, "eval_bf16", "units_per_s")
    lines += ["", "Inference, sequences/s (batches of 32 x 64 tokens, no gradients):", "",
              "| | PyTorch fp32 | PyTorch bf16 | Finetune4J fp32 | Finetune4J bf16 | F4J bf16 / F4J"
              " fp32 | F4J bf16 / PT bf16 | load (PT / F4J) |", "|---|---|---|---|---|---|---|---|",
              f"| evaluation | {fmt(pe)} | {fmt(peb)} | {fmt(je)} | {fmt(jeb)} | {ratio(jeb, je)} |"
              f" {ratio(jeb, peb)} | {fmt(pel, 2)} / {fmt(jel, 2)} |"]
    lines += ["", "Feature cache (Finetune4J alone; epochs/s of 200 examples = 13 steps, epochs 2+;"
              " the first epoch builds the cache):", "",
              "| stage trains | uncached | cached | speed-up |", "|---|---|---|---|"]
    for base, label in [("head", "the head only"), ("frozen02", "layers 3-5 and the head")]:
        u, _ = med(j, f"epoch_{base}_uncached")
        c, _ = med(j, f"epoch_{base}_cached")
        lines.append(f"| {label} | {fmt(u)} | {fmt(c)} | {ratio(c, u)} |")
    mf, _ = med(p, "matmul_fp32", "units_per_s")
    mb, _ = med(p, "matmul_bf16", "units_per_s")
    jm, _ = med(j, "matmul_fp32", "units_per_s")
    rss = data.get("rss_mb", {})
    runs = data.get("rss_runs_mb", {})
    lines += ["", "Peak RSS of a process running the full fine-tune alone (6 steps, `/usr/bin/time`,"
              " median of 3 alternated runs; the JVM with `-Xmx4g` like `./finetune`): PyTorch"
              f" {fmt(rss.get('python'), 4)} MB ({', '.join(fmt(x, 4) for x in runs.get('python', []))}),"
              f" Finetune4J {fmt(rss.get('java'), 4)} MB"
              f" ({', '.join(fmt(x, 4) for x in runs.get('java', []))})."]
    lines += ["", "Matmul peak, GFLOP/s (1024x384 @ 384x1536):"
              f" PyTorch fp32 {fmt(mf)}, PyTorch bf16 {fmt(mb)}, DJL fp32 {fmt(jm)}.", "", END]
    return "\n".join(lines) + "\n"


def write(text):
    with open(DOC) as f:
        doc = f.read()
    if START in doc and END in doc:
        a = doc.index(START)
        b = doc.index(END) + len(END)
        doc = doc[:a] + text.rstrip("\n") + doc[b:]
    else:
        doc = doc.rstrip("\n") + "\n\n" + text
    with open(DOC, "w") as f:
        f.write(doc)


def main(argv):
    only, nums, no_write, again = None, [], False, False
    it = iter(argv)
    for a in it:
        if a == "--again":
            again = True
        elif a == "--only":
            only = set(next(it).split(","))
        elif a == "--no-write":
            no_write = True
        else:
            nums.append(a)
    rounds, windows, steps, warmup = (nums + ["2", "5", "5", "2"][len(nums):])[:4]
    protocol = [windows, steps, warmup]
    java_names = [n for n in BOTH + sorted(JAVA_ONLY) if only is None or n in only]
    py_names = [n for n in BOTH + sorted(PY_ONLY) if only is None or n in only]
    cp = classpath()
    data = {}
    saved = os.path.join(REPO, "target", "bench", "minilm.json")
    if again:  # the table again from the last run's windows (peak RSS measured if missing)
        with open(saved) as f:
            last = json.load(f)
        data, (rounds, *protocol) = last["data"], last["protocol"]
    for r in range(0 if again else int(rounds)):
        order = ["java", "python"] if r % 2 == 0 else ["python", "java"]
        for side in order:
            print(f"round {r + 1}: {side} ...", flush=True)
            got = run_java(cp, java_names, protocol) if side == "java" \
                else run_python(py_names, protocol)
            merge(data, got, side, r + 1)
            for name, jv in got.items():
                print(f"  {name} {jv['median_steps_per_s']:.4g} steps/s (load {jv['load_median']:.2f})",
                      flush=True)
    meta = machine()
    if (only is None or "rss" in only) and not data.get("rss_runs_mb"):
        runs = {"java": [], "python": []}
        for r in range(3):  # alternated: the figure swings by tens of MB between runs
            for side in ("java", "python") if r % 2 == 0 else ("python", "java"):
                print(f"peak RSS {r + 1}: {side} ...", flush=True)
                runs[side].append(peak_rss_mb(cp, side))
        data["rss_runs_mb"] = runs
        data["rss_mb"] = {k: statistics.median([x for x in v if x]) for k, v in runs.items()}
    os.makedirs(os.path.join(REPO, "target", "bench"), exist_ok=True)
    with open(os.path.join(REPO, "target", "bench", "minilm.json"), "w") as f:
        json.dump({"machine": meta, "protocol": [rounds, *protocol], "data": data}, f, indent=1)
    command = "python3 src/test/python/bench_compare.py " + " ".join([rounds, *protocol]) + \
        (" --only " + ",".join(sorted(only)) if only else "")
    text = table(data, meta, [rounds, *protocol], command)
    print(text)
    if not no_write:
        write(text)
        print("wrote", DOC)


if __name__ == "__main__":
    main(sys.argv[1:])
