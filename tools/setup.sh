#!/usr/bin/env bash
# Create or refresh .venv: pinned torch build, then this package with its dev extras. Idempotent and quick when nothing changed.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
# torch is pinned here, not in pyproject.toml: the right build differs by machine (see README, "Installing by hand").
case "$(uname -m)" in
  aarch64|arm64) TORCH_SPEC=${TORCH_SPEC:-"torch==2.9.1 torchvision==0.24.1"} ;;
  *)             TORCH_SPEC=${TORCH_SPEC:-"torch==2.14.1 torchvision==0.29.1"} ;;
esac
stamp=".venv/.installed-$(cat pyproject.toml tools/setup.sh | sha1sum | cut -c1-12)"
[ -f "$stamp" ] && exit 0
echo "Setting up .venv (first run, or pyproject.toml changed): torch, fastai, nbdev ..." >&2
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
.venv/bin/python -m pip install -q --disable-pip-version-check $TORCH_SPEC
.venv/bin/python -m pip install -q --disable-pip-version-check -e ".[train,dev,fast,fields,app]"
rm -f .venv/.installed-*
touch "$stamp"
echo "Setup done." >&2
