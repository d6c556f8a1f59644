"""Another lab's cells, no label of theirs used: runs trained on the NIH cells (with other augmentation, or with
`--colour-norm`), scored on every annotated cell of the shared IML photographs (intervals resample photographs), beside
their accuracy on the NIH test patients; then the first
run's ONNX model with each cell's colour normalised to the NIH training cells' (grey-world; Reinhard in Lab) first, and
its PyTorch model with its BatchNorm statistics re-estimated on the site's cells (AdaBN), no labels used.
Usage: python benchmarks/stain_shift.py RUN [RUN ...] [--fields ../shared/fields/iml]
"""
import argparse, shutil, tempfile
from pathlib import Path
import numpy as np, pandas as pd
from skimage.color import lab2rgb, rgb2lab
from sklearn.metrics import roc_auc_score, roc_curve
from record import record
from malaria_fastai.cellio import cell_array, load_cell
from malaria_fastai.evaluate import evaluate
from malaria_fastai.predict import open_model
from malaria_fastai.fields import write_site_cells
from malaria_fastai.run import Run, read_json

COLUMNS = ['run', 'augmentation, normalisation', 'sensitivity at 0.5', 'specificity at 0.5', 'ROC AUC',
           'sensitivity at 95% specificity (threshold)', 'NIH test accuracy']

NORMALISED = ['cells or model', 'sensitivity at 0.5', 'specificity at 0.5', 'ROC AUC', 'sensitivity at 95% specificity']

def at_specificity(y,               # True for the infected cells
                   p,               # their probabilities of Parasitized
                   spec:float=0.95, # the least specificity
                  )->tuple:         # (sensitivity, threshold)
    "The highest sensitivity whose specificity is at least `spec`, and its threshold (chosen with the site's labels)"
    fpr, tpr, thr = roc_curve(y, p)
    i = np.flatnonzero(fpr <= 1 - spec)[-1]
    return tpr[i], thr[i]

def colour_stats(files:list, size:int)->tuple:
    "Mean RGB and mean Lab (mean, std) of the cell pixels (not the black around them) of `files`"
    rgb, lab = [], []
    for f in files:
        a = np.asarray(load_cell(f, size)); m = a.max(2) >= 30; L = rgb2lab(a)[m]
        rgb.append(a[m].mean(0)); lab.append((L.mean(0), L.std(0)))
    return np.mean(rgb, 0), (np.mean([l[0] for l in lab], 0), np.mean([l[1] for l in lab], 0))

def normalise(a:np.ndarray, how:str, ref:tuple)->np.ndarray:
    "A cell's pixels with its colour moved to the reference's: 'grey-world' scales RGB means, 'reinhard' Lab statistics"
    m, x = a.max(2) >= 30, a.astype(np.float64)
    if how == 'grey-world': out = x*(ref[0]/np.maximum(x[m].mean(0), 1))
    else:
        L = rgb2lab(a); (mu, sd), (rmu, rsd) = (L[m].mean(0), L[m].std(0)), ref[1]
        out = 255*lab2rgb((L - mu)/np.maximum(sd, 1e-3)*rsd + rmu)
    out[~m] = 0; return np.clip(out.round(), 0, 255).astype(np.uint8)

def normalised_rows(r:Run, site:Path)->list:
    "ROC AUC and sensitivity at 0.5 and at 95% specificity on the site's cells, as they are and normalised"
    model = open_model(r/'model.onnx'); files = sorted(site.glob('*/*.png'))
    train = r.split.query("split == 'train'").sample(2000, random_state=0)
    ref = colour_stats([Path(r.config.data)/f for f in train.file], r.config.size)
    y = np.array([f.parent.name == 'Parasitized' for f in files]); rows = []
    cells = [np.asarray(load_cell(f, r.config.size)) for f in files]
    for how in ('none', 'grey-world', 'reinhard', 'AdaBN (PyTorch)'):
        if how.startswith('AdaBN'): p = adapted_probs(r, files, y)
        else:
            x = np.stack(cells if how == 'none' else [normalise(a, how, ref) for a in cells])
            p = np.concatenate([model(cell_array(x[i:i+256], model.stats)) for i in range(0, len(x), 256)])
        sens, thr = at_specificity(y, p)
        rows.append([how, f"{(p[y] >= 0.5).mean():.1%}", f"{(p[~y] < 0.5).mean():.1%}", f"{roc_auc_score(y, p):.3f}",
                     f"{sens:.1%} ({thr:.2f})"])
    return rows

def adapted_probs(r:Run, files:list, y:np.ndarray)->np.ndarray:
    "The run's model with its BatchNorm statistics re-estimated on `files` (AdaBN: no labels used), scoring them"
    import torch
    learn = r.learner(n_workers=0)
    labels = np.where(y, 'Parasitized', 'Uninfected')  # only to build the loader: the statistics never see them
    dl = learn.dls.test_dl(pd.DataFrame(dict(file=[str(f) for f in files], label=labels)), with_labels=True)
    learn.model.eval()
    for m in learn.model.modules():
        if isinstance(m, torch.nn.modules.batchnorm._BatchNorm): m.reset_running_stats(); m.momentum = None; m.train()
    with torch.no_grad():
        for xb, _ in dl: learn.model(xb)
    learn.model.eval()
    with learn.no_bar(): return learn.get_preds(dl=dl)[0][:, 0].numpy()

def cell(t:pd.DataFrame, k:str)->str:
    "A metric with its interval"
    f = (lambda v: f"{v:.3f}") if k == 'roc_auc' else (lambda v: f"{100*v:.1f}%")
    return f"{f(t.value[k])} ({f(t.low[k])}-{f(t.high[k])})"

def main(runs:list, fields:str):
    work = Path(tempfile.mkdtemp()); counts = write_site_cells(fields, work/'site'); rows = []
    runs = list(map(Run, runs))
    for r in runs:
        res = evaluate(r, data=str(work/'site'), group=r'^([^_]+)_', out=work/r.name, n_workers=0, progress=False)
        t = pd.DataFrame(res['metrics']['default (threshold 0.5)']).set_index('metric')
        preds = pd.read_csv(work/r.name/'test_preds.csv')
        sens, thr = at_specificity(preds.label == 'Parasitized', preds.prob_parasitized)
        nih = pd.DataFrame(read_json(r/'evaluation.json')['metrics']['default (threshold 0.5)']).set_index('metric')
        c = r.config; grey = ", grey-world in the model" if c.colour_norm else ''
        stain = f"hue {c.max_hue:g}, saturation {c.max_saturation:g}, lighting {c.max_lighting:g}{grey}"
        rows.append([f"`{r.name}`", stain, cell(t, 'sensitivity'), cell(t, 'specificity'), cell(t, 'roc_auc'),
                     f"{sens:.1%} ({thr:.2f})", cell(nih, 'accuracy')])
    md = dict(index=False, disable_numparse=True)
    runs_table = pd.DataFrame(rows, columns=COLUMNS).to_markdown(colalign=('left',)*2 + ('right',)*5, **md)
    normalised = pd.DataFrame(normalised_rows(runs[0], work/'site'), columns=NORMALISED)
    normalised_table = normalised.to_markdown(colalign=('left',) + ('right',)*4, **md)
    body = f"""Every annotated cell of the {res['patients']} IML photographs ({counts['Parasitized']:,} infected,
{counts['Uninfected']:,} healthy; Giemsa, *P. vivax*), cut out on black (`write_site_cells`), scored by runs that saw
only NIH cells (`evaluate --data`); 95% intervals resample photographs. The threshold for 95% specificity is chosen
with the site's labels, so that column shows what the model can separate, not what it does at its own threshold.
NIH test accuracy: the run's own `evaluation.json` (its held-out NIH patients).

{runs_table}

Colour normalisation of each cell, to the mean colour of 2,000 NIH training cells of `{runs[0].name}` (its fp32 ONNX
model), and the same run's PyTorch model with its BatchNorm statistics re-estimated on the site's cells (AdaBN; the
site's labels unused); no intervals:

{normalised_table}
"""
    record("Another lab's cells without their labels: augmentation, normalisation, AdaBN", body)
    shutil.rmtree(work, ignore_errors=True)

if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('runs', nargs='+', help='finished runs trained on the NIH cells')
    p.add_argument('--fields', default='../shared/fields/iml', help='the photographs (images/, annotations.json)')
    a = p.parse_args(); main(a.runs, a.fields)
