"""Independent check of a Finetune4J TorchScript export: load model/model.pt with torch.jit.load,
apply the export's standardizer and target mapping (finetune4j-model.json), and print one line per
CSV row: the predicted values, comma-separated, as repr(float).

Usage: /usr/bin/python3 check_torchscript_export.py MODEL_DIR ROWS.csv
Needs Debian's python3-torch; reads only the standard library besides torch.
"""
import csv
import json
import sys

import torch


def main(model_dir, rows):
    meta = json.load(open(f"{model_dir}/finetune4j-model.json"))
    std = meta["standardizer"]
    module = torch.jit.load(f"{model_dir}/model.pt")
    module.eval()
    with open(rows, newline="") as f:
        reader = csv.DictReader(f, delimiter=meta.get("delimiter", ","))
        x = [[(float(r[c]) - m) / s for c, m, s in zip(std["features"], std["mean"], std["std"])]
             for r in reader]
    with torch.no_grad():
        out = module(torch.tensor(x, dtype=torch.float32))
    mapping = meta.get("target_mapping")
    if mapping is not None:
        out = out * torch.tensor(mapping["scale"]) + torch.tensor(mapping["shift"])
    for row in out.tolist():
        print(",".join(repr(v) for v in row))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
