"""Another lab's cells (the shared IML photographs): the NIH model zero-shot, and fine-tuned with `train --init` on the
site's own labelled cells (50 infected + 50 healthy, and all of them), each scored on the same held-out photographs;
intervals resample photographs. The split keeps photographs whole and in name order (`--group '^([^_]+)_' --split
ordered`), as the new-site tutorial does; precision is at the site's share of infected cells.
Usage: python benchmarks/new_site.py PARENT_RUN [--fields ../shared/fields/iml] [--per-class 50]
"""
import argparse, shutil, tempfile
from pathlib import Path
import pandas as pd
from record import record
from malaria_fastai.data import prepare_cells
from malaria_fastai.evaluate import evaluate
from malaria_fastai.fields import write_site_cells
from malaria_fastai.run import Run
from malaria_fastai.train import train

SPLIT = dict(group=r'^([^_]+)_', split='ordered', valid_pct=0.2, test_pct=0.3)

def scores(r:dict)->dict:
    "The threshold-0.5 metrics of an `evaluate` result: value (low-high), the interval over photographs"
    t = pd.DataFrame(r['metrics']['default (threshold 0.5)']).set_index('metric')
    fmt = lambda k: (lambda v: f"{v:.3f}") if k == 'roc_auc' else (lambda v: f"{100*v:.1f}%")
    keys = ('sensitivity', 'specificity', 'precision', 'roc_auc')
    return {k: f"{fmt(k)(t.value[k])} ({fmt(k)(t.low[k])}-{fmt(k)(t.high[k])})" for k in keys}

def main(parent:str, fields:str, per_class:int):
    work = Path(tempfile.mkdtemp()); site, test = work/'site', work/'site_test'
    counts = write_site_cells(fields, site)
    _, cells, _ = prepare_cells(site, n_workers=0, **SPLIT)
    for f in cells[cells.split == 'test'].itertuples():
        (test/Path(f.file).parent).mkdir(parents=True, exist_ok=True); shutil.copy(site/f.file, test/f.file)
    t = cells[cells.split == 'test']
    zero = evaluate(parent, data=str(test), group=SPLIT['group'], out=work/'zero', n_boot=1000, n_workers=0,
                    progress=False)
    rows = {'the NIH model, no site labels': scores(zero)}
    small = f'fine-tuned on {per_class} infected + {per_class} healthy site cells'
    for name, kw in ((small, dict(train_per_class=per_class)), ('fine-tuned on all site training cells', {})):
        run = train(site, work/'runs', init=parent, bs=32 if not kw else 16, n_workers=0, progress=False, **SPLIT, **kw)
        rows[name] = scores(evaluate(run, out=work/run.name, n_boot=1000, n_workers=0, progress=False))
    table = '\n'.join(f"| {k} | {' | '.join(v.values())} |" for k, v in rows.items())
    inf = t.label == 'Parasitized'
    body = f"""Parent: `{Run(parent).name}`. Site: {counts['Parasitized']:,} infected and {counts['Uninfected']:,}
healthy cells cut from the annotated boxes of {cells.patient.nunique()} photographs; the test part is
{t.patient.nunique()} photographs ({len(t):,} cells, {inf.sum()} infected: {100*inf.mean():.1f}%, the prevalence
precision is at). Threshold 0.5; 95% intervals resample photographs.

| model | sensitivity | specificity | precision | ROC AUC |
|---|---:|---:|---:|---:|
{table}
"""
    record("Another lab's cells: the NIH model zero-shot and fine-tuned on the IML photographs' cells", body)
    shutil.rmtree(work, ignore_errors=True)

if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('parent', help='a run trained on the NIH cells')
    p.add_argument('--fields', default='../shared/fields/iml', help='the photographs (images/, annotations.json)')
    p.add_argument('--per-class', type=int, default=50, help='labelled cells of each class for the small fine-tuning')
    a = p.parse_args(); main(a.parent, a.fields, a.per_class)
