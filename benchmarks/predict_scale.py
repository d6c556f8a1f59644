"""Screening at archive scale: `predict` over 10,000 and 50,000 cells (the data folder's cells repeated), as zips of one
slide (5,000 cells) each and as one zip, with 1 and 2 decoding jobs, each in a fresh process: cells/s (decoding
included) and peak resident memory, which must not grow with the cells.
Usage: python benchmarks/predict_scale.py MODEL DATA [--sizes 10000,50000] [--jobs 1,2] [--slide 5000]
"""
import argparse, itertools, json, resource, subprocess, sys, tempfile, time, zipfile
from pathlib import Path
from record import record

HEADER = ('| layout | cells | zips | jobs | rows written | cells/s | time | peak RSS, main process '
          '| peak RSS, largest decoding process |\n'
          '|---|---:|---:|---:|---:|---:|---:|---:|---:|')

def write_zips(dest:Path, files:list, n:int, per_zip:int)->list:
    ("Zips of `per_zip` cells making `n` in all: `files` repeated, each copy in its own folder (stored: PNGs are "
     "compressed already)")
    dest.mkdir(); cells, zips = itertools.cycle(files), []
    for start in range(0, n, per_zip):
        zips.append(dest/f'{start//per_zip:04d}.zip')
        with zipfile.ZipFile(zips[-1], 'w', zipfile.ZIP_STORED) as z:
            for i, f in zip(range(start, min(n, start + per_zip)), cells):
                z.write(f, f'copy{i // len(files)}/{f.parent.name}/{f.name}')
    return zips

def measure(model, jobs, csv, *zips):
    "Run in a fresh process: screen the zips, print cells, seconds and peak RSS"
    from malaria_fastai.predict import predict
    t = time.perf_counter()
    r = predict(model, *zips, csv=csv, jobs=int(jobs), progress=False)
    secs = time.perf_counter() - t
    hwm = next(l for l in Path('/proc/self/status').read_text().splitlines() if l.startswith('VmHWM:'))
    child = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss/1024  # the largest decoding process, if any
    print(
        json.dumps(
            dict(
                cells=r['cells'],
                rows=sum(r['tally'].labels.values()),
                seconds=secs,
                peak_mib=int(hwm.split()[1]) / 1024,
                child_mib=child,
            )
        )
    )

def main(model, data, sizes, jobs, slide):
    from malaria_fastai.data import find_data
    root = find_data(data); files = sorted(root.glob('*/*.png'))
    lines, peak, layouts = [], {}, {'a zip per slide': slide, 'one zip': max(sizes)}
    with tempfile.TemporaryDirectory() as d:
        for (layout, per_zip), n in itertools.product(layouts.items(), sizes):
            zips = write_zips(Path(d)/f'{layout}-{n}'.replace(' ', '_'), files, n, per_zip)
            for j in jobs:
                out = subprocess.run(
                    [sys.executable, __file__, '--measure', model, str(j), f'{d}/cells.csv', *map(str, zips)],
                    capture_output=True,
                    text=True,
                    check=True,
                ).stdout.splitlines()[-1]
                r = json.loads(out); child = f"{r['child_mib']:,.0f} MiB" if j > 1 else '-'
                peak[layout, n, j] = r['peak_mib'], r['child_mib']
                lines.append(
                    f"| {layout} | {n:,} | {len(zips)} | {j} | {r['rows']:,} | {r['cells'] / r['seconds']:,.0f} | "
                    f"{r['seconds']:.1f} s | {r['peak_mib']:,.0f} MiB | {child} |"
                )
    def growth(layout, j, k):
        grown = peak[layout, max(sizes), j][k] - peak[layout, min(sizes), j][k]
        return f"{1024*grown/(max(sizes) - min(sizes)):.2f}"
    growths = [f"{layout}, {j} job{'s'[:j > 1]}: {growth(layout, j, 0)}"
               + (f" ({growth(layout, j, 1)})" if j > 1 else '') for layout in layouts for j in jobs]
    record(f"Screening at scale: `predict` over zips, 1 and 2 decoding jobs", f""" Model `{Path(model).name}` of
    `{Path(model).parent.name}`; the {len(files):,} cells of `{Path(data).name}` repeated into zips (stored) of
    {slide:,} cells each (a slide's worth: one zip per slide) or into one zip, {' and '.join(f'{n:,}' for n in sizes)}
    cells in all; each line a fresh process screening every zip to one CSV (decoding, the not-a-cell check and the model
    included; batch 64; `--jobs 1` decodes in a background thread, `--jobs 2` in two processes).

{HEADER}
{chr(10).join(lines)}

Growth of the peak from {min(sizes):,} to {max(sizes):,} cells, in KiB per cell (main process; decoding process):
{'; '.join(growths)}.
File names are listed a folder or a zip at a time, and a process keeps one zip open: with a zip per slide, memory is
that of one slide. Inside one zip, `zipfile` holds the directory of every member while the zip is read, in each process
that reads it.
""")

if __name__ == '__main__':
    if sys.argv[1] == '--measure': measure(*sys.argv[2:])
    else:
        p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
        p.add_argument('model'); p.add_argument('data')
        p.add_argument('--sizes', default='10000,50000'); p.add_argument('--jobs', default='1,2')
        p.add_argument('--slide', type=int, default=5000, help='cells per zip in the one-zip-per-slide layout')
        a = p.parse_args()
        main(a.model, a.data, [int(x) for x in a.sizes.split(',')], [int(x) for x in a.jobs.split(',')], a.slide)
