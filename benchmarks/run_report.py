"""Record an evaluated run folder (e.g. the README's main command, `tools/run.sh`) in BENCHMARKS.md: training time, validation and test metrics.

Usage: python benchmarks/run_report.py RUN [--how "the command that made RUN"]
"""
import argparse, json
from pathlib import Path
import pandas as pd
from malaria_fastai.evaluate import _md_metrics
from record import record, stages

def main(run:Path, how:str):
    cfg, val = json.loads((run/'config.json').read_text()), json.loads((run/'metrics.json').read_text())
    ev = json.loads((run/'evaluation.json').read_text())
    name, rows = next(iter(ev['metrics'].items()))
    sample = f", a {cfg['max_cells']:,}-cell sample" if cfg['max_cells'] else ''
    record(f"Run: {cfg['arch']}, {cfg['size']} px, {cfg['epochs_head']}+{cfg['epochs_full']} epochs, {cfg['split']} split with test patients{sample}",
           f"Run folder made by `{how}`; training: {stages(run)}; validation accuracy {val['accuracy']:.2%} on {val['valid_cells']:,} cells.\n\n"
           f"Test: {ev['scored']}, {ev['patients']} patients never seen in training; {name}:\n\n"
           f"{_md_metrics(pd.DataFrame(rows).set_index('metric'))}\n\n"
           f"Full report: `report.md` in the run folder (a copy without the cell-image figures: docs/example_run/, by `tools/share_report.py`).")

if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('run', type=Path); p.add_argument('--how', default='MALARIA_DATA=../shared/malaria/cell_images tools/run.sh')
    a = p.parse_args()
    main(a.run, a.how)
