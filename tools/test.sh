#!/usr/bin/env bash
# The whole test suite: set up if needed, run every notebook (nbdev-test), then pytest. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/setup.sh
export MPLBACKEND=Agg
echo "== nbdev-test (notebooks in nbs/)"
.venv/bin/nbdev-test --do-print
echo "== pytest (tests/)"
exec .venv/bin/python -m pytest "$@"
