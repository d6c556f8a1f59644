#!/usr/bin/env bash
# The whole test suite: set up if needed, run the library notebooks (nbdev-test), then pytest, which also starts JupyterLab
# on localhost and runs the tutorials (nbs/tutorials) through the project's kernel on synthetic cells. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/setup.sh
export MPLBACKEND=Agg
# The notebooks and tests make their fixtures and runs in temporary folders: give them one of their own, removed at
# exit, so repeated runs (CI on a shared disk) do not fill /tmp.
export TMPDIR=$(mktemp -d "${TMPDIR:-/tmp}/malaria-test.XXXXXX")
trap 'rm -rf "$TMPDIR"' EXIT
echo "== nbdev-test (notebooks in nbs/; the tutorials run in pytest, through a Jupyter kernel)"
.venv/bin/nbdev-test --do-print --skip-folder-re '^([_.]|tutorials$)'
echo "== pytest (tests/)"
.venv/bin/python -m pytest "$@"
