"""Ensembles of finished runs on the same test patients: each run alone, then the mean probability of each ensemble
asked for, with 95% patient-bootstrap intervals. How far averaging independent trainings moves accuracy and ROC AUC: no
training here, only the runs' `test_preds.csv`.
Usage: python benchmarks/ensembles.py RUN ... --ensemble NAME+NAME[+...] ... [--note TEXT]   (NAME: a run folder's name)
"""
import argparse
from pathlib import Path
import numpy as np, pandas as pd
from malaria_fastai.evaluate import label_review, metrics_table
from malaria_fastai.run import Run
from record import record

def test_probs(run:Run)->pd.DataFrame:
    ("A run's test predictions, keyed by class folder and file name (runs may have read the cells from different "
     "folders)")
    t = pd.read_csv(run/'test_preds.csv')
    return t.assign(key=t.file.map(lambda f: '/'.join(Path(f).parts[-2:]))).set_index('key').sort_index()

def row(name:str, members:list, preds:dict)->str:
    "One table row: the mean probability of `members`"
    t = preds[members[0]]; y = (t.label == 'Parasitized').to_numpy()
    prob = np.mean([preds[m].prob_parasitized.to_numpy() for m in members], 0)
    m = metrics_table(y, prob, t.patient.to_numpy())
    # the confident errors, as the label review picks them
    wrong = (prob >= .5) != y; confident = len(label_review(t, prob, n=len(t)))
    ci = lambda k, f: f"{f(m.value[k])} ({f(m.low[k])}-{f(m.high[k])})"
    return (
        f"| {name} | {len(members)} | {ci('accuracy', lambda v: f'{v:.2%}')} | "
        f"{ci('roc_auc', lambda v: f'{v:.4f}')} | "
        f"{m.value['log_loss']:.4f} | {wrong.sum()} ({confident}) |"
    )

def main(runs:list, ensembles:list, note:str=''):
    runs = [Run(r) for r in runs]; preds = {r.name: test_probs(r) for r in runs}
    keys = next(iter(preds.values())).index
    if not all(p.index.equals(keys) for p in preds.values()):
        raise SystemExit("the runs were not scored on the same test cells")
    groups = [(r.name, [r.name]) for r in runs] + [(e, e.split('+')) for e in ensembles]
    rows = [row(n, ms, preds) for n, ms in groups]
    t = next(iter(preds.values()))
    record("Ensembles of runs on one patient split", f""" The runs' own test predictions (`test_preds.csv`, threshold
    0.5) on the same {len(t):,} cells of {t.patient.nunique()} test patients, alone and averaged (mean probability of
    Parasitized, what `cv`'s fold ensemble does): accuracy and ROC AUC with their 95% patient-bootstrap intervals, log
    loss, and the errors with, in brackets, the confident ones (probability 0.9 or more for the other class). The runs:
    {', '.join(f'`{r.name}` ({r.config.arch}, {r.config.size} px, training seed {r.config.train_seed})' for r in runs)}.

| model | runs | accuracy | ROC AUC | log loss | errors (confident) |
|---|---:|---:|---:|---:|---:|
{chr(10).join(rows)}

{note}
""")

if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('runs', nargs='+')
    p.add_argument('--ensemble', action='append', default=[], help='run names joined by +')
    p.add_argument('--note', default='', help='what the table shows, printed under it')
    a = p.parse_args()
    main(a.runs, a.ensemble, a.note)
