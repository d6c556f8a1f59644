"""A finished cross-validation (`malaria-fastai cv`) into BENCHMARKS.md: pooled out-of-fold accuracy, sensitivity,
specificity and ROC AUC with their patient-bootstrap intervals (and the cell-independent Wilson ones beside them), the
per-fold spread, training time per fold, patient-level sensitivity and specificity of the screening calls, the floor,
and, with test patients, what the fold ensemble gains over its members. The ensemble's size and speed: `python
benchmarks/infer.py CV_DIR`.
Usage: python benchmarks/cv_scores.py CV_DIR [NOTE]
"""
import argparse, json
from pathlib import Path
from record import record

def pct(v): return f"{100*v:.2f}%"

def main(cv_dir, note=''):
    cv_dir = Path(cv_dir)
    res = json.loads((cv_dir / 'cv.json').read_text())
    plan = json.loads((cv_dir / 'cv_plan.json').read_text())
    o = plan['options']
    m = {r['metric']: r for r in res['metrics']}
    fmt = lambda k, v: f"{v:.4f}" if k == 'roc_auc' else pct(v)
    wil = lambda r: (
        '-'
        if r.get('wilson_low') is None or r['wilson_low'] != r['wilson_low']
        else f"{pct(r['wilson_low'])}-{pct(r['wilson_high'])}"
    )  # NaN: no proportion
    rows = '\n'.join(f"| {k} | {fmt(k, r['value'])} | {fmt(k, r['low'])}-{fmt(k, r['high'])} | {wil(r)} |"
                     for k, r in m.items() if k in ('accuracy', 'sensitivity', 'specificity', 'roc_auc'))
    folds = '\n'.join(
        f"| {r['fold']} | {r['patients']:.0f} | {r['cells']:.0f} | {pct(r['accuracy'])} | "
        f"{pct(r['sensitivity'])} | "
        f"{pct(r['specificity'])} | {r['roc_auc']:.4f} |"
        for r in res['per_fold']
    )
    calls = '\n'.join(
        f"| {r['metric']} | {pct(r['value'])} ({pct(r['low'])}-{pct(r['high'])}) | {r['patients']:.0f} | "
        f"{r['wrong'] or '-'} |"
        for r in res['patient_calls']
    )
    fl = res['floor']
    sample = f", a sample of about {o['max_cells']:,} cells" if o.get('max_cells') else ''
    held = f"; {res['test_patients']} patients held out of every fold" if 'test_patients' in res else ''
    body = f"""`{cv_dir.name}`: {res['folds']} patient-grouped, class-stratified folds (seed {res['seed']}) of
    `{o['arch']}`, {o['size']} px, {o['epochs_head']}+{o['epochs_full']} epochs, batch {o['bs']}{sample}; every one of
    {res['patients']} patients ({res['cells']:,} cells) scored once, out of fold{held}. Training:
    {res['train_minutes']:.1f} minutes in all (per fold: {', '.join(f'{x:.1f}' for x in res['fold_minutes'])} min;
    `timing.csv` of each fold). {note}

Pooled out-of-fold metrics, threshold 0.5; intervals 95%, from resampling whole patients (Wilson, which treats cells as
independent, beside them):

| metric | value | patient bootstrap | Wilson |
|---|---:|---:|---:|
{rows}

Per fold (`sd` is the spread between folds):

| fold | patients | cells | accuracy | sensitivity | specificity | ROC AUC |
|---|---:|---:|---:|---:|---:|---:|
{folds}

Per-patient screening calls (each fold's patients against the floor from the other folds; Wilson intervals):

| patient-level | value (95%) | patients | called wrongly |
|---|---:|---:|---|
{calls}

The ensemble's floor (from all out-of-fold cells, what `predict` uses): per-cell false-positive rate {pct(fl['fpr'])},
top of its patient-bootstrap interval {pct(fl['fpr_high'])}, alpha {fl['alpha']}, from {fl['cells']:,} uninfected cells
of {fl['patients']} patients.
"""
    if 'ensemble' in res:
        ens = '\n'.join(
            f"| {r['model']} | {pct(r['accuracy'])} | {r['roc_auc']:.4f} | {r['log_loss']:.4f} |"
            for r in res['ensemble']
        )
        body += f""" The fold models and their ensemble (mean probability) on the {res['test_patients']} held-out test
        patients ({res['test_cells']:,} cells):

| model | accuracy | ROC AUC | log loss |
|---|---:|---:|---:|
{ens}

The ensemble's accuracy against the mean single model: **{res['ensemble_gain_accuracy']:+.2%}**.
"""
    record(
        f"Cross-validation: {o['arch']}, {o['size']} px, {o['epochs_head']}+{o['epochs_full']} epochs, "
        f"{res['folds']} folds{sample}",
        body,
    )

if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('cv_dir', help='a finished cross-validation folder')
    p.add_argument('note', nargs='?', help='a sentence for the section')
    a = p.parse_args(); main(a.cv_dir, a.note or '')
