"""How steady is the stage-2 rate that `lr_find` chooses? One learner, trained through stage 1 as `train` does (body
frozen, `lr_head`, one epoch), is unfrozen and `lr_find` runs on it `--repeats` times (each restores the weights; only
the batches differ): the spread of fastai's `valley` and `slide` and of the recipe's `valley_slide`. Beside it, the
finished runs given as arguments: their suggestions, the rate they trained at, and what they scored.
Usage: python benchmarks/lr_find.py [--data PATH] [--repeats 5] [--seed 0] [RUN ...]
"""
import argparse, csv, json, math, statistics
from pathlib import Path
from record import record

def repeats(data, n, seed, arch='efficientnet_lite0', size=64, bs=64, lr_head=2e-3)->list:
    "`lr_find`'s suggestions, `n` times over, on one learner after stage 1"
    from fastai.vision.all import Learner, default_split, valley, slide, set_seed
    from malaria_fastai.data import prepare_cells
    from malaria_fastai.loaders import cell_dls
    from malaria_fastai.train import create_model, cell_metrics, valley_slide
    set_seed(seed, reproducible=True)
    root, cells, _ = prepare_cells(data, 'patient', 0.2, 0.1, seed, None, progress=False)
    model, info = create_model(arch, 'yes')
    learn = Learner(
        cell_dls(cells, root, size, bs, stats=info['stats']), model, splitter=default_split, metrics=cell_metrics()
    )
    learn.freeze()
    with learn.no_bar(): learn.fit_one_cycle(1, lr_head)
    learn.unfreeze()
    out = []
    for i in range(n):
        with learn.no_bar():
            out.append(learn.lr_find(suggest_funcs=(valley, slide, valley_slide), show_plot=False)._asdict())
        print(i, out[-1], flush=True)
    return out

def spread(xs)->str:
    "min-max, and the max/min ratio"
    return f"{min(xs):.2e} - {max(xs):.2e} | {max(xs)/min(xs):.1f}x"

def run_row(run:Path)->str:
    "A finished run's rate, suggestions and scores"
    cfg = json.loads((run/'config.json').read_text()); s = cfg.get('lr_find') or {}
    with open(run/'history.csv') as f: last_loss = float(list(csv.DictReader(f))[-1]['train_loss'])
    ev = run/'evaluation.json'
    test = json.loads(ev.read_text())['metrics']['default (threshold 0.5)'] if ev.exists() else []
    test_acc = next((f"{100*m['value']:.2f}%" for m in test if m['metric'] == 'accuracy'), '-')
    val = json.loads((run/'metrics.json').read_text())['accuracy']
    fmt = lambda k: f"{s[k]:.2e}" if k in s else '-'
    vs = f"{math.sqrt(s['valley']*s['slide']):.2e}" if s else '-'  # what `valley_slide` chooses from these two
    return (
        f"| `{run.parent.name + '/' if run.parent.name != 'runs' else ''}{run.name}` | {fmt('valley')} | "
        f"{fmt('slide')} | "
        f"{vs} | {cfg['lr']:.2e} | {last_loss:.3f} | {100 * val:.2f}% | {test_acc} |"
    )

def main(data, n, seed, runs):
    rs = repeats(data, n, seed)
    rows = '\n'.join(
        f"| {k} | {spread([r[k] for r in rs])} | {math.exp(statistics.mean(math.log(r[k]) for r in rs)):.2e} |"
        for k in ('valley', 'slide', 'valley_slide')
    )
    past = '\n'.join(run_row(Path(r)) for r in runs)
    record("lr_find: how steady is the stage-2 rate", f""" EfficientNet-Lite0 (ImageNet weights), 64 px, batch 64,
    patient split (seed {seed}) of the shared cells: one learner after stage 1 (one epoch, body frozen, 2e-3), unfrozen,
    then `lr_find` {n} times (each restores the weights; only the batches differ).

| suggestion | lowest - highest | ratio | geometric mean |
|---|---:|---:|---:|
{rows}

Finished runs of the default recipe, which trained at `valley` (the rule before `valley_slide`): their suggestions, the
rate `valley_slide` would have chosen, the final training loss, validation accuracy and test accuracy.

| run | valley | slide | valley_slide | trained at | last train loss | valid | test |
|---|---:|---:|---:|---:|---:|---:|---:|
{past}
""")

if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--data')
    p.add_argument('--repeats', type=int, default=5)
    p.add_argument('--seed', type=int, default=0)
    p.add_argument('runs', nargs='*')
    a = p.parse_args()
    main(a.data, a.repeats, a.seed, a.runs)
