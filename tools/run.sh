#!/usr/bin/env bash
# The main job: set up if needed, then run `malaria-fastai` (default: train EfficientNet-Lite0, then evaluate it on the test patients) with any arguments given.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/setup.sh
[ $# -gt 0 ] || set -- train --arch efficientnet_lite0
exec .venv/bin/malaria-fastai "$@"
