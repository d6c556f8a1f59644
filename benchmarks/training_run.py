"""Training benchmark: validation metrics on unseen patients, wall time per stage, peak memory; per epoch, cells/s and
(on a GPU) the GPU's utilisation; and the time from a cold start to a target validation accuracy.

Patient split of the data, 20% of patients for validation, no test hold-out, seed 0 (the issue's protocol).
Usage: python benchmarks/training_run.py --arch efficientnet_lite0 [--size 64] [--pretrained auto] [--epochs-head 1]
[--epochs-full 4] [--lr X] [--head-width 256] [--cache] [--target 0.96] [--max-cells N] [--data PATH] [--out
/tmp/bench_runs]
"""
import argparse, resource, subprocess, threading, time
import torch
from fastai.callback.core import Callback
from malaria_fastai.train import train
from malaria_fastai.run import read_json
from record import record, stages

class GpuUse(Callback):
    "The GPU's mean utilisation (%) over each epoch, sampled every `every` seconds by `nvidia-smi` in a thread"
    def __init__(self, every:float=1.): self.every, self.epochs = every, []
    def _sample(self):
        while not self._stop.wait(self.every):
            out = subprocess.run(
                ['nvidia-smi', '--query-gpu=utilization.gpu', '--format=csv,noheader,nounits', '-i', '0'],
                capture_output=True,
                text=True,
            )
            if out.returncode == 0: self._seen.append(float(out.stdout.split()[0]))
    def before_epoch(self):
        self._seen, self._stop = [], threading.Event()
        threading.Thread(target=self._sample, daemon=True).start()
    def after_epoch(self):
        self._stop.set()
        if not hasattr(self.learn, 'lr_finder'):
            self.epochs.append(sum(self._seen) / len(self._seen) if self._seen else float('nan'))
    # lr_find ends its fit without ending its epoch
    def after_fit(self): getattr(self, '_stop', threading.Event()).set()

def seconds(t:str)->int:
    "fastai's epoch time, 'mm:ss' or 'h:mm:ss', in seconds"
    s = 0
    for part in t.split(':'): s = 60*s + int(part)
    return s

def per_epoch(run, train_cells:int, gpu:list, target:float)->tuple:
    ("The epoch table's rows (cells/s, GPU use) and the seconds of training until validation accuracy first reached "
     "`target`")
    import pandas as pd
    h = pd.read_csv(run/'history.csv').assign(secs=lambda d: d.time.map(seconds))
    h['elapsed'] = h.secs.cumsum()
    rows = [
        f"| {r.stage} {r.epoch} | {r.secs} s | {train_cells / r.secs:,.0f} | {r.accuracy:.2%} |"
        + (f" {gpu[i]:.0f}% |" if gpu else '')
        for i, r in enumerate(h.itertuples())
    ]
    hit = h[h.accuracy >= target]
    return rows, (int(hit.elapsed.iloc[0]) if len(hit) else None)

def main(arch, size, pretrained, epochs_head, epochs_full, lr, data, out, bs, head_width, cache, target, max_cells):
    gpu = [GpuUse()] if torch.cuda.is_available() else []
    t = time.perf_counter()
    run = train(data, out, arch=arch, size=size, bs=bs, epochs_head=epochs_head, epochs_full=epochs_full, lr=lr,
                valid_pct=0.2, test_pct=0.0, seed=0, max_cells=max_cells, pretrained=pretrained, head_width=head_width,
                cache=cache, cbs=gpu, progress=False)
    wall = time.perf_counter() - t
    m, cfg = read_json(run/'metrics.json'), run.config
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss/2**20
    lr_txt = f"{cfg.lr:.2e}" + (' (lr_find valley_slide)' if cfg.lr_find else '')
    epochs = f"{epochs_head}+{epochs_full}" if cfg.pretrained else f"{epochs_full}"
    rows, hit = per_epoch(run, int((run.split.split == 'train').sum()), gpu[0].epochs if gpu else [], target)
    device = torch.cuda.get_device_name(0) if torch.cuda.is_available() else 'CPU'
    record(
        f"Training: {arch}, {'pretrained' if cfg.pretrained else 'from scratch'}, {size} px, {epochs} epochs, "
        f"head {head_width}"
        + (f", {max_cells:,}-cell sample" if max_cells else '')
        + (', cache' if cache else '')
        + ('' if device == 'CPU' else f', {device}'),
        f"| valid accuracy | sensitivity | specificity | valid cells | stages | whole command | peak RSS | "
        f"stage-2 lr |\n"
        f"|---:|---:|---:|---:|---|---:|---:|---|\n"
        f"| {m['accuracy']:.2%} | {m['sensitivity']:.2%} | {m['specificity']:.2%} | {m['valid_cells']:,} | "
        f"{stages(run)} | "
        f"{wall / 60:.1f} min | {peak:.1f} GiB | {lr_txt} |\n\n"
        f"Weights: {cfg.note}. Batch {bs}, head of {head_width} hidden units, "
        + (f"head lr {cfg.lr_head}, " if cfg.pretrained else '')
        + f"div {cfg.div}; run folder `{run.name}`.\n\n"
        f"Per epoch (cells/s: training cells over the epoch's whole time, validation included"
        + (", GPU: mean utilisation" if gpu else '')
        + "):\n\n"
        f"| epoch | time | cells/s | valid accuracy |"
        + (" GPU |" if gpu else '')
        + "\n|---|---:|---:|---:|"
        + ("---:|" if gpu else '')
        + "\n"
        + '\n'.join(rows)
        + "\n\n"
        + (
            f"Validation accuracy first reached {target:.0%} after {hit / 60:.1f} minutes of training epochs (lr_find "
            f"and loading not counted)."
            if hit is not None
            else f"Validation accuracy never reached {target:.0%}."
        ),
    )

if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--arch', default='efficientnet_lite0'); p.add_argument('--size', type=int, default=64)
    p.add_argument('--pretrained', default='auto'); p.add_argument('--epochs-head', type=int, default=1)
    p.add_argument('--epochs-full', type=int, default=4); p.add_argument('--lr', type=float)
    p.add_argument('--bs', type=int, default=64); p.add_argument('--head-width', type=int, default=256)
    p.add_argument('--cache', action='store_true', help="decode the cells once (train's --cache)")
    p.add_argument('--target', type=float, default=0.96, help='the validation accuracy whose time to reach is reported')
    p.add_argument('--max-cells', type=int, help='a patient-respecting sample of about this many cells')
    p.add_argument('--data'); p.add_argument('--out', default='/tmp/bench_runs')
    main(**vars(p.parse_args()))
