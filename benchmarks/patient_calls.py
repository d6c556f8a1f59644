"""Patient calls on a cross-validation's out-of-fold patients (every patient scored by a model that never saw it, called
against the floor of the other folds): the candidate statistics' patient-level ROC, the floor's alpha chosen to keep
patient specificity at 95% or more, detection and specificity with Wilson intervals (also with the alpha chosen without
each fold), the apparent and corrected counts' error, and the smallest parasitemia a slide of 100, 1,000 and 5,000 cells
can be called at.
Usage: python benchmarks/patient_calls.py CV_DIR [--min-specificity 0.95]
"""
import argparse
from pathlib import Path
import pandas as pd
from record import record
from malaria_fastai.cellio import wilson
from malaria_fastai.cv import cv_tables, alpha_table, pick_alpha, patient_roc, count_errors, _arrays
from malaria_fastai.evaluate import calibrate_floor, detectable

def pct(v): return f"{100*v:.1f}%"
def ci(k, n): lo, hi = wilson(k, n); return f"{pct(k/n)} ({pct(lo)}-{pct(hi)})"

def nested(calls:pd.DataFrame, min_specificity:float)->pd.Series:
    "Each fold's patients called at the alpha chosen on the other folds' patients: the choice checked on unseen ones"
    pick = lambda f: pick_alpha(alpha_table(calls[calls.fold != f]), min_specificity)
    return pd.concat([d.p_value < pick(f) for f, d in calls.groupby('fold')]).reindex(calls.index)

def rule_row(name:str, seen:pd.Series, calls:pd.DataFrame)->str:
    "A table row: detection and specificity with Wilson intervals, and the patients called wrongly"
    inf = calls.true_parasitemia > 0
    missed, false = sorted(calls.index[~seen & inf]), sorted(calls.index[seen & ~inf])
    found, cleared = ci(int((seen & inf).sum()), int(inf.sum())), ci(int((~seen & ~inf).sum()), int((~inf).sum()))
    return f"| {name} | {found} | {cleared} | {', '.join(missed) or '-'} | {', '.join(false) or '-'} |"

def main(cv_dir, min_specificity=.95):
    t = cv_tables(cv_dir, n_boot=200); calls, oof = t['per_patient'], t['oof']
    at = alpha_table(calls); a = pick_alpha(at, min_specificity)
    inf = calls.true_parasitemia > 0
    rule = '\n'.join([rule_row('at the chosen alpha', calls.p_value < a, calls),
                      rule_row("at each fold's alpha, chosen on the other folds", nested(calls, min_specificity),
                               calls)])
    alphas = '\n'.join(f"| {x:g} | {pct(r.detection)} | {pct(r.specificity)} | {r.missed:.0f} | {r.false_calls:.0f} |"
                       for x, r in at.iterrows())
    roc = '\n'.join(f"| {k} | {v:.4f} |" for k, v in patient_roc(calls).items())
    ce = '\n'.join(f"| {k} | {r.mean_abs_error:.2f} | {r.bias:+.2f} | {pct(r.within_25pct)} |"
                   for k, r in count_errors(calls).iterrows())
    fl = calibrate_floor(*_arrays(oof), alpha=a)
    det = '\n'.join(f"| {n:,} | {r.calls_needed:.0f} | {r.apparent:.2f}% | {r.true:.2f}% |"
                    for n, r in detectable(fl).iterrows())
    body = f"""`{Path(cv_dir).name}`: {len(calls)} patients ({int(inf.sum())} infected, {int((~inf).sum())} controls),
each scored out of fold and called against the floor calibrated on the other folds' cells. Infected: at least one cell
labelled parasitized.

Patient-level ROC AUC of each candidate statistic:

| statistic | ROC AUC |
|---|---:|
{roc}

The count test with the spread between patients, at each alpha (the chance of calling an uninfected slide):

| alpha | detection | specificity | infected missed | controls called |
|---:|---:|---:|---:|---:|
{alphas}

Chosen: **alpha {a:g}**, the largest keeping patient specificity at {min_specificity:.0%} or more (`pick_alpha`), the
library's `FLOOR_ALPHA`. Detection and specificity with Wilson intervals; the second row checks the choice on patients
it did not see:

| alpha | detection | specificity | infected missed | controls called |
|---|---:|---:|---|---|
{rule}

Counts on the infected patients against the reference (the share of each patient's cells labelled parasitized),
apparent and corrected for the model's errors (Rogan-Gladen, with the other folds' sensitivity and false-positive rate):

| count | mean absolute error, points | mean error (bias), points | within 25% of the reference |
|---|---:|---:|---:|
{ce}

The floor from all out-of-fold cells at alpha {a:g}: false-positive rate {pct(fl['fpr'])}, spread {fl['spread']:.4f}
between {fl['patients']} patients, sensitivity {pct(fl['sensitivity'])}. The smallest parasitemia a slide can be
called at:

| cells | parasitized calls needed | apparent parasitemia | true parasitemia (corrected) |
|---:|---:|---:|---:|
{det}
"""
    record(f"Patient calls: the floor's rule on out-of-fold patients, `{Path(cv_dir).name}`", body)

if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('cv_dir', help='a finished cross-validation folder')
    p.add_argument('--min-specificity', type=float, default=.95, help='patient specificity the chosen alpha keeps')
    a = p.parse_args(); main(a.cv_dir, a.min_specificity)
