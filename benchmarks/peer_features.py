"""The peer beside us: emfet 2.0 (PyPI), five handcrafted features and a classical classifier, on a run's own patient
split.

emfet's `extract_features` runs in a venv of its own (`pip install emfet`, as its users install it: it pins numpy<2,
which ours does not allow); its random forest and gradient boosting are trained here with scikit-learn on the run's
training patients, tuned on its validation patients, and scored on its test patients beside the run's own test
predictions (`test_preds.csv`): the deep model's margin, on the same cells, with patient-bootstrap intervals.
Usage: python benchmarks/peer_features.py RUN [--peer-venv DIR]   (DIR is made with `pip install emfet` when missing)
"""
import argparse, json, subprocess, sys, tempfile, time
from pathlib import Path
import numpy as np, pandas as pd
from record import record

EXTRACT = """import json, sys, numpy as np from emfet.features import extract_features files =
json.load(open(sys.argv[1])) np.save(sys.argv[2], np.array([f if f is not None else np.full(5, np.nan) for f in
map(extract_features, files)], dtype=float))
"""

def peer_python(venv:Path)->Path:
    "The python of a venv holding emfet, made with pip when missing; exits with the reason when it cannot be"
    py = venv/'bin'/'python'
    if not py.exists():
        subprocess.run([sys.executable, '-m', 'venv', str(venv)], check=True)
        r = subprocess.run([str(py), '-m', 'pip', 'install', '-q', 'emfet==2.0.0'], capture_output=True, text=True)
        if r.returncode:
            sys.exit(f"Could not install emfet into {venv} (offline, or no such release):\n{r.stderr[-2000:]}")
    return py

def features(py:Path, files:list)->tuple:
    "emfet's five features of each file, computed by its own code in its venv; and the seconds it took"
    with tempfile.TemporaryDirectory() as d:
        (Path(d)/'files.json').write_text(json.dumps(files))
        t = time.perf_counter()
        subprocess.run([str(py), '-c', EXTRACT, f'{d}/files.json', f'{d}/f.npy'], check=True)
        return np.load(f'{d}/f.npy'), time.perf_counter() - t

def classifiers():
    "The peer's classifier families (emfet's MODEL_SPECS), each over a small grid instead of its Bayesian search"
    from sklearn.ensemble import RandomForestClassifier, HistGradientBoostingClassifier
    return {
        **{
            f'random forest, depth {d}': RandomForestClassifier(300, max_depth=d, n_jobs=2, random_state=0)
            for d in (5, 10, 20)
        },
        **{
            f'gradient boosting, depth {d}': HistGradientBoostingClassifier(max_depth=d, max_iter=200, random_state=0)
            for d in (3, 8)
        },
    }

def main(run, peer_venv):
    from malaria_fastai.run import Run
    from malaria_fastai.evaluate import metrics_table
    run = Run(run); cells = run.split.copy(); root = Path(run.config.data)
    py = peer_python(Path(peer_venv))
    X, secs = features(py, [str(root/f) for f in cells.file])
    ok = ~np.isnan(X).any(1); y = (cells.label == 'Parasitized').to_numpy().astype(int)
    part = {s: ok & (cells.split == s).to_numpy() for s in ('train', 'valid', 'test')}
    scores, t_fit = {}, {}
    for name, clf in classifiers().items():
        t = time.perf_counter(); clf.fit(X[part['train']], y[part['train']]); t_fit[name] = time.perf_counter() - t
        scores[name] = (clf.predict(X[part['valid']]) == y[part['valid']]).mean()
    best = max(scores, key=scores.get); clf = classifiers()[best].fit(X[part['train']], y[part['train']])
    test = cells[part['test']]
    peer = metrics_table(y[part['test']], clf.predict_proba(X[part['test']])[:, 1], test.patient.to_numpy())
    deep_preds = pd.read_csv(run / 'test_preds.csv').assign(
        file=lambda d: [str(Path(f).relative_to(root)) if Path(f).is_absolute() else f for f in d.file]
    )
    deep_preds = test[['file']].merge(deep_preds, on='file', how='left')
    deep = metrics_table(
        (deep_preds.label == 'Parasitized').astype(int).to_numpy(),
        deep_preds.prob_parasitized.to_numpy(),
        deep_preds.patient.to_numpy(),
    )
    row = lambda who, t: (
        f"| {who} | "
        + ' | '.join(
            f"{t.loc[k, 'value']:.2%} ({t.loc[k, 'low']:.2%}-{t.loc[k, 'high']:.2%})"
            for k in ('accuracy', 'sensitivity', 'specificity')
        )
        + f" | {t.loc['roc_auc', 'value']:.4f} |"
    )
    grid = '\n'.join(f"| {n} | {s:.2%} | {t_fit[n]:.1f} s |" for n, s in scores.items())
    record(f"Peer baseline: emfet 2.0 features beside `{run.name}`", f""" emfet's five features (spot count, largest and
    total spot area, spot saturation, grey spread; its own `extract_features` in its own venv) for all {len(cells):,}
    cells of `{run.name}`'s split in {secs:.0f} s (one process; {(~ok).sum()} unreadable); classifiers fitted on the
    {part['train'].sum():,} training cells, the best on the {part['valid'].sum():,} validation cells kept.

| peer classifier | validation accuracy | fit time |
|---|---:|---:|
{grid}

On the run's {test.patient.nunique()} test patients ({part['test'].sum():,} cells), threshold 0.5; 95% intervals from
resampling patients:

| model | accuracy | sensitivity | specificity | ROC AUC |
|---|---:|---:|---:|---:|
{row(f'emfet features + {best}', peer)}
{row(f'`{run.name}` ({run.config.arch}, {run.config.size} px)', deep)}

The deep model's margin in accuracy: **{deep.loc['accuracy', 'value'] - peer.loc['accuracy', 'value']:+.2%}** on the
same cells.
""")

if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('run'); p.add_argument('--peer-venv', default=str(Path(tempfile.gettempdir())/'emfet-venv'))
    main(**vars(p.parse_args()))
