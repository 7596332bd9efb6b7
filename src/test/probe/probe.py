#!/usr/bin/python3
"""A hostile but fair user of the finetune CLI (issue #23, "Done when").

Runs several hundred cases over every command -- run, validate, plan, predict, embed, export,
report, schema, lr-find, sweep, checkpoint, and recipes given to them -- each as a real process
(`java -cp target/finetune4j.jar:... Main`), one at a time, and classifies each outcome:

  exit     the exit code is not the one a fair user expects (0 ok, 1 the run failed, 2 bad input)
  trace    a stack trace (or an exception's class name) on stdout or stderr
  touched  a file that existed before the case (the user's recipes, data, runs) changed or went
  hang     the process ran past its timeout
  control  a raw control character (C0 but tab/newline, DEL, C1, U+2028/9, bidi controls) printed
  lie      "Nothing was written" while the case directory gained files; a 0-byte summary.json;
           a temporary file (*.tmp) left behind by a refused or failed command
  orphan   a process of the case still alive 10 s after the command ended

Every case runs in its own directory holding a copy of the kit (recipes, data, a TorchScript
module); the shared runs (a completed run, a failed one, an interrupted one, a regression run and
a tiny text model) are read-only fixtures. Both are snapshotted byte for byte (SHA-256 of every
file, links and special files by kind and target) before and after each case.

Not part of `mvn verify` (it takes a quarter of an hour). Usage, from the repository root:

  mvn -o -B -q package -DskipTests && mvn -o -B -q test-compile
  /usr/bin/python3 src/test/probe/probe.py [--work DIR] [--only REGEX] [--keep]

It prints one line per case that is not ok, then the table of outcomes per command; the full
record goes to DIR/results.tsv. Disk-full cases mount a small tmpfs and run only as root.
"""

import argparse
import gzip
import hashlib
import os
import re
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]
JAR = REPO / "target" / "finetune4j.jar"
CLASSPATH = REPO / "target" / "runtime-classpath.txt"
TEST_CLASSES = REPO / "target" / "test-classes"

RAW_CONTROL = re.compile(
    rb"[\x00-\x08\x0b-\x1f\x7f]|\xc2[\x80-\x9f]|\xe2\x80[\x8e\x8f\xa8-\xae]|\xe2\x81[\xa6-\xa9]"
)
TRACE = re.compile(
    r"^\s+at [\w.$/<>]+\(|^Caused by: |Exception in thread|^[\w.]+(Exception|Error)(: |$)"
    r"|\bjava\.(lang|io|nio|util)\.\w+(Exception|Error)\b|\bcom\.fasterxml\.jackson\.",
    re.M,
)
NOTHING_WRITTEN = "Nothing was written"


# ----------------------------------------------------------------------------------------------
# Cases


class Case:
    """One command line, what it needs on disk, and what a fair user expects of it."""

    def __init__(self, cmd, name, args, expect, **kw):
        self.cmd = cmd  # the command counted in the table
        self.name = name
        self.args = args  # list; {fx} {run_bc} ... are filled in
        self.expect = set(expect) if isinstance(expect, (set, list, tuple)) else {expect}
        self.stdin = kw.get("stdin")  # bytes or None
        self.setup = kw.get("setup")  # fn(case_dir) -> None
        self.timeout = kw.get("timeout", 60)
        self.allow = kw.get("allow", [])  # path prefixes (relative to the case dir) that may change
        self.check = kw.get("check")  # fn(result) -> list of problems
        self.root = kw.get("root", False)  # needs root (tmpfs)
        self.action = kw.get("action")  # fn(proc, case_dir) while it runs (signals)
        self.fifo = kw.get("fifo")  # (relative path, bytes): a writer that feeds a FIFO
        self.copy_run = kw.get("copy_run")  # fixture run copied into the case dir as run/


CASES = []


def case(cmd, name, args, expect, **kw):
    CASES.append(Case(cmd, name, args, expect, **kw))


def write(path, data):
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))


def setter(rel, data):
    return lambda d: write(d / rel, data)


def fifo_at(rel):
    def make(d):
        (d / rel).parent.mkdir(parents=True, exist_ok=True)
        os.mkfifo(d / rel)

    return make


def both(*fns):
    def run(d):
        for f in fns:
            f(d)

    return run


def stderr_has(*needles):
    def check(r):
        return [f"stderr lacks {n!r}" for n in needles if n not in r["err"]]

    return check


def stderr_lacks(*needles):
    def check(r):
        return [f"stderr says {n!r}" for n in needles if n in r["err"]]

    return check


BC = """description: built-in MLP on breast-cancer (probe)
model: {type: builtin, architecture: mlp, init: random, hidden: 16}
head: {replace: none, classes: [malignant, benign]}
data:
  train: {type: csv, path: data/bc/train.csv, label: diagnosis}
  valid: {type: csv, path: data/bc/valid.csv, label: diagnosis}
  test: {type: csv, path: data/bc/test.csv, label: diagnosis}
  batch_size: 32
groups:
  - {name: all, match: ["*"]}
stages:
  - {epochs: 1, train: [all]}
optimizer: {type: adamw, lr: 1.0e-3}
monitor: {every: 10}
train: {seed: 42, threads: 1}
output: {dir: runs/bc, formats: []}
"""

BC_CKPT = BC.replace("{epochs: 1, train: [all]}", "{epochs: 400, train: [all]}").replace(
    "train: {seed: 42, threads: 1}", "train: {seed: 42, threads: 1, checkpoint_every: 6}"
).replace("runs/bc,", "runs/ck,")

DIABETES = """description: scripted MLP -> diabetes (probe)
model: {type: torchscript, path: models/diabetes-mlp.pt}
head: {replace: none}
task: {type: regression, loss: mse}
data:
  train: {type: csv, path: data/diabetes/train.csv, targets: [progression]}
  test: {type: csv, path: data/diabetes/test.csv, targets: [progression]}
  batch_size: 32
  standardize: true
groups:
  - {name: body, match: ["body.*"]}
  - {name: out, match: ["out.*"]}
stages:
  - {epochs: 1, train: [body, out]}
optimizer: {type: adamw, lr: 1.0e-3}
train: {seed: 42, threads: 1}
output: {dir: runs/diabetes, formats: []}
"""

TEXT = """description: all-MiniLM-L6-v2 on 16 emails (probe)
model: {type: bert-onnx, bundled: all-minilm-l6-v2}
head: {replace: classifier, classes: [ham, spam]}
data:
  train: {type: text-jsonl, path: data/text/train.jsonl, limit: 16}
  test: {type: text-jsonl, path: data/text/test.jsonl, limit: 8}
  max_length: 16
  batch_size: 8
groups:
  - {name: body, match: ["embeddings.*", "encoder.*"]}
  - {name: head, match: ["head.*"]}
stages:
  - {epochs: 1, train: [head]}
optimizer: {type: adamw, lr: 1.0e-3}
train: {seed: 42, threads: 1}
output: {dir: runs/text, formats: []}
"""

IMG = """description: small CNN on 12 digit images (probe)
model: {type: builtin, architecture: small-cnn, hidden: 16}
head: {replace: none, classes: ["0", "1"]}
data:
  train: {type: image-folder, path: data/img/train}
  test: {type: image-folder, path: data/img/train}
  batch_size: 4
  image: {channels: 1}
groups:
  - {name: all, match: ["*"]}
stages:
  - {epochs: 1, train: [all]}
optimizer: {type: adamw, lr: 1.0e-3}
train: {seed: 42, threads: 1}
output: {dir: runs/img, formats: []}
"""


def bc_with(old, new):
    """The bc recipe with one piece of text replaced (must occur)."""
    assert old in BC, old
    return BC.replace(old, new)


def recipe_cases():
    """Recipes mutated in every way a hand or a tool gets one wrong: validate, plan and run."""
    bad = {  # name -> recipe text (bytes or str): exit 2 everywhere
        "empty": "",
        "comments-only": "# nothing\n",
        "null": "null\n",
        "scalar": "42\n",
        "list": "[1, 2]\n",
        "binary": bytes(range(256)) * 4,
        "invalid-utf8": BC.encode() + b"description2: \xff\xfe\n",
        "utf16": BC.encode("utf-16"),
        "tabs": BC.replace("  train:", "\ttrain:"),
        "duplicate-key": BC + "train: {seed: 1}\n",
        "unknown-top-key": BC + "trian: {seed: 1}\n",
        "unknown-nested-key": bc_with("monitor: {every: 10}", "monitor: {every: 10, evry: 3}"),
        "no-model": re.sub(r"model: .*\n", "", BC, count=1),
        "no-data": BC.split("data:")[0] + "groups:" + BC.split("groups:")[1],
        "no-output": BC.replace("output: {dir: runs/bc, formats: []}\n", ""),
        "model-type-unknown": bc_with("type: builtin", "type: builtn"),
        "architecture-unknown": bc_with("architecture: mlp", "architecture: resnet9000"),
        "model-type-number": bc_with("type: builtin", "type: 7"),
        "classes-yaml-booleans": bc_with("[malignant, benign]", "[no, yes]"),
        "classes-empty": bc_with("[malignant, benign]", "[]"),
        "classes-duplicate": bc_with("[malignant, benign]", "[benign, benign]"),
        "classes-wrong": bc_with("[malignant, benign]", "[cat, dog]"),
        "classes-one": bc_with("[malignant, benign]", "[malignant]"),
        "classes-mapping": bc_with("[malignant, benign]", "{a: b}"),
        "train-missing-file": bc_with("data/bc/train.csv", "data/bc/nope.csv"),
        "train-is-dir": bc_with("data/bc/train.csv", "data/bc"),
        "train-dev-zero": bc_with("data/bc/train.csv", "/dev/zero"),
        "train-dev-null": bc_with("data/bc/train.csv", "/dev/null"),
        "train-empty-path": bc_with("data/bc/train.csv", '""'),
        "label-missing-column": bc_with("label: diagnosis}\n  valid", "label: nope}\n  valid"),
        "batch-zero": bc_with("batch_size: 32", "batch_size: 0"),
        "batch-negative": bc_with("batch_size: 32", "batch_size: -4"),
        "batch-huge": bc_with("batch_size: 32", "batch_size: 99999999999999"),
        "batch-string": bc_with("batch_size: 32", "batch_size: many"),
        "batch-float": bc_with("batch_size: 32", "batch_size: 3.5"),
        "lr-negative": bc_with("lr: 1.0e-3", "lr: -1.0e-3"),
        "lr-nan": bc_with("lr: 1.0e-3", "lr: .nan"),
        "lr-inf": bc_with("lr: 1.0e-3", "lr: .inf"),
        "lr-string": bc_with("lr: 1.0e-3", "lr: fast"),
        "lr-overflow": bc_with("lr: 1.0e-3", "lr: 1e999"),
        "optimizer-unknown": bc_with("type: adamw", "type: adamx"),
        "epochs-zero": bc_with("{epochs: 1,", "{epochs: 0,"),
        "epochs-negative": bc_with("{epochs: 1,", "{epochs: -1,"),
        "epochs-huge": bc_with("{epochs: 1,", "{epochs: 99999999999,"),
        "stages-empty": bc_with("  - {epochs: 1, train: [all]}\n", "  []\n").replace(
            "stages:\n  []", "stages: []"
        ),
        "stage-unknown-group": bc_with("train: [all]", "train: [al]"),
        "groups-empty": bc_with('  - {name: all, match: ["*"]}\n', "  []\n").replace(
            "groups:\n  []", "groups: []"
        ),
        "group-matches-nothing": bc_with(
            '  - {name: all, match: ["*"]}\n',
            '  - {name: all, match: ["*"]}\n  - {name: ghost, match: ["nothing.*"]}\n',
        ),
        "group-name-duplicate": bc_with(
            '  - {name: all, match: ["*"]}\n',
            '  - {name: all, match: ["0.*"]}\n  - {name: all, match: ["*"]}\n',
        ),
        "group-bad-regex": bc_with('match: ["*"]', 'match: ["re:(unclosed"]'),
        "monitor-every-zero": bc_with("every: 10", "every: 0"),
        "monitor-sink-unknown": bc_with("monitor: {every: 10}", "monitor: {sinks: [email]}"),
        "seed-huge": bc_with("seed: 42", "seed: 123456789012345678901234567890"),
        "threads-zero": bc_with("threads: 1", "threads: 0"),
        "threads-huge": bc_with("threads: 1", "threads: 100000"),
        "checkpoint-zero-keep": bc_with("threads: 1}", "threads: 1, keep_checkpoints: 0}"),
        "on-nonfinite-unknown": bc_with("threads: 1}", "threads: 1, on_nonfinite: ignore}"),
        "max-skipped-without-skip": bc_with("threads: 1}", "threads: 1, max_skipped_steps: 3}"),
        "precision-unknown": bc_with("threads: 1}", "threads: 1, precision: fp8}"),
        "device-unknown": bc_with("threads: 1}", "threads: 1, device: tpu}"),
        "output-dir-empty": bc_with("dir: runs/bc", 'dir: ""'),
        "output-dir-root": bc_with("dir: runs/bc", "dir: /"),
        "output-dir-dot": bc_with("dir: runs/bc", "dir: ."),
        "output-dir-proc": bc_with("dir: runs/bc", "dir: /proc/probe"),
        "output-dir-dev-null": bc_with("dir: runs/bc", "dir: /dev/null"),
        "output-dir-data": bc_with("dir: runs/bc", "dir: data"),
        "output-dir-recipe-parent": bc_with("dir: runs/bc", "dir: recipes"),
        "output-overwrite-string": bc_with("formats: []}", "formats: [], overwrite: maybe}"),
        "output-format-unknown": bc_with("formats: []", "formats: [tflite]"),
        "yaml-alias-bomb": "a: &a [x,x,x,x,x,x,x,x,x]\n"
        + "".join(
            f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)},"
            f"*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)}]\n"
            for i in range(9)
        ),
        "deep-nesting": "description: " + "[" * 20000 + "]" * 20000 + "\n",
        "python-tag": "!!python/object/apply:os.system ['true']\n",
        "java-tag": BC + "x: !!javax.script.ScriptEngineManager [!!java.net.URL ['http://x']]\n",
        "lr-zero": bc_with("lr: 1.0e-3", "lr: 0"),
        "anchor-reuse": "x: &c {every: 5}\n" + BC.replace("monitor: {every: 10}", "monitor: *c"),
        "merge-key": "base: &b {seed: 1}\n" + BC.replace("train: {seed: 42", "train: {<<: *b, seed: 42"),
        "huge-key": BC + ("k" * 200000) + ": 1\n",
        "huge-recipe": BC + "description2: '" + "x" * (60 << 20) + "'\n",
        "json-broken": '{"model": {"type": "builtin"',
        "control-in-value": bc_with("type: adamw", 'type: "adam\\e[2J\\u202e"'),
        "control-in-key": BC + '"tr\\u202eain\\r": 1\n',
    }
    good = {  # name -> recipe text: validate 0, plan 0, run 0
        "base": BC,
        "bom": "\ufeff" + BC,
        "crlf": BC.replace("\n", "\r\n"),
        "json": None,  # filled below
        "description-controls": BC.replace(
            "description: built-in MLP on breast-cancer (probe)",
            'description: "evil \\e[31m red \\u202e txt.exe \\u2028 next \\r cr"',
        ),
        "group-name-unicode": BC.replace("name: all", 'name: "gr\\u00fc\\u00df\\u202e"').replace(
            "train: [all]", 'train: ["gr\\u00fc\\u00df\\u202e"]'
        ),
        "classes-quoted-yes-no": BC.replace("[malignant, benign]", '["malignant", "benign"]'),
        "seed-negative": bc_with("seed: 42", "seed: -7"),
        "hex-batch": bc_with("batch_size: 32", "batch_size: 0x20"),
        "comments-everywhere": "\n".join(line + "  # c" for line in BC.splitlines()) + "\n",
        "lr-huge-fails": bc_with("lr: 1.0e-3", "lr: 1.0e30"),
        "output-nested-new": bc_with("dir: runs/bc", "dir: runs/a/b/c/d"),
        "output-unicode": bc_with("dir: runs/bc", 'dir: "runs/r\\u00e9sum\\u00e9 \\u202e"'),
    }
    import json as _json

    good["json"] = _json.dumps(
        {
            "model": {"type": "builtin", "architecture": "mlp", "init": "random", "hidden": 16},
            "head": {"replace": "none", "classes": ["malignant", "benign"]},
            "data": {
                "train": {"type": "csv", "path": "data/bc/train.csv", "label": "diagnosis"},
                "test": {"type": "csv", "path": "data/bc/test.csv", "label": "diagnosis"},
            },
            "groups": [{"name": "all", "match": ["*"]}],
            "stages": [{"epochs": 1, "train": ["all"]}],
            "optimizer": {"type": "adamw", "lr": 0.001},
            "train": {"threads": 1},
            "output": {"dir": "runs/bc", "formats": []},
        }
    )
    for name, text in bad.items():
        ext = "json" if name.startswith("json") else "yaml"
        expect = 2
        for cmd in ("validate", "plan", "run"):
            if cmd == "plan" and name in ("huge-recipe", "deep-nesting", "yaml-alias-bomb"):
                continue  # the same reader as validate; once is enough for the slow ones
            e = expect
            if name in ("epochs-huge",) and cmd != "run":
                e = {0, 2}  # a long run is not invalid; running it is what is bounded
            if name == "lr-overflow" or name == "seed-huge":
                e = 2
            if name.startswith("output-dir-") and cmd != "run":
                e = {0, 2}  # validate and plan check the recipe, its model and data; the run
                # checks output.dir, under its lock
            case(
                "recipe",
                f"{cmd}:{name}",
                [cmd, f"r.{ext}"],
                e,
                setup=setter(f"r.{ext}", text),
                timeout=90,
            )
    for name, text in good.items():
        ext = "json" if name == "json" else "yaml"
        for cmd in ("validate", "plan", "run"):
            e = 1 if (cmd == "run" and name == "lr-huge-fails") else 0
            chk = None
            if cmd == "run" and e == 0:
                chk = completed_run_check
            case(
                "recipe",
                f"{cmd}:{name}",
                [cmd, f"r.{ext}"],
                e,
                setup=setter(f"r.{ext}", text),
                timeout=120,
                check=chk,
            )
    # the recipe argument itself
    for cmd in ("validate", "plan", "run", "lr-find"):
        case("recipe", f"{cmd}:arg-empty", [cmd, ""], 2)
        case("recipe", f"{cmd}:arg-missing", [cmd, "nope.yaml"], 2)
        case("recipe", f"{cmd}:arg-dir", [cmd, "data"], 2)
        case("recipe", f"{cmd}:arg-dev-zero", [cmd, "/dev/zero"], 2, timeout=60)
        case("recipe", f"{cmd}:arg-fifo-nowriter", [cmd, "r.fifo"], 2, setup=fifo_at("r.fifo"))
        case(
            "recipe",
            f"{cmd}:arg-fifo-writer",
            [cmd, "r.fifo"],
            {0, 2},
            setup=fifo_at("r.fifo"),
            fifo=("r.fifo", BC.encode()),
            timeout=60,
        )
        case("recipe", f"{cmd}:arg-control-name", [cmd, "r\x1b[2J\u202e.yaml"], 2)
        case("recipe", f"{cmd}:no-arg", [cmd], 2)


def completed_run_check(r):
    """A run that exits 0 left a run directory whose summary says completed."""
    d = r["dir"]
    if r["rc"] != 0:
        return []
    sums = [p for p in d.rglob("summary.json") if ".partial" not in str(p)]
    if not sums:
        return ["exit 0 but no summary.json"]
    bad = [str(p) for p in sums if b'"completed"' not in p.read_bytes()]
    return [f"summary not completed: {bad}"] if bad else []


def override_cases():
    ovs = {
        # override -> expected exit of validate (run the same, or 0/1 as noted)
        "optimizer.lr=abc": 2,
        "nokey=1": 2,
        "=1": 2,
        "optimizer.lr": 2,
        "optimizer..lr=1": 2,
        ".=1": 2,
        "optimizer.lr=": 2,
        "data.train=null": 2,
        "head.classes=[a, b, c]": 2,
        "stages=[]": 2,
        "groups=[{name: x, match: ['*']}]": 2,
        "optimizer.lr=1e400": 2,
        "train.seed=1e400": 2,
        "train.seed=-1": 0,
        "optimizer.lr=3e-4": 0,
        "optimizer.lr=3e-4 optimizer.lr=1e-3": 0,
        "optimizer={type: sgd, lr: 0.1}": 0,
        "monitor.every=[1,2]": 2,
        "output.dir=/": "run-only",
        "output.dir=": 2,
        "output.dir=runs/x\x1b[2J": 0,
        "description=\u202eevil\u2028x\r": 0,
        "data.batch_size=\x01": 2,
        "data.batch_size=" + "9" * 5000: 2,
        "x" * 100000 + "=1": 2,
        "optimizer.lr={a: [b, {c: d}]}": 2,
        "model.type=torchscript": 2,
        "head.classes=[no, yes]": 2,
        "data.train.path=data/bc": 2,
        "data.train.path=/dev/zero": 2,
        "stages[0].epochs=2": 2,
        "optimizer.lr=[": 2,
        "optimizer.lr='unclosed": 2,
        "train.checkpoint_every=-3": 2,
        "train.accumulate=0": 2,
        "optimizer.lr=&a 1": {0, 2},
        "optimizer.lr=*a": 2,
        "optimizer.lr=!!float 1e-3": {0, 2},
        "optimizer.lr=!!binary aGk=": 2,
        "train.early_stopping={metric: accuracy}": 0,
        "train.early_stopping={metric: nope}": 2,
    }
    for ov, e in ovs.items():
        args = ov.split(" ") if ov.startswith("optimizer.lr=3e-4 ") else [ov]
        ve = e
        if e == "run-only":  # validate checks the recipe, the run checks output.dir
            e, ve = 2, {0, 2}
        case("recipe", f"validate:override:{ov[:40]!r}", ["validate", "r.yaml", *args], ve,
             setup=setter("r.yaml", BC))
        if e == 0:
            case("recipe", f"run:override:{ov[:40]!r}", ["run", "r.yaml", *args], 0,
                 setup=setter("r.yaml", BC), timeout=120, check=completed_run_check)
        else:
            case("recipe", f"run:override:{ov[:40]!r}", ["run", "r.yaml", *args], e,
                 setup=setter("r.yaml", BC), timeout=120)


def data_cases():
    """Training data that is broken in the ways real files are."""
    hdr = open(REPO / "data/breast-cancer/train.csv").readline()
    rows = open(REPO / "data/breast-cancer/train.csv").read().splitlines()[1:]
    ncol = hdr.count(",") + 1
    good_rows = "\n".join(rows[:60]) + "\n"
    variants = {
        # name -> (train.csv bytes, expected run exit)
        "empty": (b"", 2),
        "header-only": (hdr.encode(), 2),
        "no-label-column": (hdr.replace("diagnosis", "diag").encode() + good_rows.encode(), 2),
        "unknown-label": ((hdr + good_rows + rows[0].rsplit(",", 1)[0] + ",unicorn\n").encode(), 2),
        "non-numeric": ((hdr + good_rows + "abc," * (ncol - 1) + "benign\n").encode(), 2),
        "nan-feature": ((hdr + good_rows + "nan," * (ncol - 1) + "benign\n").encode(), {0, 2}),
        "ragged-row": ((hdr + good_rows + "1,2,3\n").encode(), 2),
        "extra-field": ((hdr + good_rows + rows[0] + ",9\n").encode(), 2),
        "invalid-utf8-line-9": ((hdr + "\n".join(rows[:7]) + "\n").encode() + b"\xff\xfe,1\n", 2),
        "bom": (("\ufeff" + hdr + good_rows).encode(), 0),
        "crlf": ((hdr + good_rows).replace("\n", "\r\n").encode(), 0),
        "lone-cr": ((hdr + good_rows).replace("\n", "\r").encode(), {0, 2}),
        "semicolons": ((hdr + good_rows).replace(",", ";").encode(), 2),
        "quoted-newline-label": ((hdr + good_rows + rows[0].rsplit(",", 1)[0] + ',"ben\nign"\n').encode(), 2),
        "huge-line": ((hdr + good_rows).encode() + b"1" * (70 << 20) + b"\n", 2),
        "binary": (bytes(range(256)) * 100, 2),
        "nul-bytes": ((hdr + good_rows).encode().replace(b",", b"\x00", 3), 2),
        "control-label": ((hdr + good_rows + rows[0].rsplit(",", 1)[0] + ",\x1b[2J\u202e\n").encode(), 2),
        "gzip-named-csv": (gzip.compress((hdr + good_rows).encode()), 2),
        "only-blank-lines": (b"\n\n\n", 2),
        "duplicate-header": ((hdr.replace("mean_radius", "mean_texture") + good_rows).encode(), 2),
    }
    for name, (data, e) in variants.items():
        case("data", f"run:csv:{name}", ["run", "r.yaml"], e, timeout=120,
             setup=both(setter("r.yaml", BC), setter("data/bc/train.csv", data)))
    case("data", "run:csv:fifo-nowriter", ["run", "r.yaml"], 2,
         setup=both(setter("r.yaml", bc_with("data/bc/train.csv", "data/t.fifo")), fifo_at("data/t.fifo")))
    case("data", "run:csv:symlink-loop", ["run", "r.yaml"], 2,
         setup=both(setter("r.yaml", bc_with("data/bc/train.csv", "data/loop.csv")),
                    lambda d: os.symlink("loop.csv", d / "data/loop.csv")))
    case("data", "run:csv:dangling-link", ["run", "r.yaml"], 2,
         setup=both(setter("r.yaml", bc_with("data/bc/train.csv", "data/gone.csv")),
                    lambda d: os.symlink("nowhere.csv", d / "data/gone.csv")))
    case("data", "run:csv:unreadable", ["run", "r.yaml"], {0, 2},  # root reads anything
         setup=both(setter("r.yaml", BC), lambda d: os.chmod(d / "data/bc/train.csv", 0)))
    case("data", "run:csv:same-file-train-test", ["run", "r.yaml"], 0, timeout=120,
         setup=setter("r.yaml", bc_with("data/bc/test.csv", "data/bc/train.csv")))
    # text-jsonl (refused before the model loads where the data is bad)
    txt = {
        "invalid-json": (b'{"text": "a", "label": "ham"}\n{"text": \n', 2),
        "not-object": (b'[1, 2]\n', 2),
        "label-unknown": (b'{"text": "a", "label": "eggs"}\n', 2),
        "text-number": (b'{"text": 5, "label": "ham"}\n', 2),
        "empty": (b"", 2),
        "invalid-utf8": (b'{"text": "a\xff", "label": "ham"}\n', 2),
        "huge-line": (b'{"text": "' + b"a" * (70 << 20) + b'", "label": "ham"}\n', 2),
    }
    for name, (data, e) in txt.items():
        case("data", f"run:jsonl:{name}", ["run", "t.yaml"], e, timeout=180,
             setup=both(setter("t.yaml", TEXT), setter("data/text/train.jsonl", data)))
    case("data", "run:jsonl:valid-minilm", ["run", "t.yaml"], 0, timeout=300,
         setup=setter("t.yaml", TEXT), check=completed_run_check)
    # images
    img_bad = {
        "fifo-png": lambda d: os.mkfifo(d / "data/img/train/0/pipe.png"),
        "dir-png": lambda d: write(d / "data/img/train/0/dir.png/x.png", b"junk"),
        "loop-png": lambda d: os.symlink("loop.png", d / "data/img/train/0/loop.png"),
        "garbage-png": lambda d: write(d / "data/img/train/0/bad.png", b"\x89PNG\r\n\x1a\nxx"),
        "empty-png": lambda d: write(d / "data/img/train/0/empty.png", b""),
        "control-name": lambda d: write(d / "data/img/train/0/a\x1b[2J\u202egnp.png", b"junk"),
    }
    case("data", "run:img:valid", ["run", "i.yaml"], 0, timeout=120, setup=setter("i.yaml", IMG),
         check=completed_run_check)
    for name, fn in img_bad.items():
        case("data", f"run:img:{name}", ["run", "i.yaml"], {0, 2} if name == "dir-png" else 2, timeout=120,
             setup=both(setter("i.yaml", IMG), fn))
        case("data", f"run:img:{name}:skip", ["run", "i.yaml"], 0, timeout=120,
             setup=both(setter("i.yaml", IMG.replace(
                 "path: data/img/train}", "path: data/img/train, on_bad_record: skip}")), fn))
    case("data", "run:img:empty-folder", ["run", "i.yaml"], 2,
         setup=both(setter("i.yaml", IMG.replace("data/img/train}\n  test", "data/img/none}\n  test")),
                    lambda d: (d / "data/img/none/0").mkdir(parents=True)))
    case("data", "run:img:a-file", ["run", "i.yaml"], 2,
         setup=setter("i.yaml", IMG.replace("data/img/train}\n  test", "data/bc/train.csv}\n  test")))


def output_cases():
    """output.dir and the runs already on disk."""
    def rec(outdir, extra=""):
        return setter("r.yaml", bc_with("output: {dir: runs/bc, formats: []}",
                                        f"output: {{dir: {outdir}, formats: []{extra}}}"))

    case("output", "run:into-user-dir", ["run", "r.yaml"], 2,
         setup=both(rec("mine"), setter("mine/thesis.txt", "do not delete")))
    case("output", "run:into-user-dir-overwrite", ["run", "r.yaml"], 2,
         setup=both(rec("mine", ", overwrite: true"), setter("mine/thesis.txt", "do not delete")))
    case("output", "run:into-empty-dir", ["run", "r.yaml"], 0, timeout=120,
         setup=both(rec("empty"), lambda d: (d / "empty").mkdir()), check=completed_run_check)
    case("output", "run:is-a-file", ["run", "r.yaml"], 2, setup=both(rec("afile"), setter("afile", "x")))
    case("output", "run:under-a-file", ["run", "r.yaml"], 2,
         setup=both(rec("afile/run"), setter("afile", "x")))
    case("output", "run:a-link", ["run", "r.yaml"], 2,
         setup=both(rec("link"), lambda d: (d / "elsewhere").mkdir(),
                    lambda d: os.symlink("elsewhere", d / "link")))
    case("output", "run:partial-not-ours", ["run", "r.yaml"], 2,
         setup=both(rec("runs/x"), setter("runs/x.partial/mine.txt", "mine")))
    case("output", "run:failed-not-ours", ["run", "r.yaml"], {0, 1}, timeout=120,
         setup=both(setter("r.yaml", bc_with("lr: 1.0e-3", "lr: 1.0e30").replace("runs/bc", "runs/x")),
                    setter("runs/x.failed/mine.txt", "mine")))
    case("output", "run:readonly-parent", ["run", "r.yaml"], {0, 2}, timeout=120,  # root writes
         setup=both(rec("ro/run"), lambda d: (d / "ro").mkdir(), lambda d: os.chmod(d / "ro", 0o555)))
    case("output", "run:home", ["run", "r.yaml"], 2, setup=rec(os.path.expanduser("~")))
    case("output", "run:cwd-abs", ["run", "r.yaml"], 2, setup=lambda d: rec(str(d))(d))
    case("output", "run:existing-run-no-overwrite", ["run", "r.yaml"], 2, copy_run="bc",
         setup=rec("run"))
    case("output", "run:existing-run-overwrite", ["run", "r.yaml"], 0, copy_run="bc", timeout=120,
         setup=rec("run", ", overwrite: true"), allow=["run"], check=completed_run_check)
    case("output", "run:twice-second-refused", ["run", "r.yaml"], 2, copy_run="bc",
         setup=rec("run"))
    # interrupted runs and resume
    case("resume", "run:resume-nothing", ["run", "r.yaml", "--resume"], 2, setup=setter("r.yaml", BC_CKPT))
    case("resume", "run:resume-completed", ["run", "r.yaml", "--resume"], 2, copy_run="bc",
         setup=rec("run"))
    case("resume", "run:accept-without-resume", ["run", "r.yaml", "--accept-changed-inputs"], 2,
         setup=setter("r.yaml", BC_CKPT))
    case("resume", "run:rerun-over-interrupted", ["run", "r.yaml"], 2, copy_run="partial",
         setup=setter("r.yaml", BC_CKPT.replace("runs/ck", "run")))
    case("resume", "run:resume-interrupted", ["run", "r.yaml", "--resume", "stages=[{epochs: 2, train: [all]}]"], 2,
         copy_run="partial", setup=setter("r.yaml", BC_CKPT.replace("runs/ck", "run")))
    case("resume", "run:resume-interrupted-same", ["run", "r.yaml", "--resume"], {0, 143}, timeout=120,
         copy_run="partial", allow=["run.partial", "run"], setup=setter("r.yaml", BC_CKPT.replace("runs/ck", "run")),
         action=lambda p, d: (time.sleep(8), p.send_signal(signal.SIGTERM)))
    case("resume", "run:resume-changed-data", ["run", "r.yaml", "--resume"], 2, copy_run="partial",
         setup=both(setter("r.yaml", BC_CKPT.replace("runs/ck", "run")),
                    lambda d: write(d / "data/bc/train.csv",
                                    (d / "data/bc/train.csv").read_bytes() + b"\n")))
    case("resume", "run:sigterm-then-message", ["run", "r.yaml"], 143, timeout=120,
         setup=setter("r.yaml", BC_CKPT),
         action=lambda p, d: (wait_for(d / "runs/ck.partial/checkpoints", 60), time.sleep(1),
                              p.send_signal(signal.SIGTERM)),
         check=stderr_has("--resume", "checkpoint after step"))
    case("resume", "run:sigint-no-checkpoints", ["run", "r.yaml"], 130, timeout=120,
         setup=setter("r.yaml", BC.replace("{epochs: 1,", "{epochs: 400,")),
         action=lambda p, d: (wait_for(d / "runs/bc.partial/metrics.jsonl", 60), time.sleep(1),
                              p.send_signal(signal.SIGINT)),
         check=stderr_has("interrupted (SIGINT)"))
    # disk full (root only: a tmpfs)
    for size in ("4k", "12k", "40k", "100k", "400k"):
        case("diskfull", f"run:tmpfs-{size}", ["run", "r.yaml", "output.formats=[onnx, djl]"], {1, 2},
             timeout=120, root=size, setup=rec("full/run"), check=disk_full_check)
    for size in ("4k", "16k"):
        case("diskfull", f"sweep:tmpfs-{size}",
             ["sweep", "r.yaml", "--grid", "optimizer.lr=0.001", "--out", "full/sw"], {1, 2},
             timeout=180, root=size, setup=setter("r.yaml", BC), check=disk_full_check)


def wait_for(path, seconds):
    end = time.time() + seconds
    while time.time() < end and not Path(path).exists():
        time.sleep(0.1)


def disk_full_check(r):
    """What a full disk must leave: the file and DIR.failed named, no lie, nothing torn."""
    problems = []
    full = r["dir"] / "full"
    err = r["err"]
    if r["rc"] == 1 and r["args"][0] == "run" and not re.search(r"is in \S+\.(failed|partial)", err):
        problems.append("a failed run does not say where it is")
    if "No space left on device" in err and not re.search(r"(cannot|could not) write \S", err):
        problems.append("no file named")
    for p in full.rglob("*") if full.exists() else []:
        if p.name == "summary.json" and p.stat().st_size == 0:
            problems.append(f"0-byte {p}")
        if p.name.endswith(".tmp") and p.is_file():
            problems.append(f"left {p.name}")
    return problems


def predict_cases():
    bc_rows = open(REPO / "data/breast-cancer/test.csv").read().splitlines()
    feats = bc_rows[0].rsplit(",", 1)[0]
    rows = "\n".join(r.rsplit(",", 1)[0] for r in bc_rows[1:6]) + "\n"
    text_inputs = {
        # name -> (file bytes, expected exit)
        "plain": (b"hello there\ncheap meds now\n", 0),
        "empty-file": (b"", {0, 2}),
        "blank-lines": (b"\n\n  \n", {0, 2}),
        "crlf": (b"one\r\ntwo\r\n", 0),
        "lone-cr": (b"one\rtwo\r", 0),
        "controls": ("a\x1b[2Jb\u202ec\u2028d\x07\x85e\n".encode(), 0),
        "invalid-utf8-line-9": (b"ok\n" * 8 + b"bad \xff here\n", 2),
        "utf16": ("hello\nworld\n".encode("utf-16"), 2),
        "nul": (b"a\x00b\n", 0),
        "huge-line": (b"a" * (70 << 20) + b"\n", 2),
        "many-lines": (b"spam ham\n" * 20000, 0),
        "binary": (bytes(range(256)) * 64, 2),
        "csv-table": (b"text,label\nhello,ham\n", 2),
        "gz-corrupt": (b"\x1f\x8b\x08\x00garbage", 2),
    }
    for name, (data, e) in text_inputs.items():
        fname = "in.txt.gz" if name.startswith("gz") else ("in.csv" if name == "csv-table" else "in.txt")
        case("predict", f"text:input:{name}", ["predict", "{run_text}", "--input", fname], e,
             setup=setter(fname, data), timeout=120)
    gz_ok = gzip.compress(b"hello\nworld\n")
    case("predict", "text:input:gz", ["predict", "{run_text}", "--input", "in.txt.gz"], 0,
         setup=setter("in.txt.gz", gz_ok))
    case("predict", "text:input:gz-truncated", ["predict", "{run_text}", "--input", "in.txt.gz"], 2,
         setup=setter("in.txt.gz", gz_ok[:-6]))
    case("predict", "text:input:csv-lines", ["predict", "{run_text}", "--lines", "--input", "in.csv"], 0,
         setup=setter("in.csv", b"text,label\nhello,ham\n"))
    case("predict", "text:input:missing", ["predict", "{run_text}", "--input", "nope.txt"], 2)
    case("predict", "text:input:dir", ["predict", "{run_text}", "--input", "data"], 2)
    case("predict", "text:input:dev-zero", ["predict", "{run_text}", "--input", "/dev/zero"], 2, timeout=120)
    case("predict", "text:input:dev-null", ["predict", "{run_text}", "--input", "/dev/null"], {0, 2})
    case("predict", "text:input:fifo-writer", ["predict", "{run_text}", "--input", "in.fifo"], 0,
         setup=fifo_at("in.fifo"), fifo=("in.fifo", b"fifo text\n"))
    case("predict", "text:stdin", ["predict", "{run_text}", "--input", "-"], 0, stdin=b"from stdin\n")
    case("predict", "text:stdin-empty", ["predict", "{run_text}", "--input", "-"], {0, 2}, stdin=b"")
    case("predict", "text:stdin-controls", ["predict", "{run_text}", "--input", "-"], 0,
         stdin="x\u202ey\u2028z\x1b[1m\rq\n".encode())
    jsonl = {
        "valid": (b'{"text": "hi"}\n{"text": "yo"}\n', 0),
        "invalid": (b'{"text": "hi"\n', 2),
        "not-object": (b'["hi"]\n', 2),
        "missing-field": (b'{"body": "hi"}\n', 2),
        "text-number": (b'{"text": 5}\n', 2),
        "text-null": (b'{"text": null}\n', 2),
        "duplicate-key": (b'{"text": "a", "text": "b"}\n', {0, 2}),
        "deep": (b'{"text": "a", "x": ' + b"[" * 100000 + b"]" * 100000 + b"}\n", 2),
        "controls": ('{"text": "a\\u202e\\u2028\\u001b[2J\\r"}\n'.encode(), 0),
        "huge-number": (b'{"text": "a", "n": 1e999999}\n', {0, 2}),
    }
    for name, (data, e) in jsonl.items():
        case("predict", f"text:jsonl:{name}", ["predict", "{run_text}", "--input", "in.jsonl"], e,
             setup=setter("in.jsonl", data), timeout=120)
    case("predict", "text:jsonl:text-field", ["predict", "{run_text}", "--input", "in.jsonl", "--text-field", "body"], 0,
         setup=setter("in.jsonl", b'{"body": "hi"}\n'))
    case("predict", "text:jsonl:text-field-missing", ["predict", "{run_text}", "--input", "in.jsonl", "--text-field", "nope"], 2,
         setup=setter("in.jsonl", b'{"body": "hi"}\n'))
    args = {
        "plain": (["hello"], 0),
        "empty-string": ([""], {0, 2}),
        "controls": (["a\x1b[2J\u202eb\u2028c\rd\x85"], 0),
        "long": (["word " * 20000], 0),
        "many": ([f"t{i}" for i in range(500)], 0),
        "unicode": (["日本語 😀 é"], 0),
        "dash": (["--", "-x"], 0),
        "none": ([], 2),
        "and-input": (["hello", "--input", "in.txt"], 2),
    }
    for name, (a, e) in args.items():
        case("predict", f"text:args:{name}", ["predict", "{run_text}", *a], e,
             setup=setter("in.txt", b"x\n"), timeout=120)
    for fmt, e in (("jsonl", 0), ("tsv", 0), ("xml", 2), ("", 2), ("JSONL", 2)):
        case("predict", f"text:format:{fmt or 'empty'}", ["predict", "{run_text}", f"--format={fmt}", "a\u202eb"], e)
    for prec, e in (("fp32", 0), ("bf16", 0), ("auto", 0), ("fp16", 2), ("", 2)):
        case("predict", f"text:precision:{prec or 'empty'}", ["predict", "{run_text}", f"--precision={prec}", "hi"], e)
    # feature models
    feat_inputs = {
        "valid": ((feats + "\n" + rows).encode(), 0),
        "missing-column": ((feats.replace("mean_radius", "x") + "\n" + rows).encode(), 2),
        "non-numeric": ((feats + "\n" + "a," * (feats.count(",")) + "b\n").encode(), 2),
        "nan": ((feats + "\n" + "nan," * (feats.count(",")) + "nan\n").encode(), {0, 2}),
        "header-only": ((feats + "\n").encode(), {0, 2}),
        "empty": (b"", 2),
        "extra-columns": ((feats + ",extra\n" + "\n".join(r + ",1" for r in rows.splitlines()) + "\n").encode(), 0),
        "ragged": ((feats + "\n1,2\n").encode(), 2),
        "invalid-utf8": ((feats + "\n").encode() + b"\xff\n", 2),
        "controls-in-header": (("\u202e" + feats + "\n" + rows).encode(), 2),
        "label-column-too": ((bc_rows[0] + "\n" + "\n".join(bc_rows[1:4]) + "\n").encode(), 0),
        "huge-line": ((feats + "\n").encode() + b"1" * (70 << 20) + b"\n", 2),
    }
    for name, (data, e) in feat_inputs.items():
        case("predict", f"rows:{name}", ["predict", "{run_bc}", "--input", "in.csv"], e,
             setup=setter("in.csv", data), timeout=120)
    case("predict", "rows:stdin", ["predict", "{run_bc}", "--input", "-"], 0, stdin=(feats + "\n" + rows).encode())
    case("predict", "rows:texts-given", ["predict", "{run_bc}", "hello"], 2)
    case("predict", "rows:jsonl", ["predict", "{run_bc}", "--jsonl", "--input", "in.jsonl"], 2,
         setup=setter("in.jsonl", b'{"text": "a"}\n'))
    case("predict", "rows:format-jsonl", ["predict", "{run_bc}", "--format", "jsonl", "--input", "in.csv"], 0,
         setup=setter("in.csv", (feats + "\n" + rows).encode()))
    case("predict", "rows:regression", ["predict", "{run_diabetes}", "--input", "in.csv"], 0,
         setup=lambda d: write(d / "in.csv", "\n".join(
             r.rsplit(",", 1)[0] for r in open(REPO / "data/diabetes/test.csv").read().splitlines()[:4]) + "\n"))
    case("predict", "rows:regression-jsonl", ["predict", "{run_diabetes}", "--format=jsonl", "--input", "in.csv"], 0,
         setup=lambda d: write(d / "in.csv", "\n".join(
             r.rsplit(",", 1)[0] for r in open(REPO / "data/diabetes/test.csv").read().splitlines()[:4]) + "\n"))
    # the run directory given
    for name, rd, e in (
        ("missing", "nope", 2), ("a-file", "data/bc/train.csv", 2), ("empty-dir", "emptydir", 2),
        ("partial", "{run_partial}.partial", 2), ("failed", "{run_failed}.failed", 2),
        ("model-dir", "{run_bc}/model", 0), ("dev-null", "/dev/null", 2), ("root", "/", 2),
        ("control-name", "no\x1b[2J\u202epe", 2), ("empty-arg", "", 2),
    ):
        case("predict", f"rundir:{name}", ["predict", rd, "--input", "in.csv"], e,
             setup=both(setter("in.csv", (feats + "\n" + rows).encode()), lambda d: (d / "emptydir").mkdir()))
    tamper = {
        "manifest-deleted": lambda d: os.remove(d / "run/model/manifest.json"),
        "manifest-garbage": lambda d: write(d / "run/model/manifest.json", b"{not json"),
        "params-flipped": lambda d: flip_byte(d / "run/model"),
        "metadata-deleted": lambda d: [os.remove(p) for p in (d / "run/model").glob("*.json")
                                       if p.name != "manifest.json"][:1],
        "model-dir-file": lambda d: (shutil.rmtree(d / "run/model"), write(d / "run/model", b"x")),
    }
    for name, fn in tamper.items():
        case("predict", f"tampered:{name}", ["predict", "run", "--input", "in.csv"], 2, copy_run="bc",
             setup=both(setter("in.csv", (feats + "\n" + rows).encode()), fn), allow=["run"])
        case("predict", f"tampered-text:{name}", ["predict", "run", "hello"], 2, copy_run="text",
             setup=fn, allow=["run"])


def flip_byte(model_dir):
    """Flips one byte in the middle of the largest file of a model directory."""
    big = max((p for p in Path(model_dir).rglob("*") if p.is_file()), key=lambda p: p.stat().st_size)
    b = bytearray(big.read_bytes())
    b[len(b) // 2] ^= 0x40
    big.write_bytes(bytes(b))


def embed_cases():
    for name, (a, e) in {
        "plain": (["hello", "world"], 0),
        "controls": (["a\x1b[2J\u202eb\u2028c\r"], 0),
        "none": ([], 2),
        "empty-string": ([""], {0, 2}),
        "no-normalize": (["--no-normalize", "hi"], 0),
        "format-npy-no-out": (["--format", "npy", "hi"], 2),
        "format-bad": (["--format", "csv", "hi"], 2),
        "out-new": (["--out", "e.jsonl", "hi"], 0),
        "out-npy": (["--format", "npy", "--out", "e.npy", "hi", "yo"], 0),
        "out-existing": (["--out", "data/bc/train.csv", "hi"], 2),
        "out-missing-dir": (["--out", "nodir/e.jsonl", "hi"], 2),
        "out-is-dir": (["--out", "data", "hi"], 2),
        "out-dev-full": (["--out", "/dev/full", "hi"], {1, 2}),
        "out-control-name": (["--out", "e\x1b[2J\u202e.jsonl", "hi"], 0),
        "input-and-texts": (["--input", "in.txt", "hi"], 2),
        "input-lines": (["--input", "in.txt"], 0),
        "input-missing": (["--input", "nope"], 2),
        "input-dir": (["--input", "data"], 2),
        "input-dev-zero": (["--input", "/dev/zero"], 2),
        "input-invalid-utf8": (["--input", "bad.txt"], 2),
        "input-jsonl": (["--jsonl", "--input", "in.jsonl"], 0),
        "input-jsonl-bad": (["--jsonl", "--input", "bad.jsonl"], 2),
        "input-jsonl-field": (["--jsonl", "--text-field", "nope", "--input", "in.jsonl"], 2),
        "stdin": (["--input", "-"], 0),
        "many": ([f"t{i}" for i in range(300)], 0),
        "long": (["w " * 50000], 0),
    }.items():
        case("embed", f"text:{name}", ["embed", "{run_text}", *a], e, timeout=120, stdin=b"one\ntwo\n",
             setup=both(setter("in.txt", b"one\ntwo\n"), setter("bad.txt", b"ok\n\xff\n"),
                        setter("in.jsonl", b'{"text": "hi"}\n'), setter("bad.jsonl", b'{"text": \n')))
    case("embed", "feature-model", ["embed", "{run_bc}", "hi"], 2)
    case("embed", "rundir-missing", ["embed", "nope", "hi"], 2)
    case("embed", "rundir-partial", ["embed", "{run_partial}.partial", "hi"], 2)
    case("embed", "rundir-failed", ["embed", "{run_failed}.failed", "hi"], 2)
    case("embed", "tampered", ["embed", "run", "hi"], 2, copy_run="text",
         setup=lambda d: flip_byte(d / "run/model"), allow=["run"])


def export_cases():
    for name, a, e, allow in (
        ("default", [], 0, ["run/model"]),
        ("onnx", ["--format", "onnx"], 0, ["run/model"]),
        ("djl", ["--format", "djl"], 0, ["run/model"]),
        ("hf", ["--format", "hf"], {0, 2}, ["run/model"]),
        ("unknown", ["--format", "tflite"], 2, []),
        ("empty-format", ["--format", ""], 2, []),
        ("dup", ["--format", "onnx,onnx"], {0, 2}, ["run/model"]),
        ("control-format", ["--format", "on\x1b[2Jnx\u202e"], 2, []),
        ("out-new", ["--out", "exp"], 0, []),
        ("out-existing-nonempty", ["--out", "data"], 2, []),
        ("out-file", ["--out", "data/bc/train.csv"], 2, []),
        ("out-under-file", ["--out", "data/bc/train.csv/x"], 2, []),
        ("out-empty-dir", ["--out", "emptydir"], 0, []),
        ("out-run-itself", ["--out", "run"], 2, []),
        ("out-root", ["--out", "/"], 2, []),
        ("out-dev-null", ["--out", "/dev/null"], 2, []),
        ("out-empty-arg", ["--out", ""], 2, []),
    ):
        case("export", f"bc:{name}", ["export", "run", *a], e, copy_run="bc", allow=allow, timeout=120,
             setup=lambda d: (d / "emptydir").mkdir())
    for name, a, e, allow in (
        ("onnx", ["--format", "onnx", "--out", "exp"], 0, []),
        # the tiny text model is an export without a run's summary.json, which a model card quotes
        ("hf", ["--format", "hf", "--out", "exp"], 2, []),
        ("djl", ["--format", "djl", "--out", "exp"], 0, []),
    ):
        case("export", f"text:{name}", ["export", "{run_text}", *a], e, timeout=180, allow=allow)
    case("export", "rundir-missing", ["export", "nope"], 2)
    case("export", "rundir-file", ["export", "data/bc/train.csv"], 2)
    case("export", "rundir-partial", ["export", "{run_partial}.partial", "--out", "exp"], 2)
    case("export", "rundir-failed", ["export", "{run_failed}.failed", "--out", "exp"], 2)
    case("export", "rundir-empty-arg", ["export", ""], 2)
    case("export", "tampered", ["export", "run", "--out", "exp"], 2, copy_run="bc",
         setup=lambda d: flip_byte(d / "run/model"), allow=["run"])
    case("export", "manifest-missing", ["export", "run", "--out", "exp"], 2, copy_run="bc",
         setup=lambda d: os.remove(d / "run/model/manifest.json"), allow=["run"])
    case("export", "no-args", ["export"], 2)


def report_cases():
    case("report", "completed", ["report", "run"], 0, copy_run="bc", allow=["run/report.html"])
    case("report", "failed", ["report", "{run_failed}.failed"], {0}, allow=[],
         setup=None, check=None)  # writes report.html into the fixture: see allow_fixture
    case("report", "partial", ["report", "run.partial"], 0, copy_run="partial-dir",
         allow=["run.partial/report.html"])
    for name, fn, e in (
        ("metrics-empty", lambda d: write(d / "run/metrics.jsonl", b""), {0, 2}),
        ("metrics-garbage", lambda d: write(d / "run/metrics.jsonl", b"{not json\n"), 2),
        ("metrics-binary", lambda d: write(d / "run/metrics.jsonl", bytes(range(256)) * 10), 2),
        ("metrics-invalid-utf8", lambda d: write(d / "run/metrics.jsonl", b'{"kind": "step", "x": "\xff"}\n'), 2),
        ("metrics-missing", lambda d: os.remove(d / "run/metrics.jsonl"), 2),
        ("metrics-dir", lambda d: (os.remove(d / "run/metrics.jsonl"), (d / "run/metrics.jsonl").mkdir()), 2),
        ("metrics-fifo", lambda d: (os.remove(d / "run/metrics.jsonl"), os.mkfifo(d / "run/metrics.jsonl")), 2),
        ("metrics-nan", lambda d: write(d / "run/metrics.jsonl",
                                        b'{"kind": "step", "step": 1, "epoch": 1, "loss": NaN}\n'), {0, 2}),
        ("metrics-controls", lambda d: write(d / "run/metrics.jsonl",
                                             '{"kind": "warning", "step": 1, "group": "\\u001b[2J\\u202e", "cause": "x", "message": "\\u2028"}\n'.encode()), {0, 2}),
        ("metrics-huge-line", lambda d: write(d / "run/metrics.jsonl", b'{"kind": "step", "x": "' + b"a" * (70 << 20) + b'"}\n'), 2),
        ("report-is-dir", lambda d: (os.remove(d / "run/report.html") if (d / "run/report.html").exists() else None,
                                     (d / "run/report.html").mkdir()), 2),
        ("summary-garbage", lambda d: write(d / "run/summary.json", b"{bad"), {0, 2}),
        ("summary-empty", lambda d: write(d / "run/summary.json", b""), {0, 2}),
    ):
        case("report", name, ["report", "run"], e, copy_run="bc", setup=fn, allow=["run"], timeout=120)
    for name, rd in (("missing", "nope"), ("file", "data/bc/train.csv"), ("empty-dir", "emptydir"),
                     ("root", "/"), ("empty-arg", ""), ("control", "x\x1b[2J\u202e")):
        case("report", f"rundir-{name}", ["report", rd], 2, setup=lambda d: (d / "emptydir").mkdir())
    case("report", "no-args", ["report"], 2)
    case("report", "two-args", ["report", "a", "b"], 2)


def schema_cases():
    case("schema", "plain", ["schema"], 0)
    case("schema", "extra-arg", ["schema", "x"], 2)
    case("schema", "unknown-option", ["schema", "--json"], 2)
    case("schema", "help", ["schema", "--help"], 0)
    case("schema", "version", ["schema", "--version"], 0)
    case("schema", "stdout-closed", ["schema"], {0, 1}, stdin=None)


def lrfind_cases():
    base = ["lr-find", "r.yaml", "--steps", "6"]
    s = setter("r.yaml", BC)
    for name, a, e in (
        ("valid", [], 0),
        ("steps-zero", ["--steps", "0"], 2),
        ("steps-negative", ["--steps", "-1"], 2),
        ("steps-huge", ["--steps", "2000000000"], 2),
        ("steps-string", ["--steps", "many"], 2),
        ("start-zero", ["--start", "0"], 2),
        ("start-negative", ["--start", "-1"], 2),
        ("start-after-end", ["--start", "1", "--end", "0.1"], 2),
        ("end-nan", ["--end", "NaN"], 2),
        ("end-inf", ["--end", "Infinity"], 2),
        ("stage-5", ["--stage", "5"], 2),
        ("stage-negative", ["--stage", "-1"], 2),
        ("out-user-dir", ["--out", "data"], 2),
        ("out-file", ["--out", "data/bc/train.csv"], 2),
        ("out-empty", ["--out", ""], 2),
        ("out-control", ["--out", "o\x1b[2J\u202e"], 0),
        ("apply-new", ["--apply", "tuned.yaml"], 0),
        ("apply-existing", ["--apply", "data/bc/train.csv"], 2),
        ("apply-recipe-itself", ["--apply", "r.yaml"], 2),
        ("apply-dir", ["--apply", "data"], 2),
        ("apply-missing-dir", ["--apply", "nodir/x.yaml"], 2),
        ("apply-under-file", ["--apply", "data/bc/train.csv/x.yaml"], 2),
        ("apply-user-tmp", ["--apply", "tuned.yaml"], 0),
        ("apply-empty", ["--apply", ""], 2),
        ("override-bad", ["optimizer.lr=abc"], 2),
        ("override-ok", ["optimizer.lr=1e-4"], 0),
    ):
        setup = s
        if name == "apply-user-tmp":
            setup = both(s, setter("tuned.yaml.tmp", "the user's own file"),
                         lambda d: (d / "tuned.yaml.tmp.d").mkdir())
        case("lr-find", name, base + a, e, setup=setup, timeout=120)
    case("lr-find", "twice-same-out", ["lr-find", "r.yaml", "--steps", "4", "--out", "runs/bc-lr-find"], 2,
         copy_run="bc", setup=both(s, lambda d: shutil.copytree(d / "run", d / "runs/bc-lr-find")))
    case("lr-find", "invalid-recipe", ["lr-find", "r.yaml"], 2, setup=setter("r.yaml", "model: 1\n"))
    case("lr-find", "regression", ["lr-find", "r.yaml", "--steps", "5"], 0, timeout=120,
         setup=setter("r.yaml", DIABETES))


def sweep_cases():
    s = setter("r.yaml", BC)
    lst = ["sweep", "r.yaml", "--out", "sw", "--list"]
    for name, a, e in (
        ("list", [], 0),
        ("list-grid", ["--grid", "optimizer.lr=1e-3,1e-4"], 0),
        ("list-grid-yaml", ["--grid", "monitor.sinks=[jsonl],[jsonl, csv]"], 0),
        ("list-grid-quoted", ["--grid", 'description="a, b",c'], 0),
        ("grid-unclosed", ["--grid", "head.classes=[a,b"], 2),
        ("grid-mismatched", ["--grid", "head.classes=[a,b}"], 2),
        ("grid-no-equals", ["--grid", "optimizer.lr"], 2),
        ("grid-empty-values", ["--grid", "optimizer.lr="], 2),
        ("grid-empty-value", ["--grid", "optimizer.lr=1e-3,,1e-4"], 2),
        ("grid-unknown-key", ["--grid", "optimizer.lrr=1"], 2),
        ("grid-owned-seed", ["--grid", "train.seed=1,2"], 2),
        ("grid-owned-dir", ["--grid", "output.dir=a,b"], 2),
        ("grid-section", ["--grid", "train={seed: 1}"], 2),
        ("grid-bad-value", ["--grid", "optimizer.lr=abc"], 2),
        ("grid-controls", ["--grid", "description=a\x1b[2J,b\u202e,c\u2028d"], 0),
        ("grid-huge", ["--grid", "optimizer.lr=" + ",".join(["1e-3"] * 20000)], 2),
        ("grid-dup-key", ["--grid", "optimizer.lr=1", "--grid", "optimizer.lr=2"], 2),
        ("set-owned-dir", ["--set", "output.dir=x"], 2),
        ("set-owned-overwrite", ["--set", "output.overwrite=false"], 2),
        ("set-seed", ["--set", "train.seed=7"], 0),
        ("set-bad", ["--set", "optimizer.lr=abc"], 2),
        ("set-no-equals", ["--set", "optimizer.lr"], 2),
        ("seeds-zero", ["--seeds", "0"], 2),
        ("seeds-negative", ["--seeds", "-1"], 2),
        ("seeds-huge", ["--seeds", "2000000000"], 2),
        ("seeds-string", ["--seeds", "x"], 2),
        ("seeds-1000", ["--seeds", "1000"], 0),
        ("parallel-zero", ["--parallel", "0"], 2),
        ("parallel-huge", ["--parallel", "100000"], 2),
        ("trial-negative", ["--trial", "-1"], 2),
        ("trial-out-of-range", ["--trial", "5"], 2),
        ("list-and-collect", ["--collect"], 2),
    ):
        case("sweep", name, lst + a, e, setup=s, timeout=60)
    case("sweep", "no-out", ["sweep", "r.yaml", "--list"], 2, setup=s)
    case("sweep", "no-recipe", ["sweep", "--out", "sw", "--list"], 2)
    case("sweep", "recipe-missing", ["sweep", "nope.yaml", "--out", "sw", "--list"], 2)
    case("sweep", "recipe-invalid", ["sweep", "r.yaml", "--out", "sw", "--list"], 2, setup=setter("r.yaml", "x: 1\n"))
    case("sweep", "recipe-empty-arg", ["sweep", "", "--out", "sw", "--list"], 2)
    case("sweep", "out-file", ["sweep", "r.yaml", "--out", "data/bc/train.csv"], 2, setup=s)
    case("sweep", "out-user-dir", ["sweep", "r.yaml", "--out", "data"], 2, setup=s)
    case("sweep", "out-empty-arg", ["sweep", "r.yaml", "--out", ""], 2, setup=s)
    run2 = ["sweep", "r.yaml", "--grid", "optimizer.lr=1e-3,1e-30", "--out", "sw"]
    case("sweep", "run-2-trials", run2, 0, setup=s, timeout=240, check=sweep_table_check(2))
    case("sweep", "run-failing-trial", ["sweep", "r.yaml", "--grid", "optimizer.lr=1e-3,1e30", "--out", "sw"], 1,
         setup=s, timeout=240, check=sweep_table_check(2, failed=1))
    case("sweep", "trial-0", ["sweep", "r.yaml", "--grid", "optimizer.lr=1e-3,1e-4", "--out", "sw", "--trial", "0"], 0,
         setup=s, timeout=120, check=lambda r: [] if "status=completed" in r["out"] else ["no status=completed"])
    case("sweep", "collect-empty", ["sweep", "r.yaml", "--out", "sw", "--collect"], {0, 2}, setup=s)
    case("sweep", "sweep-json-corrupt", ["sweep", "r.yaml", "--out", "sw"], 2,
         setup=both(s, setter("sw/sweep.json", b'{"recipes": [tru')))
    case("sweep", "sweep-json-empty", ["sweep", "r.yaml", "--out", "sw"], 2, setup=both(s, setter("sw/sweep.json", b"")))
    case("sweep", "sweep-json-binary", ["sweep", "r.yaml", "--out", "sw"], 2,
         setup=both(s, setter("sw/sweep.json", bytes(range(256)))))
    case("sweep", "sweep-json-dir", ["sweep", "r.yaml", "--out", "sw"], 2,
         setup=both(s, lambda d: (d / "sw/sweep.json").mkdir(parents=True)))
    case("sweep", "stale-tmp", ["sweep", "r.yaml", "--out", "sw", "--set", "stages=[{epochs: 1, train: [all]}]"], 0,
         setup=both(s, setter("sw/sweep.json.tmp", b""), lambda d: (d / "sw/trials").mkdir()),
         allow=["sw/sweep.json.tmp"], timeout=120)
    case("sweep", "another-sweep-dir", ["sweep", "r.yaml", "--out", "sw", "--grid", "optimizer.lr=1,2"], 2,
         setup=both(s, setter("sw/sweep.json",
                              '{"recipes": ["other.yaml"], "grid": {}, "seeds": 1, "set": [], "trials": 1}')))
    case("sweep", "sigterm", ["sweep", "r.yaml", "--out", "sw", "--set", "stages=[{epochs: 400, train: [all]}]"], 143,
         setup=s, timeout=120,
         action=lambda p, d: (wait_for(d / "sw/trials/000.partial/metrics.jsonl", 60), time.sleep(1),
                              p.send_signal(signal.SIGTERM)),
         check=sweep_sigterm_check)


def sweep_table_check(n, failed=0):
    def check(r):
        csv = r["dir"] / "sw/results.csv"
        if not csv.exists():
            return ["no results.csv"]
        lines = csv.read_text().splitlines()[1:]
        probs = [] if len(lines) == n else [f"results.csv has {len(lines)} rows, not {n}"]
        nf = sum(1 for l in lines if ",failed," in l)
        if nf != failed:
            probs.append(f"{nf} failed rows, not {failed}")
        return probs

    return check


def sweep_sigterm_check(r):
    probs = []
    if "no run was writing" in r["err"]:
        probs.append("says no run was writing, but a trial was")
    if "sw" not in r["err"]:
        probs.append("does not name the sweep's directory")
    return probs


def checkpoint_cases():
    case("checkpoint", "new-dir", ["checkpoint", "ck"], 0, timeout=180)
    case("checkpoint", "existing-nonempty", ["checkpoint", "data"], 2)
    case("checkpoint", "existing-empty", ["checkpoint", "emptydir"], {0, 2}, timeout=180,
         setup=lambda d: (d / "emptydir").mkdir())
    case("checkpoint", "a-file", ["checkpoint", "data/bc/train.csv"], 2)
    case("checkpoint", "under-a-file", ["checkpoint", "data/bc/train.csv/x"], 2)
    case("checkpoint", "bundled-unknown", ["checkpoint", "--bundled", "gpt-9", "ck"], 2)
    case("checkpoint", "bundled-controls", ["checkpoint", "--bundled", "x\x1b[2J\u202e", "ck"], 2)
    case("checkpoint", "empty-arg", ["checkpoint", ""], 2)
    case("checkpoint", "root", ["checkpoint", "/"], 2)
    case("checkpoint", "dev-null", ["checkpoint", "/dev/null"], 2)
    case("checkpoint", "no-args", ["checkpoint"], 2)
    case("checkpoint", "dev-full-dir", ["checkpoint", "full/ck"], {1, 2}, root="64k", timeout=180,
         check=disk_full_check)


def cli_cases():
    case("cli", "no-args", [], 2)
    case("cli", "help", ["--help"], 0)
    case("cli", "version", ["--version"], 0)
    case("cli", "unknown-command", ["trian"], 2)
    case("cli", "control-command", ["x\x1b[2J\u202e"], 2)
    for c in ("run", "validate", "plan", "predict", "embed", "export", "report", "schema", "lr-find",
              "sweep", "checkpoint"):
        case("cli", f"{c}:help", [c, "--help"], 0)
        case("cli", f"{c}:unknown-option", [c, "--frobnicate"], 2)
        case("cli", f"{c}:control-option", [c, "--x\x1b[2J\u202e\u2028"], 2)


# ----------------------------------------------------------------------------------------------
# Running


def java_command(jar=None):
    cp = f"{jar or JAR}:{CLASSPATH.read_text().strip()}"
    return ["java", "-Xmx1g", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Dai.djl.offline=true",
            "-Dai.djl.pytorch.graph_optimizer=false", "-cp", cp, "io.github.finetune4j.cli.Main"]


def env():
    e = dict(os.environ)
    e.update(OMP_WAIT_POLICY="PASSIVE", TORCH_CPP_LOG_LEVEL="ERROR", OMP_NUM_THREADS="1",
             MKL_NUM_THREADS="1")
    e.pop("FINETUNE_DEBUG", None)
    return e


def snapshot(roots):
    snap = {}
    for root in roots:
        root = Path(root)
        if not root.exists():
            continue
        for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
            for n in dirnames + filenames:
                p = os.path.join(dirpath, n)
                try:
                    st = os.lstat(p)
                except FileNotFoundError:
                    continue
                if stat.S_ISLNK(st.st_mode):
                    snap[p] = ("link", os.readlink(p))
                elif stat.S_ISDIR(st.st_mode):
                    snap[p] = ("dir", stat.S_IMODE(st.st_mode))
                elif stat.S_ISREG(st.st_mode):
                    h = hashlib.sha256()
                    try:
                        with open(p, "rb") as f:
                            for chunk in iter(lambda: f.read(1 << 20), b""):
                                h.update(chunk)
                        snap[p] = ("file", h.hexdigest(), stat.S_IMODE(st.st_mode))
                    except PermissionError:
                        snap[p] = ("file", "unreadable", st.st_size)
                else:
                    snap[p] = ("special", stat.S_IFMT(st.st_mode))
    return snap


def build_fixtures(work):
    """The kit each case gets a copy of, and the runs the cases read."""
    kit = work / "kit"
    fx = work / "fx"
    if (fx / "ready").exists():
        return kit, fx
    shutil.rmtree(kit, ignore_errors=True)
    shutil.rmtree(fx, ignore_errors=True)
    for split in ("train", "valid", "test"):
        write(kit / f"data/bc/{split}.csv", (REPO / f"data/breast-cancer/{split}.csv").read_bytes())
        write(kit / f"data/diabetes/{split}.csv", (REPO / f"data/diabetes/{split}.csv").read_bytes())
        with gzip.open(REPO / f"data/spamassassin/{split}.jsonl.gz", "rb") as f:
            lines = f.read().splitlines(keepends=True)[:24]
        write(kit / f"data/text/{split}.jsonl", b"".join(lines))
    write(kit / "models/diabetes-mlp.pt", (REPO / "models/tabular/diabetes-mlp.pt").read_bytes())
    for cls in ("0", "1"):
        src = sorted((REPO / "data/digits-images/train" / cls).iterdir())[:6]
        for p in src:
            write(kit / f"data/img/train/{cls}/{p.name}", p.read_bytes())
    write(kit / "recipes/bc.yaml", BC)
    fx.mkdir(parents=True)
    shutil.copytree(kit, fx / "work")
    j = java_command()

    def run(args, **kw):
        r = subprocess.run(j + args, cwd=fx / "work", env=env(), capture_output=True, timeout=600, **kw)
        return r

    write(fx / "work/bc.yaml", BC.replace("formats: []", "formats: [onnx, djl]"))
    r = run(["run", "bc.yaml", "output.dir=" + str(fx / "bc")])
    assert r.returncode == 0, r.stderr.decode()
    write(fx / "work/failed.yaml", bc_with("lr: 1.0e-3", "lr: 1.0e30"))
    r = run(["run", "failed.yaml", "output.dir=" + str(fx / "failed")])
    assert r.returncode == 1, r.stderr.decode()
    write(fx / "work/diabetes.yaml", DIABETES)
    r = run(["run", "diabetes.yaml", "output.dir=" + str(fx / "diabetes")])
    assert r.returncode == 0, r.stderr.decode()
    write(fx / "work/ck.yaml", BC_CKPT)
    p = subprocess.Popen(j + ["run", "ck.yaml", "output.dir=" + str(fx / "partial")], cwd=fx / "work",
                         env=env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, preexec_fn=default_signals)
    wait_for(fx / "partial.partial/checkpoints", 120)
    time.sleep(1.5)
    p.send_signal(signal.SIGTERM)
    out, err = p.communicate(timeout=60)
    assert p.returncode == 143, err.decode()
    # the tiny text model: TinyExport, through the test classes
    r = subprocess.run(["java", "-cp", f"{TEST_CLASSES}:{JAR}:{CLASSPATH.read_text().strip()}",
                        str(REPO / "src/test/probe/TinyRun.java"), str(fx / "text")],
                       env=env(), capture_output=True, timeout=600)
    assert r.returncode == 0, r.stderr.decode()
    shutil.rmtree(fx / "work")
    (fx / "ready").write_text("ok\n")
    return kit, fx


def feed_fifo(path, data):
    def go():
        try:
            with open(path, "wb") as f:
                f.write(data)
        except OSError:
            pass

    t = threading.Thread(target=go, daemon=True)
    t.start()
    return t


def release_fifos(d):
    """Opens every FIFO of a case for reading, so no feeding thread stays blocked."""
    for p in Path(d).rglob("*"):
        try:
            if stat.S_ISFIFO(os.lstat(p).st_mode):
                fd = os.open(p, os.O_RDONLY | os.O_NONBLOCK)
                os.close(fd)
        except OSError:
            pass


def default_signals():
    """A background shell ignores SIGINT, and its children inherit that: undo it, as a terminal."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGQUIT, signal.SIG_DFL)


def group_alive(pgid):
    try:
        os.killpg(pgid, 0)
        return True
    except ProcessLookupError:
        return False
    except PermissionError:
        return True


def run_case(c, i, work, kit, fx, java):
    d = work / "cases" / f"{i:03d}"
    shutil.rmtree(d, ignore_errors=True)
    shutil.copytree(kit, d, symlinks=True)
    mounted = None
    if c.root:
        if os.geteuid() != 0:
            return None
        (d / "full").mkdir()
        if subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={c.root}", "tmpfs", str(d / "full")],
                          capture_output=True).returncode != 0:
            return None
        mounted = d / "full"
    if c.copy_run:
        src = {"bc": fx / "bc", "text": fx / "text", "partial": fx / "partial.partial",
               "partial-dir": fx / "partial.partial"}[c.copy_run]
        dst = d / ("run.partial" if c.copy_run in ("partial", "partial-dir") else "run")
        shutil.copytree(src, dst, symlinks=True)
    if c.setup:
        c.setup(d)
    subst = {"{run_bc}": str(fx / "bc"), "{run_text}": str(fx / "text"), "{run_diabetes}": str(fx / "diabetes"),
             "{run_partial}": str(fx / "partial"), "{run_failed}": str(fx / "failed")}
    args = []
    for a in c.args:
        for k, v in subst.items():
            a = a.replace(k, v)
        args.append(a)
    before = snapshot([d, fx])
    if c.fifo:
        feed_fifo(d / c.fifo[0], c.fifo[1])
    t0 = time.time()
    try:
        p = subprocess.Popen(java + args, cwd=d, env=env(),
                             stdin=subprocess.PIPE if c.stdin is not None else subprocess.DEVNULL,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True,
                             preexec_fn=default_signals)
    except OSError as e:  # the case itself is wrong (an argument too long for the OS)
        sys.exit(f"case {c.cmd}:{c.name} cannot start: {e}")
    if c.action:
        threading.Thread(target=c.action, args=(p, d), daemon=True).start()
    hang = False
    try:
        out, err = p.communicate(input=c.stdin, timeout=c.timeout)
    except subprocess.TimeoutExpired:
        hang = True
        os.killpg(p.pid, signal.SIGKILL)
        out, err = p.communicate()
    wall = time.time() - t0
    orphan = False
    end = time.time() + 10
    while group_alive(p.pid) and time.time() < end:
        time.sleep(0.2)
    if group_alive(p.pid):
        orphan = True
        os.killpg(p.pid, signal.SIGKILL)
    release_fifos(d)
    after = snapshot([d, fx])
    r = {"rc": p.returncode, "out": out.decode("utf-8", "replace"), "err": err.decode("utf-8", "replace"),
         "dir": d, "args": args, "wall": wall}
    problems = []
    if hang:
        problems.append(("hang", f"ran past {c.timeout} s"))
    elif p.returncode not in c.expect:
        problems.append(("exit", f"exit {p.returncode}, expected {sorted(c.expect)}"))
    if TRACE.search(r["out"]) or TRACE.search(r["err"]):
        m = TRACE.search(r["err"]) or TRACE.search(r["out"])
        problems.append(("trace", m.group(0).strip()[:80]))
    raw = RAW_CONTROL.search(err) or (None if "npy" in " ".join(args) else RAW_CONTROL.search(out))
    if raw:
        where = "stderr" if RAW_CONTROL.search(err) else "stdout"
        problems.append(("control", f"{where} holds {raw.group(0)!r}"))
    allowed = [str(d / a) for a in c.allow]
    for path, was in before.items():
        now = after.get(path)
        if now == was:
            continue
        if any(path == a or path.startswith(a + "/") for a in allowed):
            continue
        if str(path).startswith(str(fx / "failed.failed/report.html")):
            continue
        if os.path.basename(path) == ".lock" and now is not None:
            continue  # a run's lock file records who holds the lock: taking it rewrites it
        problems.append(("touched", f"{os.path.relpath(path, d)}: {'gone' if now is None else 'changed'}"))
    new = [p_ for p_ in after if p_ not in before]
    if NOTHING_WRITTEN in r["err"]:
        left = [os.path.relpath(p_, d) for p_ in new if not p_.startswith(str(fx))]
        if left:
            problems.append(("lie", f"'Nothing was written' but {left[:3]} appeared"))
    for p_ in new:
        name = os.path.basename(p_)
        if name == "summary.json" and after[p_][0] == "file" and after[p_][1] == hashlib.sha256(b"").hexdigest():
            problems.append(("lie", f"0-byte {os.path.relpath(p_, d)}"))
        if p.returncode != 0 and name.endswith(".tmp") and after[p_][0] == "file" and "/checkpoints/" not in p_:
            problems.append(("lie", f"left {os.path.relpath(p_, d)}"))
    if orphan:
        problems.append(("orphan", "a process of the case outlived it"))
    if c.check and not hang:
        for msg in c.check(r):
            problems.append(("lie" if c.cmd != "diskfull" else "lie", msg))
    if mounted:
        subprocess.run(["umount", "-l", str(mounted)], capture_output=True)
    return r, problems


KINDS = ["exit", "trace", "touched", "hang", "control", "lie", "orphan"]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--work", default=os.path.join(tempfile.gettempdir(), "finetune-probe"))
    ap.add_argument("--only", help="run only the cases whose command:name matches this regex")
    ap.add_argument("--keep", action="store_true", help="keep each case's directory")
    ap.add_argument("--list", action="store_true", help="list the cases and exit")
    ap.add_argument("--jar", help="the app jar to probe (default: target/finetune4j.jar)")
    a = ap.parse_args()
    for gen in (cli_cases, recipe_cases, override_cases, data_cases, output_cases, predict_cases,
                embed_cases, export_cases, report_cases, schema_cases, lrfind_cases, sweep_cases,
                checkpoint_cases):
        gen()
    cases = [c for c in CASES if not a.only or re.search(a.only, f"{c.cmd}:{c.name}")]
    if a.list:
        for c in cases:
            print(f"{c.cmd}\t{c.name}\t{sorted(c.expect)}")
        print(len(cases), "cases")
        return 0
    if not JAR.exists():
        sys.exit("build first: mvn -o -B -q package -DskipTests && mvn -o -B -q test-compile")
    work = Path(a.work)
    work.mkdir(parents=True, exist_ok=True)
    kit, fx = build_fixtures(work)
    java = java_command(a.jar)
    table = {}
    rows = []
    t_start = time.time()
    skipped = 0
    retried = []
    for i, c in enumerate(cases):
        res = run_case(c, i, work, kit, fx, java)
        if res is None:
            skipped += 1
            continue
        r, problems = res
        if r["rc"] in (-15, 143, -9, 137) and not c.action and r["rc"] not in c.expect:
            # a signal the probe did not send (another user's stale kill on a busy shared
            # machine): run the case once more, and say so
            retried.append(f"{i:03d} {c.cmd}:{c.name} (exit {r['rc']})")
            r, problems = run_case(c, i, work, kit, fx, java)
        t = table.setdefault(c.cmd, {k: 0 for k in ["cases", "ok"] + KINDS})
        t["cases"] += 1
        kinds = sorted({k for k, _ in problems})
        if not problems:
            t["ok"] += 1
        for k in kinds:
            t[k] += 1
        line = f"{i:03d}\t{c.cmd}\t{c.name!r}\texit {r['rc']}\t{r['wall']:.1f}s\t" + (
            "ok" if not problems else "; ".join(f"{k}: {m}" for k, m in problems))
        rows.append(line + "\t" + r["err"].strip().splitlines()[0][:200] if r["err"].strip() else line)
        if problems:
            logs = work / "logs"
            logs.mkdir(exist_ok=True)
            (logs / f"{i:03d}.out").write_text(r["out"])
            (logs / f"{i:03d}.err").write_text(r["err"])
            print(line, flush=True)
            first = r["err"].strip().splitlines()[:3]
            for fl in first:
                print("      |", fl[:220], flush=True)
        if not a.keep and not problems:
            shutil.rmtree(r["dir"], ignore_errors=True)
    (work / "results.tsv").write_text("\n".join(rows) + "\n")
    print()
    print(f"{sum(t['cases'] for t in table.values())} cases in {time.time() - t_start:.0f} s"
          + (f" ({skipped} disk-full cases skipped: not root)" if skipped else ""))
    if retried:
        print(f"run twice after a signal the probe did not send: {', '.join(retried)}")
    head = ["command", "cases", "ok"] + KINDS
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    total = {k: 0 for k in head[1:]}
    for cmd, t in table.items():
        print("| " + " | ".join([cmd] + [str(t[k]) for k in head[1:]]) + " |")
        for k in head[1:]:
            total[k] += t[k]
    print("| **all** | " + " | ".join(str(total[k]) for k in head[1:]) + " |")
    return 0 if total["ok"] == total["cases"] else 1


if __name__ == "__main__":
    sys.exit(main())
