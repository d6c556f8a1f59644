#!/usr/bin/env bash
# Run nbs/tutorials/walkthrough.ipynb in place on the real data, the README main command's configuration (about 16 minutes on two
# CPU cores), so that its saved outputs show a full run; then clean it for committing. Data: $MALARIA_DATA (or the first argument).
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/setup.sh
export WALKTHROUGH_DATA=${1:-${MALARIA_DATA:?set MALARIA_DATA or pass the data folder}} MPLBACKEND=module://matplotlib_inline.backend_inline
.venv/bin/jupyter execute --inplace --timeout=-1 --kernel_name=python3 nbs/tutorials/walkthrough.ipynb
.venv/bin/nbdev-clean --fname nbs/tutorials/walkthrough.ipynb
