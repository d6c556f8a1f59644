"""Training throughput: cells/s of the training steps of one model under each setting (loader processes, torch threads,
channels-last memory format, stain augmentation, the pre-resized cache; mixed precision on a GPU), each timed over the
same batches after a warm-up.
Usage: python benchmarks/train_speed.py [--data PATH] [--arch efficientnet_lite0] [--size 64] [--bs 64] [--batches 30]
[--max-cells N]
"""
import argparse, inspect, os, shutil, tempfile, time
from pathlib import Path
import torch
from record import record

def measure(dls, arch, n, warmup, channels_last)->float:
    "Cells/s over `n` training batches (after `warmup`) of a fresh `arch`, all layers trained"
    from fastai.vision.all import Learner, Callback, CancelFitException
    from malaria_fastai.train import create_model
    class Timed(Callback):
        def before_fit(self): self.seen, self.t0 = 0, None
        def after_batch(self):
            self.seen += 1
            if self.seen == warmup: self.t0 = time.perf_counter()
            if self.seen == warmup + n: self.secs = time.perf_counter() - self.t0; raise CancelFitException()
    learn = Learner(dls, create_model(arch, pretrained='no')[0], cbs=[timed := Timed()])
    if channels_last: learn.to_channelslast(use_amp=torch.cuda.is_available())
    elif torch.cuda.is_available(): learn.to_fp16()
    with learn.no_bar(), learn.no_logging(): learn.fit(1, 1e-3)
    return n*dls.bs/timed.secs

def main(data, arch, size, bs, batches, max_cells=None):
    from malaria_fastai.data import prepare_cells
    from malaria_fastai.loaders import cell_dls
    from fastai.torch_core import defaults
    from malaria_fastai.train import train
    # `train`'s default
    stain = {k: inspect.signature(train).parameters[k].default for k in ('max_hue', 'max_saturation')}
    root, cells, _ = prepare_cells(data, 'patient', 0.2, 0.1, 0, max_cells, progress=False)
    cores, rows = os.cpu_count(), []
    base, folder = dict(threads=cores, channels_last=False, stain=False, cache=False), Path(tempfile.mkdtemp())
    settings = [
        dict(base, workers=0),
        dict(base, workers=defaults.cpus),
        dict(base, workers=1),
        dict(base, workers=defaults.cpus, channels_last=True),
        dict(base, workers=defaults.cpus, stain=True),
        dict(base, workers=defaults.cpus, stain=True, channels_last=True),
        dict(base, workers=0, cache=True),
        dict(base, workers=defaults.cpus, cache=True),
    ]
    if cores > 1: settings.append(dict(base, workers=defaults.cpus, threads=cores - 1))
    yn = lambda b: 'yes' if b else 'no'
    for s in settings:
        torch.set_num_threads(s['threads'])
        dls = cell_dls(
            cells,
            root,
            size,
            bs,
            num_workers=s['workers'],
            cache=folder if s['cache'] else None,
            **(stain if s['stain'] else {}),
        )
        rate = measure(dls, arch, batches, 5, s['channels_last'])
        xb = dls.train.one_batch()[0]
        rows.append(
            f"| {s['workers']} | {s['threads']} | {yn(s['channels_last'])} | {yn(s['stain'])} | "
            f"{yn(xb.is_contiguous(memory_format=torch.channels_last))} | {yn(s['cache'])} | {rate:,.0f} |"
        )
        print(rows[-1], flush=True)
    shutil.rmtree(folder)
    device = torch.cuda.get_device_name(0) if torch.cuda.is_available() else f'{cores} CPU cores'
    record(f"Training throughput: {arch}, {size} px, batch {bs}{', ' + device if torch.cuda.is_available() else ''}",
    f""" Training steps of {arch} (all layers, augmentation on, one-cycle at 1e-3) on {device}: cells/s over {batches}
    batches after 5 of warm-up, each setting with a fresh model and loaders. Loader processes 0: decoding and augmenting
    in the training process; fastai's default is {defaults.cpus}. Cache: the cells read from `cell_cache`'s array file
    (`--cache`), decoded once before timing.{' Mixed precision (fp16) on the GPU.' if torch.cuda.is_available() else ''}
    Channels-last: the model converted by fastai's `ChannelsLast` (`Learner.to_channelslast`). Stain: `train`'s default
    stain augmentation (fastai's `Hue` and `Saturation`); batches channels-last: the memory order of the batches the
    loaders hand on (fastai's `Hue` returns them channels-last).

| loader processes | torch threads | channels-last | stain | batches channels-last | cache | cells/s |
|---:|---:|---|---|---|---|---:|
{chr(10).join(rows)}
""")

if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--data')
    p.add_argument('--arch', default='efficientnet_lite0')
    p.add_argument('--size', type=int, default=64)
    p.add_argument('--bs', type=int, default=64); p.add_argument('--batches', type=int, default=30)
    p.add_argument('--max-cells', type=int, help='a patient-respecting sample of about this many cells')
    a = p.parse_args()
    main(a.data, a.arch, a.size, a.bs, a.batches, a.max_cells)
