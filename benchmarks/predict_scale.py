"""Screening at archive scale: `predict` over zips of 10,000 and 50,000 cells (the data folder's cells repeated), with 1 and 2
decoding jobs, each in a fresh process: cells/s (decoding included) and peak resident memory, which must not grow with the cells.
Usage: python benchmarks/predict_scale.py MODEL DATA [--sizes 10000,50000] [--jobs 1,2]
"""
import argparse, itertools, json, resource, subprocess, sys, tempfile, time, zipfile
from pathlib import Path
from record import record

def write_zip(dest:Path, files:list, n:int):
    "A zip of `n` cells: `files` repeated, each copy in its own folder (stored: PNGs are compressed already)"
    with zipfile.ZipFile(dest, 'w', zipfile.ZIP_STORED) as z:
        for i, f in zip(range(n), itertools.cycle(files)): z.write(f, f'copy{i//len(files)}/{f.parent.name}/{f.name}')

def measure(model, zip_path, jobs, csv):
    "Run in a fresh process: screen the zip, print cells, seconds and peak RSS"
    from malaria_fastai.predict import predict
    t = time.perf_counter(); r = predict(model, zip_path, csv=csv, jobs=int(jobs), progress=False); secs = time.perf_counter() - t
    hwm = next(l for l in Path('/proc/self/status').read_text().splitlines() if l.startswith('VmHWM:'))
    child = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss/1024  # the largest decoding process, if any
    print(json.dumps(dict(cells=r['cells'], rows=sum(r['tally'].labels.values()), seconds=secs, peak_mib=int(hwm.split()[1])/1024, child_mib=child)))

def main(model, data, sizes, jobs):
    from malaria_fastai.data import find_data
    root = find_data(data); files = sorted(root.glob('*/*.png'))
    lines, peak = [], {}
    with tempfile.TemporaryDirectory() as d:
        for n in sizes:
            write_zip(Path(d)/f'{n}.zip', files, n)
            for j in jobs:
                out = subprocess.run([sys.executable, __file__, '--measure', model, f'{d}/{n}.zip', str(j), f'{d}/cells.csv'],
                                     capture_output=True, text=True, check=True).stdout.splitlines()[-1]
                r = json.loads(out); child = f"{r['child_mib']:,.0f} MiB" if j > 1 else '-'
                peak[n, j] = r['peak_mib']
                lines.append(f"| {n:,} | {j} | {r['rows']:,} | {r['cells']/r['seconds']:,.0f} | {r['seconds']:.1f} s | {r['peak_mib']:,.0f} MiB | {child} |")
    record(f"Screening at scale: `predict` over a zip, 1 and 2 decoding jobs", f"""
Model `{Path(model).name}` of `{Path(model).parent.name}`; the {len(files):,} cells of `{Path(data).name}` repeated into zips (stored) of
{' and '.join(f'{n:,}' for n in sizes)} cells; each line a fresh process screening the whole zip to a CSV (decoding, the not-a-cell
check and the model included; batch 64; `--jobs 1` decodes in a background thread, `--jobs 2` in two processes).

| cells | jobs | rows written | cells/s | time | peak RSS, main process | peak RSS, largest decoding process |
|---:|---:|---:|---:|---:|---:|---:|
{chr(10).join(lines)}

Growth of the main process's peak from {min(sizes):,} to {max(sizes):,} cells: {'; '.join(f"{j} job{'s'[:j > 1]}: {1024*(peak[max(sizes), j] - peak[min(sizes), j])/(max(sizes) - min(sizes)):.2f} KiB per cell" for j in jobs)}.
What grows is the sorted list of file names and the zip's directory (`zipfile` reads every member's entry); images, rows
and the per-slide counts do not accumulate.
""")

if __name__ == '__main__':
    if sys.argv[1] == '--measure': measure(*sys.argv[2:6])
    else:
        p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
        p.add_argument('model'); p.add_argument('data')
        p.add_argument('--sizes', default='10000,50000'); p.add_argument('--jobs', default='1,2')
        a = p.parse_args()
        main(a.model, a.data, [int(x) for x in a.sizes.split(',')], [int(x) for x in a.jobs.split(',')])
