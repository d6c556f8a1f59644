"""Field photographs: how well `malaria_fastai.fields` finds the red cells of the shared IML photographs against the
annotators' boxes (IoU >= 0.5), how many of the infected cells it finds and how many of those a model calls parasitized,
the apparent parasitemia per photograph against the annotated share, and the seconds per photograph (segmentation,
crops, model) on this machine. Annotated types: `red blood cell`; infected: ring, trophozoite, schizont, gametocyte;
`difficult` left out.

Then `malaria-fastai predict` itself on the folder of photographs (the CSV, the overlays, the per-photograph counts):
photographs per minute with --jobs 1 and 2, and its peak memory (the main process and, apart, its largest decoding
process) on the folder and on the same photographs three times over (links), to show memory does not grow with them.

Usage: python benchmarks/fields.py MODEL [--fields ../shared/fields/iml] [--threshold 0.5]
"""
import argparse, json, subprocess, sys, tempfile, time
from pathlib import Path
import numpy as np, pandas as pd
from malaria_fastai.cellio import MAX_PHOTO_PIXELS, read_rgb
from malaria_fastai.fields import INFECTED, box_iou as iou, find_cells, field_problem, screen_field
from malaria_fastai.predict import open_model
from record import record

def photo_row(path:Path, objects:list, model, threshold:float)->dict:
    "One photograph: its annotated boxes matched against the cells found, and the model's calls"
    t = time.perf_counter(); a = read_rgb(path, MAX_PHOTO_PIXELS); t_read = time.perf_counter() - t
    t = time.perf_counter(); find_cells(a); t_seg = time.perf_counter() - t  # segmentation alone, timed apart
    # reading included
    t = time.perf_counter(); regions, _ = screen_field(a, model, threshold); t_all = t_read + time.perf_counter() - t
    kept = [x for x in regions if not x['why']]
    row = dict(
        photo=path.name,
        refused=field_problem(regions, a) or '',
        seconds=t_all,
        seconds_segmentation=t_seg,
        found=len(kept),
        regions=len(regions),
        rbc=0,
        rbc_found=0,
        infected=0,
        infected_found=0,
        infected_called=0,
        matched=0,
        inner=0,
        inner_found=0,
    )
    used = set()
    for o in objects:
        if o['type'] == 'difficult': continue
        box = tuple(int(o['bbox'][k]) for k in 'xywh')
        best = max(range(len(kept)), key=lambda i: iou(box, kept[i]['box']), default=None)
        hit = best is not None and iou(box, kept[best]['box']) >= 0.5
        if hit: used.add(best)
        if o['type'] in INFECTED:
            row['infected'] += 1; row['infected_found'] += hit
            row['infected_called'] += hit and kept[best]['prob_parasitized'] >= threshold
        else: row['rbc'] += 1; row['rbc_found'] += hit
        # clear of the border
        if box[0] > 2 and box[1] > 2 and box[0] + box[2] < a.shape[1] - 2 and box[1] + box[3] < a.shape[0] - 2:
            row['inner'] += 1; row['inner_found'] += hit
    row['matched'] = len(used)
    row['called'] = sum(x['prob_parasitized'] >= threshold for x in kept)
    return row

PREDICT = """import resource, sys, time from malaria_fastai.predict import predict t = time.perf_counter(); r =
predict(sys.argv[1], sys.argv[2], csv=sys.argv[3], jobs=int(sys.argv[4]), progress=False) print(time.perf_counter() - t,
len(r['photos']), resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
"""

def time_predict(model:str, folder:Path, jobs:int)->tuple:
    ("(photographs per minute, photographs screened, peak MB of the main process, of its largest decoding process) "
     "of `predict` on `folder`")
    with tempfile.TemporaryDirectory() as out:
        r = subprocess.run(
            [sys.executable, '-c', PREDICT, model, str(folder), f'{out}/cells.csv', str(jobs)],
            capture_output=True,
            text=True,
            check=True,
        )
    secs, n, rss, child = map(float, r.stdout.split()[-4:])
    return 60*n/secs, int(n), rss/1024, child/1024

def linked(images:Path, dest:Path, times:int)->Path:
    "A folder holding every photograph of `images` `times` over, as links"
    dest.mkdir()
    for k in range(times):
        for f in sorted(images.iterdir()): (dest/f'{k}_{f.name}').symlink_to(f.resolve())
    return dest

def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('model', help='a model for `predict` (an .onnx file needs no torch)')
    ap.add_argument('--fields', default='../shared/fields/iml'); ap.add_argument('--threshold', type=float, default=0.5)
    a = ap.parse_args()
    ann = {e['image_name']: e['objects'] for e in json.loads((Path(a.fields)/'annotations.json').read_text())}
    model = open_model(a.model, threads=1)
    rows = pd.DataFrame([photo_row(Path(a.fields)/'images'/n, ann[n], model, a.threshold) for n in sorted(ann)])
    with tempfile.TemporaryDirectory() as tmp:
        speed = {j: time_predict(a.model, Path(a.fields)/'images', j) for j in (1, 2)}
        thrice = time_predict(a.model, linked(Path(a.fields)/'images', Path(tmp)/'thrice', 3), 2)
    s = rows.sum(numeric_only=True)
    unboxed = s.found - s.matched
    share = lambda k, n: f"{s[k]/s[n]:.1%} ({int(s[k]):,} of {int(s[n]):,})"
    rows['apparent'] = rows.called / rows.found.clip(lower=1)
    rows['annotated'] = rows.infected / (rows.infected + rows.rbc)
    measures = pd.DataFrame([
        ['annotated red cells found (IoU >= 0.5)', share('rbc_found', 'rbc'), '>= 95%'],
        ["annotated cells clear of the photo's border found (cut cells are left out on purpose)",
         share('inner_found', 'inner'), ''],
        ['annotated infected cells found', share('infected_found', 'infected'), '>= 95%'],
        ['found infected cells called parasitized', share('infected_called', 'infected_found'), '(reported)'],
        ['cells found per photograph, median (annotated boxes)',
         f"{rows.found.median():.0f} ({(rows.rbc + rows.infected).median():.0f})", ''],
        ['found cells matching no box (annotators skipped some)', f"{int(unboxed):,} of {int(s.found):,}", ''],
        ['apparent parasitemia per photograph against the annotated share: mean absolute difference',
         f"{100*(rows.apparent - rows.annotated).abs().mean():.2f} points", ''],
        ['slide (all photographs): apparent against annotated',
         f"{s.called/s.found:.2%} against {s.infected/(s.infected + s.rbc):.2%}", ''],
        ['seconds per photograph, median: segmentation alone; all (reading the JPEG, segmentation, crops, model, '
         'overlay)',
         f"{rows.seconds_segmentation.median():.2f} s, {rows.seconds.median():.2f} s", ''],
        ['photographs per minute, one process', f"{60/rows.seconds.median():.0f}", '>= 60'],
        ['photographs refused by `field_problem` (none of the 80 should be)', (rows.refused != '').sum(), '0'],
        ['`predict` on the folder (CSV, overlays, per-photograph counts): photographs per minute, --jobs 1; --jobs 2',
         f"{speed[1][0]:.0f}; {speed[2][0]:.0f}", '>= 60'],
        [f"`predict --jobs 2`, peak memory of the main process; of a decoding process: {speed[2][1]} photographs; "
         f"{thrice[1]} (each three times)",
         f"{speed[2][2]:.0f} MB, {speed[2][3]:.0f} MB; {thrice[2]:.0f} MB, {thrice[3]:.0f} MB", 'flat']],
        columns=['measure', 'value', 'target'])
    table = measures.to_markdown(index=False, colalign=('left', 'right', 'right'), disable_numparse=True)
    body = f"""The {len(rows)} photographs of `{Path(a.fields).name}` (1280x960 JPEG, Giemsa, *P. vivax*), model
    `{Path(a.model).name}`, threshold {a.threshold}; one process, the model on one thread.

{table}
"""
    record('Field photographs: finding and screening the cells of the shared IML photographs', body)

if __name__ == '__main__': main()
