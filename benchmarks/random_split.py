"""The fastai study's protocol beside ours: a recipe trained on a random 80/20 split of the cells, where a patient's
cells fall on both sides (the validation cells come from patients the model trained on), and scored on those validation
cells. The same recipe on unseen patients is the exploration's row (`benchmarks/explore.py`).
Usage: python benchmarks/random_split.py [--recipe default] [--data PATH] [--runs runs/protocol] [--max-cells N]
"""
import argparse
from pathlib import Path
from record import record, stages, train_or_resume

def tta_probs(run, cells):
    ("The run's probabilities of Parasitized for `cells` (absolute files, as `Run.cells` gives them) with test-time "
     "augmentation")
    learn = run.learner(n_workers=0)
    with learn.no_bar(): return learn.tta(dl=learn.dls.test_dl(cells, with_labels=True))[0][:, 0].numpy()

def main(recipe, data, runs, max_cells):
    from malaria_fastai.cellio import CLASSES
    from malaria_fastai.cv import fold_preds
    from malaria_fastai.evaluate import metrics_table, metrics_md
    run = train_or_resume(
        Path(runs) / f'random-80-20-{Path(recipe).stem}',
        data=data,
        recipe=recipe,
        split='random',
        valid_pct=0.2,
        test_pct=0.0,
        seed=0,
        max_cells=max_cells,
    )
    p = fold_preds(run)  # the validation cells' probabilities
    t, v = (
        metrics_table((p.label == CLASSES[0]).to_numpy(), p.prob_parasitized.to_numpy(), p.patient.to_numpy()),
        run.cells('valid'),
    )
    tta = metrics_table((v.label == CLASSES[0]).to_numpy(), tta_probs(run, v), v.patient.to_numpy())
    seen = p.patient.isin(set(run.split.query("split == 'train'").patient)).mean()
    sample = f", a sample of about {max_cells:,} cells" if max_cells else ''
    record(f"Random 80/20 cell split (the fastai study's protocol): recipe {recipe}{sample}", f""" `malaria-fastai train
    --recipe {recipe} --split random --valid-pct 0.2 --test-pct 0 --seed 0` on {run.config.n_cells:,} cells; scored on
    its {len(p):,} validation cells, {seen:.1%} of them from patients the model also trained on (the leak a patient
    split prevents). Training: {stages(run)}; stage-2 rate {run.config.lr:.1e}. The fastai study reports 96.7-96.8% on
    this protocol (ResNet-34/50, ImageNet weights, a GPU, all 27,558 NIH cells). Intervals: 95%, patients resampled, and
    Wilson.

{metrics_md(t)}

With test-time augmentation (fastai's `Learner.tta`, as `evaluate --tta`): accuracy {tta.loc['accuracy', 'value']:.2%}
({tta.loc['accuracy', 'low']:.2%}-{tta.loc['accuracy', 'high']:.2%}), ROC AUC {tta.loc['roc_auc', 'value']:.3f}.
""")

if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--recipe', default='default')
    ap.add_argument('--data')
    ap.add_argument('--runs', default='runs/protocol')
    ap.add_argument('--max-cells', type=int)
    a = ap.parse_args()
    main(a.recipe, a.data, a.runs, a.max_cells)
