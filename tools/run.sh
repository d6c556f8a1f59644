#!/usr/bin/env bash
# The main job: set up if needed, then run `malaria-fastai` (default: the dataset report) with any arguments given.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/setup.sh
[ $# -gt 0 ] || set -- data
exec .venv/bin/malaria-fastai "$@"
