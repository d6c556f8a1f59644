"""Recipe exploration: each configuration trained on the same patient split (seed 0, the same held-out test patients)
and evaluated on those test patients, with and without test-time augmentation; one table in BENCHMARKS.md, a row per
configuration. Resumable: a finished configuration is read, not retrained; an interrupted one resumes from its
checkpoint. The configurations: every recipe of `malaria-fastai train --recipe`, then the default with MixUp or CutMix,
and progressive resizing as the fastai book teaches it (`Progressive`: 64 px, then 96). Each configuration is a full
training (about 15-25 minutes on 2 CPU cores): run it in the background. `--draw N` trains the configurations again with
training seed N-1 (`train --train-seed`; the split stays seed 0), in run folder `NAME-drawN`, a row of its own: how far
chance alone moves a configuration. Seeds are set, so the same draw on the same host and versions reproduces a run;
another host moves it too. Rows of runs no longer on disk (a new checkout) are kept from BENCHMARKS.md.
Usage: python benchmarks/explore.py [--only NAME ...] [--draw N] [--data PATH] [--runs runs/explore] [--max-cells N]
"""
import argparse, json
from dataclasses import replace
import pandas as pd
from pathlib import Path
from record import record, stages, table_rows, train_or_resume
from training_run import per_epoch
from malaria_fastai.train import RECIPES
from malaria_fastai.evaluate import label_review
from malaria_fastai.run import Run
from fastai.vision.all import Callback, CutMix, MixUp

HEADER = ('| configuration | what | training seed | label smoothing | stain (hue, saturation) | test accuracy '
          '| ROC AUC | TTA accuracy | test errors (confident) | valid accuracy | stage-2 lr | training '
          '| to 96% valid |\n'
          '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|')

def mixup(): return MixUp(0.4)

def cutmix(): return CutMix(1.)

class Progressive(Callback):
    ("Progressive resizing: the head and the first `until` full epochs read the cells at `small` px, the later ones "
     "at the run's size")
    def __init__(self, small=64, until=4): self.small_size, self.until = small, until
    # each fit (head, lr_find, full) makes its small loaders anew, and the exported learner keeps none
    def before_fit(self):
        run = Run(self.learn.path)
        self.big, self.small = self.learn.dls, run.dls(replace(run.state.config, size=self.small_size))
    def before_epoch(self): self.learn.dls = self.small if self.epoch < self.until else self.big
    def after_fit(self): self.learn.dls = self.big; del self.big, self.small

# name: (what it changes, callbacks, `train` options): every recipe of `train` (`RECIPES`), then the default with a
# fastai callback
CONFIGS = {
    **{n: (what, [], {}) for n, (what, _) in RECIPES.items()},
    'mixup': ("fastai's MixUp(0.4)", [mixup], {}),
    'cutmix': ("fastai's CutMix(1.0)", [cutmix], {}),
    'progressive': (
        "progressive resizing: the head and the first 4 of 8 full epochs at 64 px, the last 4 at 96 px",
        [Progressive],
        dict(size=96),
    ),
}

def folder(name:str, draw:int=1)->str:
    "The run folder of a configuration's `draw` (training seed `draw`-1): its name, then `name-draw2` ..."
    return name if draw == 1 else f"{name}-draw{draw}"

def run_one(name, data, runs, max_cells, draw):
    "Train (or resume) and evaluate one draw of one configuration, in its run folder"
    from malaria_fastai.evaluate import evaluate
    run = train_or_resume(
        Path(runs) / folder(name, draw),
        CONFIGS[name][1],
        **CONFIGS[name][2],
        data=data,
        recipe=name if name in RECIPES else None,
        test_pct=0.1,
        seed=0,
        train_seed=draw - 1,
        max_cells=max_cells,
    )
    if not (run/'evaluation.json').exists(): evaluate(run, tta=True, progress=False)

def row(key, runs)->str:
    "A configuration's table row from its run folder `key` (a `folder`)"
    name, _, draw = key.partition('-draw')
    run = Run(Path(runs) / key)
    ev = json.loads((run / 'evaluation.json').read_text())['metrics']
    m = {r['metric']: r for r in ev['default (threshold 0.5)']}
    tta = {r['metric']: r for r in ev['TTA, default (threshold 0.5)']}
    ci = lambda r, f: f"{f(r['value'])} ({f(r['low'])}-{f(r['high'])})"
    pct, auc = (lambda v: f"{100*v:.2f}%"), (lambda v: f"{v:.4f}")
    valid = json.loads((run/'metrics.json').read_text())['accuracy']
    to_target = lambda r: f"{s/60:.1f} min" if (s := per_epoch(r, 1, [], .96)[1]) else 'not reached'
    t = pd.read_csv(run/'test_preds.csv'); wrong = ((t.prob_parasitized >= .5) != (t.label == 'Parasitized')).sum()
    confident = len(label_review(t, t.prob_parasitized.to_numpy(), n=len(t)))  # what the label review lists
    return (
        f"| {key} | {CONFIGS[name][0]}{f', draw {draw}' if draw else ''} | {run.config.train_seed} | "
        f"{run.config.smoothing:g} | {stain(run.config)} | {ci(m['accuracy'], pct)} | {ci(m['roc_auc'], auc)} | "
        f"{pct(tta['accuracy']['value'])} | "
        f"{wrong} ({confident}) | {pct(valid)} | {run.config.lr:.1e} | {stages(run)} | {to_target(run)} |"
    )

def stain(cfg)->str:
    "A run's stain augmentation: largest hue shift and saturation change, or 0"
    return f"{cfg.max_hue:g}, {cfg.max_saturation:g}" if cfg.max_hue or cfg.max_saturation else '0'

def order(key:str)->tuple:
    "Where a row goes: by configuration, as `CONFIGS` lists them (others last), then by draw"
    name = key.partition('-draw')[0]
    return (list(CONFIGS).index(name) if name in CONFIGS else len(CONFIGS), key)

def main(only, data, runs, max_cells, draw):
    for name in only or CONFIGS:
        print(f"== {name}", flush=True); run_one(name, data, runs, max_cells, draw)
    title = (
        f"Exploration: efficientnet_lite0 recipes on one patient "
        f"split{', a sample of about {max_cells:,} cells' if max_cells else ''}"
    )
    done = [
        k
        for n in CONFIGS
        for k in [folder(n)] + sorted(p.name for p in Path(runs).glob(f'{n}-draw*'))
        if (Path(runs) / k / 'evaluation.json').exists()
    ]
    rows = {**table_rows(title), **{k: row(k, runs) for k in done}}
    rows = '\n'.join(rows[k] for k in sorted(rows, key=order))
    record(title, f""" Each configuration trained once on the same patient split (seed 0; 70% train, 20% validation, 10%
    test patients) and scored on the held-out test patients at threshold 0.5: accuracy and ROC AUC with their 95%
    patient-bootstrap intervals, accuracy with test-time augmentation (`evaluate --tta`), and the test errors with, in
    brackets, the confident ones (probability 0.9 or more for the other class). The confident errors are what the label
    review (`label_review.csv`) puts before a microscopist, the errors most likely to be label noise; every score here
    is on the original labels. One run per configuration is one draw: `NAME-drawN` trained it again, with the training
    seed shown (`train --train-seed`: initial head weights, batch order, augmentation; the split is the same). The same
    seed reproduces a run on the same host (`epochs-12-draw2`, made before training seeds existed, repeats `epochs-12`)
    and moves it on another (`no-stain-draw2` ran on another host than `no-stain`). Differences under a point are within
    what chance alone moves a run (BENCHMARKS.md, "lr_find"). Training: epochs and minutes per stage (`timing.csv`), and
    the minutes of epochs (`lr_find` left out) until validation accuracy first reached 96%. Label smoothing: what the
    run trained with (its `config.json`). Label smoothing 0.1 became the CLI default on 2026-11-24, after the
    `smoothing` configuration (a callback setting fastai's `LabelSmoothingCrossEntropyFlat(eps=0.1)`, the same loss
    `--smoothing 0.1` sets) scored best here: that run is now the `default` row, and the earlier default, plain
    cross-entropy, is the `no-smoothing` row. Stain augmentation (fastai's `Hue` and `Saturation`: hue shifted by up to
    0.1 of the colour wheel, saturation scaled by x0.5 to x2, as far as slides differ between patients) became the
    default later that day, after the `stain` configuration beat the default on two training seeds: those runs are now
    the `default` rows, and the default before them is `no-stain`. Label smoothing and stain: what each run trained with
    (its `config.json`); rows trained before an option existed show 0 whatever their recipe now adds to the default.

{HEADER}
{rows}
""")

if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--only', nargs='*', choices=list(CONFIGS))
    p.add_argument('--data')
    p.add_argument('--runs', default='runs/explore')
    p.add_argument('--max-cells', type=int); p.add_argument('--draw', type=int, default=1)
    a = p.parse_args()
    main(a.only, a.data, a.runs, a.max_cells, a.draw)
