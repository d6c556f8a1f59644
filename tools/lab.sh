#!/usr/bin/env bash
# Open the notebooks: set up .venv if needed, then start JupyterLab on nbs/ with the project's kernel (python3 of .venv) and nbdev's
# save hook (`jupyter_hooks` in pyproject.toml): every save is cleaned as `nbdev-clean` cleans, so opening and saving a notebook leaves
# git status clean. Extra arguments go to `jupyter lab`; NOTEBOOK_DIR serves another folder (the tests serve a copy).
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/setup.sh
exec .venv/bin/jupyter lab --notebook-dir "${NOTEBOOK_DIR:-nbs}" --allow-root --ContentsManager.pre_save_hook=nbdev.clean.clean_jupyter "$@"  # --allow-root: CI and containers run as root
