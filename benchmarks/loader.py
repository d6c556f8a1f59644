"""Loader throughput against one training step, decoding every epoch and reading the pre-resized cache (`--cache`): does
the loader cost more than a fifth of a training step?

Usage: python benchmarks/loader.py [--data PATH] [--size 64] [--bs 64]
"""
import argparse, shutil, tempfile, time
import timm, torch
from torchvision.models import resnet34
from pathlib import Path
from malaria_fastai.data import find_data, scan_cells, split_cells, load_cell
from malaria_fastai.loaders import cell_dls
from record import record

def per_sec(n, f):
    "Items per second of `f()`, which handles `n` items"
    t = time.perf_counter(); f(); return n/(time.perf_counter()-t)

def iterate(dl, n_batches):
    it = iter(dl)
    for _ in range(n_batches): next(it)

def main(data=None, size=64, bs=64, n_batches=40):
    root = find_data(data, download=False)
    cells, _ = scan_cells(root, n_workers=2)
    cells['split'] = split_cells(cells)
    files = [root/f for f in cells.file[:2000]]
    decode = per_sec(len(files), lambda: [load_cell(f, size) for f in files])
    rows = [('load_cell (decode, RGB, pad, resize), 1 process', decode)]
    folder, trainable = Path(tempfile.mkdtemp()), (cells.split != 'test').sum()
    rows.append(('cell_cache: filling the cache (once; decode, resize, write), 1 process',
                 per_sec(trainable, lambda: cell_dls(cells, root, size=size, bs=bs, cache=folder))))
    for cache in (None, folder):
        for nw in (0, 2):
            dls = cell_dls(cells, root, size=size, bs=bs, num_workers=nw, cache=cache)
            iterate(dls.train, 2)
            rows.append((f"train DataLoader with augmentation, {'cache' if cache else 'decoding'}, num_workers={nw}",
                         per_sec(n_batches*bs, lambda: iterate(dls.train, n_batches))))
    shutil.rmtree(folder)
    xb, yb = (t.as_subclass(torch.Tensor) for t in cell_dls(cells, root, size=size, bs=bs, num_workers=0).one_batch())
    loader, cached = rows[2][1], rows[4][1]
    shares = []
    lite0 = timm.create_model('tf_efficientnet_lite0', num_classes=2)
    models = (('resnet34', resnet34(num_classes=2)), ('efficientnet_lite0', lite0))
    for arch, model in models:
        opt = torch.optim.AdamW(model.parameters(), 1e-3)
        def steps(n):
            for _ in range(n):
                loss = torch.nn.functional.cross_entropy(model(xb), yb); loss.backward(); opt.step(); opt.zero_grad()
        model.train(); steps(2)
        train = per_sec(10*bs, lambda: steps(10))
        rows.append((f'{arch} training step (forward, backward, AdamW step; batch already in memory)', train))
        shares.append(f'{arch} {train/loader:.0%} decoding, {train/cached:.0%} from the cache')
    epoch = (cells.split == 'train').sum()
    worst = max(r for _, r in rows[6:])/loader
    table = '\n'.join(['| what | images/s | seconds per training epoch |', '|---|---:|---:|'] +
                      [f'| {w} | {r:,.0f} | {epoch/r:,.0f} |' for w, r in rows])
    verdict = ('more than a fifth: the loader may hold training back' if worst > 0.2 else 'under a fifth for both')
    verdict += "; `benchmarks/train_speed.py` times whole training steps with and without the cache"
    record(
        f'Loader throughput ({size} px, batch {bs})',
        f"{len(cells):,} cells in {root}; training epoch = {epoch:,} cells.\n\n{table}\n\n"
        f"Time the augmented DataLoader (one process) takes, as a share of a training step's time: "
        f"{', '.join(shares)}; {verdict}.",
    )

if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--data')
    p.add_argument('--size', type=int, default=64)
    p.add_argument('--bs', type=int, default=64)
    main(**vars(p.parse_args()))
