"""Patient calls on a cross-validation's out-of-fold patients (every patient scored by a model that never saw it,
called against the floor of the other folds): the candidate statistics' patient-level ROC, the call rule (the floor's
call threshold and alpha) chosen to keep patient specificity at 95% or more and checked on folds it was not chosen on,
detection and specificity with Wilson intervals, the apparent and corrected counts' error beside the error a model
with independent errors would make on slides of the patients' size and bigger, and the smallest parasitemia a slide
of 100, 1,000 and 5,000 cells can be called at.
Usage: python benchmarks/patient_calls.py CV_DIR [--min-specificity 0.95]
"""
import argparse
from pathlib import Path
import numpy as np, pandas as pd
from record import record
from malaria_fastai.cellio import wilson
from malaria_fastai.cv import CALL_FPRS, cross_fitted_calls, rule_table, pick_rule, patient_roc, \
    count_errors, _arrays
from malaria_fastai.evaluate import calibrate_floor, detectable

def pct(v): return f"{100*v:.1f}%"
def ci(k, n): lo, hi = wilson(k, n); return f"{pct(k/n)} ({pct(lo)}-{pct(hi)})"

def nested(calls:dict, min_specificity:float)->tuple:
    "Each fold's patients called by the rule chosen on the other folds' patients: the choice checked on unseen ones"
    folds = sorted(next(iter(calls.values())).fold.unique()); seen, rules = [], {}
    for f in folds:
        q, a = rules[f] = pick_rule(rule_table({q: c[c.fold != f] for q, c in calls.items()}), min_specificity)
        seen.append(calls[q].p_value[calls[q].fold == f] < a)
    return pd.concat(seen), rules

def rule_row(name:str, seen:pd.Series, calls:pd.DataFrame)->str:
    "A table row: detection and specificity with Wilson intervals, and the patients called wrongly"
    seen, inf = seen.reindex(calls.index), calls.true_parasitemia > 0
    missed, false = sorted(calls.index[~seen & inf]), sorted(calls.index[seen & ~inf])
    found, cleared = ci(int((seen & inf).sum()), int(inf.sum())), ci(int((~seen & ~inf).sum()), int((~inf).sum()))
    return f"| {name} | {found} | {cleared} | {', '.join(missed) or '-'} | {', '.join(false) or '-'} |"

ACCURACIES = (.97, .98, .99, .995)  # per-cell accuracies `count_floor` tries beside the model's own
SLIDES = (None, 1000, 5000)          # slide sizes it tries: None is each patient's own number of cells

def count_floor(calls:pd.DataFrame, # from `cross_fitted_calls`
                accuracy:float,     # the chance that each cell is classified right, independently of the others
                cells:int|None,     # cells on every slide; None: each patient's own
                draws:int=500,      # slides drawn per patient
               )->tuple:            # (mean absolute error in points, share of patients within 25%)
    "The corrected count's error on the infected patients for a model right on each cell at `accuracy`, independently"
    inf = calls[calls.true_parasitemia > 0]; ref = inf.true_parasitemia.to_numpy()/100
    n = inf.cells.to_numpy() if cells is None else np.full(len(inf), cells)
    pos, rng = np.round(ref*n).astype(int), np.random.default_rng(0)
    called = rng.binomial(pos, accuracy, (draws, len(n))) + rng.binomial(n - pos, 1 - accuracy, (draws, len(n)))
    e = np.abs(np.clip((called/n - (1 - accuracy))/(2*accuracy - 1), 0, 1) - pos/n)  # Rogan-Gladen, rates known
    return 100*e.mean(), (e <= .25*pos/n).mean()

def floor_table(calls:pd.DataFrame, oof:pd.DataFrame)->str:
    "`count_floor` at the model's own accuracy and above, on slides of the patients' size, 1,000 and 5,000 cells"
    own = ((oof.label == 'Parasitized') == (oof.prob_parasitized >= .5)).mean()
    rows = []
    for a in (own, *ACCURACIES):
        cols = [f"{m:.2f} / {pct(w)}" for m, w in (count_floor(calls, a, n) for n in SLIDES)]
        rows.append(f"| {pct(a)}{' (this model)' if a == own else ''} | {' | '.join(cols)} |")
    return '\n'.join(rows)

def main(cv_dir, min_specificity=.95):
    if not (Path(cv_dir)/'oof.csv').is_file(): raise SystemExit(f"{cv_dir} has no oof.csv: is it a finished `cv`?")
    oof = pd.read_csv(Path(cv_dir)/'oof.csv', dtype={'patient': str})  # `cv_report`'s out-of-fold predictions
    by_fpr = {q: cross_fitted_calls(oof, q) for q in CALL_FPRS}
    rt = rule_table(by_fpr); q, a = pick_rule(rt, min_specificity); calls = by_fpr[q]
    inf = calls.true_parasitemia > 0
    seen, rules = nested(by_fpr, min_specificity)
    first = calls.p_binomial < .01
    rule = '\n'.join([rule_row(f'call_fpr {q:g}, alpha {a:g} (chosen on all patients)', calls.p_value < a, calls),
                      rule_row("each fold's rule, chosen on the other folds", seen, calls),
                      rule_row('the first rule: cells at 0.5, binomial at the top of the rate, alpha 0.01', first,
                               calls)])
    chosen = ', '.join(f"fold {f}: {r[0]:g}, {r[1]:g}" for f, r in rules.items())
    grid = rt.detection.unstack('alpha').map(pct).astype(str) + ' / ' + \
        rt.false_calls.unstack('alpha').astype(int).astype(str)
    grid = grid.rename(index=lambda v: f"{v:g}", columns=lambda v: f"alpha {v:g}")
    roc = '\n'.join(f"| {k} | {v:.4f} |" for k, v in patient_roc(calls).items())
    ce = '\n'.join(f"| {k} | {r.mean_abs_error:.2f} | {r.bias:+.2f} | {pct(r.within_25pct)} |"
                   for k, r in count_errors(calls).iterrows())
    fl = calibrate_floor(*_arrays(oof), alpha=a, call_fpr=q)
    det = '\n'.join(f"| {n:,} | {r.calls_needed:.0f} | {r.apparent:.2f}% | {r.true:.2f}% |"
                    for n, r in detectable(fl).iterrows())
    median = int(calls.cells[inf].median())
    body = f"""`{Path(cv_dir).name}`: {len(calls)} patients ({int(inf.sum())} infected, {int((~inf).sum())} controls),
each scored out of fold and called against the floor calibrated on the other folds' cells. Infected: at least one cell
labelled parasitized. A call counts the cells at or above the floor's call threshold, the probability that a share
`call_fpr` of the uninfected calibration cells reach, and tests that count against an uninfected slide's
(beta-binomial, with the spread between patients) at `alpha`.

Patient-level detection / controls called, for each call threshold (rows, `call_fpr`) and alpha (columns):

{grid.to_markdown()}

Chosen (`pick_rule`): **call_fpr {q:g}, alpha {a:g}**, the rule that calls the most infected patients while keeping
patient specificity at {min_specificity:.0%} or more; the library's `FLOOR_FPR` and `FLOOR_ALPHA`. Detection and
specificity with Wilson intervals; the second row checks the choice on patients it did not see (chosen without each
fold: {chosen}); the third is the first rule, for comparison:

| rule | detection | specificity | infected missed | controls called |
|---|---:|---:|---|---|
{rule}

Patient-level ROC AUC of each candidate statistic (at the chosen call threshold):

| statistic | ROC AUC |
|---|---:|
{roc}

Counts on the infected patients against the reference (the share of each patient's cells labelled parasitized),
apparent (cells at 0.5) and corrected for the model's errors (Rogan-Gladen, with the other folds' sensitivity and
false-positive rate at 0.5):

| count | mean absolute error, points | mean error (bias), points | within 25% of the reference |
|---|---:|---:|---:|
{ce}

What the slide size allows: the corrected count's mean absolute error (points) / share within 25%, for a model right
on each cell with the given probability independently of the others (its rates known, so Rogan-Gladen removes the
bias), on the same infected patients' reference parasitemias (`count_floor`, 500 slides each):

| per-cell accuracy | the patients' slides ({median} cells, median) | 1,000 cells | 5,000 cells |
|---|---:|---:|---:|
{floor_table(calls, oof)}

The floor from all out-of-fold cells: call threshold {fl['call_threshold']:.3f}, reached by {pct(fl['call_fpr'])} of
uninfected and {pct(fl['call_sensitivity'])} of parasitized cells, spread {fl['spread']:.4f} between {fl['patients']}
patients. The smallest parasitemia a slide can be called at:

| cells | cells at the call threshold needed | their share | true parasitemia (corrected) |
|---:|---:|---:|---:|
{det}
"""
    record(f"Patient calls: the call threshold and alpha on out-of-fold patients, `{Path(cv_dir).name}`", body)

if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('cv_dir', help='a finished cross-validation folder')
    p.add_argument('--min-specificity', type=float, default=.95, help='patient specificity the chosen rule keeps')
    a = p.parse_args(); main(a.cv_dir, a.min_specificity)
