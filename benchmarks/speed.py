"""Where screening time goes, on one core: reading, decoding, squaring and resizing, the not-a-cell check, normalising,
and the model (batch 64); then the whole count of 5,000 cells by `malaria-fastai predict`, timed from process start,
with 1 and 2 decoding jobs. Each step is the best of three passes, each count the median of five: this machine's speed
drifts from minute to minute.
Usage: python benchmarks/speed.py MODEL DATA [--cells 5000]
"""
import argparse, io, os, subprocess, sys, tempfile, time, timeit
from pathlib import Path
import numpy as np
from PIL import Image
from record import record

REPEATS = 5  # counts per number of jobs

def per_cell(files:list, model)->dict:
    "Seconds per cell of each step, each step timed over all `files` in turn (one thread)"
    from malaria_fastai.cellio import decode_png, pad_square, cell_features, cell_array
    t, out = time.perf_counter, {}
    t0 = t(); raw = [Path(f).read_bytes() for f in files]; out['read the file'] = t() - t0
    # libspng: the `fast` extra
    t0 = t(); imgs = [decode_png(io.BytesIO(b)) for b in raw]; out['decode the PNG'] = t() - t0
    t0 = t()
    cells = [Image.fromarray(pad_square(a)).resize((model.size,) * 2, Image.BILINEAR) for a in imgs]
    out['square and resize'] = t() - t0
    t0 = t(); [cell_features(c) for c in cells]; out['not-a-cell features'] = t() - t0
    t0 = t()
    xs = [cell_array(np.stack(cells[i : i + 64]), model.stats) for i in range(0, len(cells), 64)]
    out['normalise, batch 64'] = t() - t0
    t0 = t(); [model(x) for x in xs]; out['model, batch 64'] = t() - t0
    return {k: v/len(files) for k, v in out.items()}

def load_cell_time(files:list, size:int)->dict:
    ("Seconds per cell of `load_cell` (opening to resizing) with libspng and with Pillow alone, the best of three "
     "passes each")
    from malaria_fastai import cellio
    def best():
        return min(timeit.timeit(lambda: [cellio.load_cell(f, size) for f in files], number=1) for _ in range(3)) / len(
            files
        )
    fast = best(); cellio.pyspng, spng = None, cellio.pyspng
    try: return {'libspng': fast, 'Pillow alone': best()}
    finally: cellio.pyspng = spng

def count(model:str, files:list, jobs:int)->float:
    "Seconds from process start to the CSV of `malaria-fastai predict` over a folder of `files` (linked, not copied)"
    exe = Path(sys.executable).parent/'malaria-fastai'
    with tempfile.TemporaryDirectory() as d:
        (cells := Path(d)/'cells').mkdir()
        for f in files: os.symlink(f, cells/Path(f).name)
        t0 = time.perf_counter()
        subprocess.run(
            [exe, 'predict', model, cells, '--csv', f'{d}/cells.csv', '--jobs', str(jobs)],
            check=True,
            capture_output=True,
        )
        return time.perf_counter() - t0

def jobs_row(j:int, s:list, n:int)->str:
    "One `--jobs` setting's median time and cells/s, with the range of the repeats"
    return f"`--jobs {j}`: {s[len(s)//2]:.1f} s, {n/s[len(s)//2]:,.0f} cells/s ({n/s[-1]:,.0f}-{n/s[0]:,.0f})"

def main(model, data, n):
    from malaria_fastai.data import find_data
    from malaria_fastai.predict import OnnxModel
    from malaria_fastai.cellio import pyspng
    if pyspng is None:
        sys.exit("speed.py times decoding by libspng: install the `fast` extra (pip install -e '.[fast]')")
    files = sorted(find_data(data).glob('*/*.png'))[::max(1, 18603//n)][:n]  # spread over both classes and all patients
    m = OnnxModel(model, threads=1)
    runs = [per_cell(files, m) for _ in range(3)]
    # each step's best of three passes: the machine's drift only ever adds
    steps = {k: min(r[k] for r in runs) for k in runs[0]}
    total = sum(steps.values())
    rows = '\n'.join(f"| {k} | {1e6*v:,.0f} µs | {v/total:.0%} | {1/v:,.0f} |" for k, v in steps.items())
    loads = load_cell_time(files[:1000], m.size)
    # this machine's speed drifts: the median of a few
    counts = {j: sorted(count(model, files, j) for _ in range(REPEATS)) for j in (1, 2)}
    record(f"Speed: where screening time goes ({Path(model).name} of {Path(model).parent.name})", f""" {len(files):,}
    cells of `{Path(data).name}`, each step over all of them in turn, in one thread (the model too: `threads=1`), the
    best of three passes:

| step | per cell | share | cells/s on one core |
|---|---:|---:|---:|
{rows}
| **all** | {1e6*total:,.0f} µs | 100% | {1/total:,.0f} |

`load_cell`, the reading, decoding, squaring and resizing above in one call, per cell (1,000 cells, the best of three
passes): {', '.join(f"{k} {1e6*v:,.0f} µs" for k, v in loads.items())}, so libspng reads a cell in
{loads['libspng']/loads['Pillow alone']:.0%} of Pillow's time.

The count: `malaria-fastai predict MODEL FOLDER` over the same {len(files):,} cells, timed from process start
(imports, model load, listing, decoding, the model, the CSV and the summary), on all cores, the median of {REPEATS}
runs (the slowest and fastest in brackets): {'; '.join(jobs_row(j, s, len(files)) for j, s in counts.items())}.
""")

if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('model'); p.add_argument('data'); p.add_argument('--cells', type=int, default=5000)
    a = p.parse_args()
    main(a.model, a.data, a.cells)
