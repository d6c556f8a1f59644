"""Inference benchmark: PNG files on disk to labels (decoding included), batch 64, per back end and model.

For each run: export to ONNX fp32 and int8 (int8 calibrated on training cells; once per --fp32-strides value,
the layers down to that stride kept in fp32), parity on the validation split, then cells/s and peak memory
(each back end in its own process) over 5,000 cells, the WHO count.
A cross-validation folder is one model, the average of its folds. `--label` names a section of its own.
Usage: python benchmarks/infer.py RUN [RUN ...] [--cells 5000] [--bs 64] [--fp32-strides 1,8] [--label TEXT]
"""
import argparse, json, subprocess, sys, time
from pathlib import Path
from record import record, MODEL_FILES

def measure(model, files, bs):
    "Run in a fresh process: load the back end, screen `files`, print cells/s and peak RSS"
    from malaria_fastai.predict import predict_cells, open_model
    t0 = time.perf_counter()
    m = open_model(model)
    t1 = time.perf_counter()
    rows, skipped = predict_cells(m, files, bs=bs, progress=False)
    t2 = time.perf_counter()
    print(
        json.dumps(dict(cells=len(rows), skipped=len(skipped), load_s=t1 - t0, screen_s=t2 - t1, peak_mib=peak_mib()))
    )

def peak_mib()->float:
    "This process's peak resident memory. Not getrusage's ru_maxrss: after fork and exec it reports the parent's peak"
    hwm = next(l for l in Path('/proc/self/status').read_text().splitlines() if l.startswith('VmHWM:'))
    return int(hwm.split()[1])/1024

def size_mb(model:Path)->float:
    "A model file's size; a cross-validation folder's, its folds' weights.pth together"
    return (
        sum(f.stat().st_size for f in model.glob('fold-*/weights.pth')) / 1e6
        if model.is_dir()
        else model.stat().st_size / 1e6
    )

def main(runs, cells, bs, fp32_strides, label=''):
    from malaria_fastai.export import export_onnx, onnx_parity
    from malaria_fastai.run import Run
    lines = [
        "| model | back end | file size | cells/s | 5,000 cells | peak RSS | valid accuracy | label agreement "
        "with PyTorch |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for run in map(Run, runs):
        cfg = run.config
        files = [str(Path(cfg.data)/f) for f in run.split.file[:cells]]
        for i, stride in enumerate(fp32_strides):  # the last one stays in the run folder
            export_onnx(run, int8=True, fp32_stride=stride)
            par = onnx_parity(run)
            for name in (MODEL_FILES if i == 0 else ['onnx_int8']):
                # PyTorch: the folder averages its folds
                model = run.path if name == 'pytorch' and cfg.members else run/MODEL_FILES[name]
                r = subprocess.run(
                    [sys.executable, __file__, '--measure', str(model), '--bs', str(bs), '--files', *files],
                    capture_output=True,
                    text=True,
                    check=True,
                )
                m = json.loads(r.stdout.strip().splitlines()[-1])
                p = par[name]
                backend = (
                    name
                    if name != 'onnx_int8'
                    else 'onnx_int8, all layers'
                    if stride == 1
                    else f'onnx_int8, fp32 to stride {stride}'
                )
                lines.append(
                    f"| {cfg.arch} {cfg.size} px{' x' + str(len(cfg.members)) if cfg.members else ''} | "
                    f"{backend} | {size_mb(model):.2f} MB | {m['cells'] / m['screen_s']:,.0f} | "
                    f"{m['screen_s']:.1f} s | {m['peak_mib']:,.0f} MiB | {p['accuracy']:.2%} | "
                    f"{p['agreement_with_pytorch']:.2%} |"
                )
                print(lines[-1], flush=True)
    record(
        f"Inference: PNG files to labels, batch {bs}{label}",
        '\n'.join(lines) + f"\n\n{cells:,} cells from each run's split (decode, pad, resize, normalise, predict); "
        "each back end in a fresh process (peak RSS includes the libraries). Accuracy and agreement: the run's "
        "validation "
        "split (`onnx_parity.json`; for a cross-validation, fold 1's, which the other folds trained on: read "
        "its agreement, not its accuracy). File size: weights.pth for PyTorch (a cross-validation's: its folds' "
        "together). The int8 models are calibrated on 512 training cells; "
        "'fp32 to stride N': the layers whose maps are at least 1/N of the cell's side stay fp32 "
        "(`export_onnx(fp32_stride=N)`).",
    )

if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('runs', nargs='*')
    p.add_argument('--cells', type=int, default=5000)
    p.add_argument('--bs', type=int, default=64)
    p.add_argument(
        '--fp32-strides',
        default='1,8',
        help='int8 exports to compare, comma-separated; the last stays in the run folder',
    )
    p.add_argument('--label', default='', help="added to the section's name in BENCHMARKS.md")
    p.add_argument('--measure'); p.add_argument('--files', nargs='*')
    a = p.parse_args()
    if a.measure: measure(a.measure, a.files, a.bs)
    else: main(a.runs, a.cells, a.bs, [int(x) for x in a.fp32_strides.split(',')], a.label)
