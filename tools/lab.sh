#!/usr/bin/env bash
# Open the notebooks: set up .venv if needed, then start JupyterLab on nbs/ with the project's kernel (python3 of .venv). Extra arguments go to `jupyter lab`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/setup.sh
exec .venv/bin/jupyter lab --notebook-dir nbs --allow-root "$@"  # --allow-root: CI and containers run as root
