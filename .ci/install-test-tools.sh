#!/usr/bin/env bash
# Installs the external programs the monitor tests check our output with (Debian/Ubuntu, as root).
# Idempotent: installs only what is missing. Called by .ci/run; with CI=true those tests fail
# instead of skipping when a program is missing.
#   protoc   (protobuf-compiler): TensorBoardSinkIndependentTest decodes every event record
#   chromium (chromium):          HtmlReportBrowserTest renders report.html headless
#   torch    (python3-torch):     TorchScriptExportTorchTest loads exported model.pt with torch.jit.load
#   onnx     (python3-onnx):      OnnxChecker runs onnx.checker (full_check) on every ONNX file we write
#   sklearn  (python3-sklearn):   RetrievalMetricsPythonTest checks NDCG/MAP with scikit-learn, Spearman with scipy
set -euo pipefail

missing=()
command -v protoc >/dev/null 2>&1 || missing+=(protobuf-compiler)
command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 \
  || missing+=(chromium)
/usr/bin/python3 -c "import torch" >/dev/null 2>&1 || missing+=(python3-torch)
/usr/bin/python3 -c "import onnx" >/dev/null 2>&1 || missing+=(python3-onnx)
/usr/bin/python3 -c "import sklearn, scipy" >/dev/null 2>&1 || missing+=(python3-sklearn)

if ((${#missing[@]} == 0)); then
  echo "install-test-tools: protoc, chromium, python3-torch, python3-onnx and python3-sklearn already installed"
  exit 0
fi

SUDO=""
if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi
echo "install-test-tools: installing ${missing[*]}"
$SUDO apt-get update
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y --no-install-recommends "${missing[@]}"
