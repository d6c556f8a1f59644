"""Training throughput: cells/s of the training steps of one model under each setting (loader processes, torch threads,
channels-last memory format; mixed precision on a GPU), each timed over the same batches after a warm-up.
Usage: python benchmarks/train_speed.py [--data PATH] [--arch efficientnet_lite0] [--size 64] [--bs 64] [--batches 30]
"""
import argparse, os, time
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

def main(data, arch, size, bs, batches):
    from malaria_fastai.data import prepare_cells
    from malaria_fastai.loaders import cell_dls
    from fastai.torch_core import defaults
    root, cells, _ = prepare_cells(data, 'patient', 0.2, 0.1, 0, None, progress=False)
    cores, rows = os.cpu_count(), []
    settings = [dict(workers=0, threads=cores, channels_last=False), dict(workers=defaults.cpus, threads=cores, channels_last=False),
                dict(workers=1, threads=cores, channels_last=False), dict(workers=defaults.cpus, threads=cores, channels_last=True)]
    if cores > 1: settings.append(dict(workers=defaults.cpus, threads=cores - 1, channels_last=False))
    for s in settings:
        torch.set_num_threads(s['threads'])
        dls = cell_dls(cells, root, size, bs, num_workers=s['workers'])
        rate = measure(dls, arch, batches, 5, s['channels_last'])
        rows.append(f"| {s['workers']} | {s['threads']} | {'yes' if s['channels_last'] else 'no'} | {rate:,.0f} |")
        print(rows[-1], flush=True)
    device = torch.cuda.get_device_name(0) if torch.cuda.is_available() else f'{cores} CPU cores'
    record(f"Training throughput: {arch}, {size} px, batch {bs}", f"""
Training steps of {arch} (all layers, augmentation on, one-cycle at 1e-3) on {device}: cells/s over {batches} batches after 5
of warm-up, each setting with a fresh model and loaders. Loader processes 0: decoding and augmenting in the training
process; fastai's default is {defaults.cpus}.{' Mixed precision (fp16) on the GPU.' if torch.cuda.is_available() else ''}

| loader processes | torch threads | channels-last | cells/s |
|---:|---:|---|---:|
{chr(10).join(rows)}
""")

if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--data'); p.add_argument('--arch', default='efficientnet_lite0'); p.add_argument('--size', type=int, default=64)
    p.add_argument('--bs', type=int, default=64); p.add_argument('--batches', type=int, default=30)
    a = p.parse_args()
    main(a.data, a.arch, a.size, a.bs, a.batches)
