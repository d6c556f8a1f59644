#!/usr/bin/env bash
# The main job: set up if needed, then run `malaria-fastai` (default: `train`, which trains EfficientNet-Lite0, then evaluates it on the test patients) with any arguments given.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/setup.sh
[ $# -gt 0 ] || set -- train
exec .venv/bin/malaria-fastai "$@"
