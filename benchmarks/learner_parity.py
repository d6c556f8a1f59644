"""Does `load_learner(RUN/'model.pkl')` give the run's answer? On a sample of the run's real test cells: fastai's
`predict` on each file and `test_dl` + `get_preds` on the list, against `test_preds.csv` (written by `evaluate`), and
against the ONNX exports run by the predictor. Writes the largest differences and the int8 model's agreement to
BENCHMARKS.md.

Usage: python benchmarks/learner_parity.py RUN [--n 500] [--n-predict 50]
"""
import argparse, time, warnings
import numpy as np, pandas as pd
from fastai.learner import load_learner
from malaria_fastai.predict import open_model, predict_cells
from record import record

def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('run')
    ap.add_argument('--n', type=int, default=500)
    ap.add_argument('--n-predict', type=int, default=50)
    a = ap.parse_args()
    preds = pd.read_csv(f'{a.run}/test_preds.csv').sample(frac=1, random_state=0).head(a.n).reset_index(drop=True)
    with warnings.catch_warnings():
        warnings.simplefilter('ignore'); learn = load_learner(f'{a.run}/model.pkl')  # our own run's file
    with learn.no_bar():
        t = time.perf_counter()
        one = np.array([float(learn.predict(f)[2][0]) for f in preds.file[: a.n_predict]])
        t_one = time.perf_counter() - t
        t = time.perf_counter()
        many = learn.get_preds(dl=learn.dls.test_dl(list(preds.file)))[0][:, 0].numpy()
        t_many = time.perf_counter() - t
    ref = preds.prob_parasitized.to_numpy()
    rows = [
        (
            '`learn.predict(file)`',
            a.n_predict,
            np.abs(one - ref[: a.n_predict]).max(),
            100.0,
            f'{a.n_predict / t_one:.0f}',
        ),
        ('`learn.get_preds(dl=learn.dls.test_dl(files))`', a.n, np.abs(many - ref).max(), 100.0, f'{a.n / t_many:.0f}'),
    ]
    for name in ('model.onnx', 'model.int8.onnx'):
        rows_onnx, _ = predict_cells(open_model(f'{a.run}/{name}'), list(preds.file), progress=False)
        p = (
            pd.to_numeric(pd.DataFrame(rows_onnx).set_index('file').prob_parasitized, errors='coerce')
            .reindex(preds.file)
            .to_numpy()
        )
        ok = ~np.isnan(p)  # the predictor refuses what its not-a-cell check refuses: those cells have no probability
        rows.append(
            (
                f'ONNX `{name}` through `predict` ({(~ok).sum()} refused as no cell)',
                ok.sum(),
                np.abs(p[ok] - many[ok]).max(),
                100 * ((p[ok] >= 0.5) == (many[ok] >= 0.5)).mean(),
                '',
            )
        )
    table = pd.DataFrame(
        rows,
        columns=['route', 'cells', 'largest difference in p(Parasitized)', 'same call as the learner (%)', 'cells/s'],
    )
    table['largest difference in p(Parasitized)'] = table['largest difference in p(Parasitized)'].map('{:.1e}'.format)
    record(
        "Exported Learner: `load_learner(model.pkl)` against the run's test predictions",
        f"A random sample of the run's test cells (real NIH cells; `test_preds.csv`, rounded to 5 decimals, is "
        f"the reference for the "
        f"learner rows; the learner's `get_preds` for the ONNX rows).\n\n{table.to_markdown(index=False)}\n",
    )

if __name__ == '__main__': main()
