"""Record an evaluated run folder (e.g. the README's main command, `tools/run.sh`) in BENCHMARKS.md: training time,
validation and test metrics.

If the run was exported (`export-onnx RUN --int8`), also the model files' sizes and their parity with PyTorch on the
validation split.

Usage: python benchmarks/run_report.py RUN [--how "the command that made RUN"]
"""
import argparse
from pathlib import Path
import pandas as pd
from malaria_fastai.evaluate import metrics_md
from malaria_fastai.run import Run, read_json
from record import record, stages, body, MODEL_FILES

def _onnx_lines(run:Path)->str:
    "The exported models' sizes and parity (`onnx_parity.json`), or nothing if the run was not exported"
    if not (run/'onnx_parity.json').exists(): return ''
    par = read_json(run/'onnx_parity.json')
    rows = [
        f"| {k} | {(run / MODEL_FILES[k]).stat().st_size / 1e6:.2f} MB | {v['accuracy']:.2%} | "
        f"{v['agreement_with_pytorch']:.2%} |"
        for k, v in par.items()
    ]
    return (
        "Exported by `malaria-fastai export-onnx RUN` (or the walkthrough); validation split:\n\n| back end | "
        "file | accuracy | label agreement with PyTorch |\n"
        "|---|---:|---:|---:|\n" + '\n'.join(rows) + '\n\n'
    )

def main(run:Run, how:str, label:str=''):
    cfg, val, ev = run.config, read_json(run/'metrics.json'), read_json(run/'evaluation.json')
    name, rows = next(iter(ev['metrics'].items()))
    sample = f", a {cfg.max_cells:,}-cell sample" if cfg.max_cells else ''
    record(
        f"Run: {body(cfg)}, {cfg.size} px, {cfg.epochs_head}+{cfg.epochs_full} epochs, {cfg.split} split with "
        f"test patients{sample}{label}",
        f"Run folder made by `{how}`; training: {stages(run)}; validation accuracy {val['accuracy']:.2%} on "
        f"{val['valid_cells']:,} cells.\n\n"
        f"Test: {ev['scored']}, {ev['patients']} patients never seen in training; {name}:\n\n"
        f"{metrics_md(pd.DataFrame(rows).set_index('metric'))}\n\n"
        f"{_onnx_lines(run)}"
        f"Full report: `report.md` in the run folder (a copy: docs/example_run/, by `tools/share_report.py`).",
    )

if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('run', type=Run)
    p.add_argument('--how', default='MALARIA_DATA=../shared/malaria/cell_images tools/run.sh')
    p.add_argument('--label', default='', help="appended to the section name, so that a rerun gets its own section")
    a = p.parse_args()
    main(a.run, a.how, a.label)
