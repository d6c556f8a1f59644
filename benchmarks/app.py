"""The web app's speed and memory: seconds from upload to result through `gradio_client` (the upload, the screening, the
page's outputs made: gallery, CSV, report) for 100, 1,000 and 5,000 NIH cells in a zip and for one 1280x960 IML
photograph, then with every output file fetched as well (the gallery's pictures one by one, as a browser fetches them
after the result shows); beside `predict` on the same file (in a process of its own, timed from the call, not the
imports); then the app's peak memory (its process's VmHWM, after all of them) beside `predict`'s on the 5,000 cells.

Usage: python benchmarks/app.py MODEL [--data ../shared/malaria/cell_images] [--fields ../shared/fields/iml]
       [--repeats 3]
"""
import argparse, re, statistics, subprocess, sys, tempfile, time, zipfile
from pathlib import Path
from record import record

PREDICT = """import resource, sys, time
from malaria_fastai.predict import predict
t = time.perf_counter(); r = predict(sys.argv[1], sys.argv[2], csv=sys.argv[3], progress=False)
print(time.perf_counter() - t, r['cells'], resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""

def cells_zip(data:Path, n:int, dest:Path)->Path:
    "A zip of `n` cells spread evenly over the sorted NIH files (both classes, many patients)"
    files = sorted(data.glob('*/*.png'))
    with zipfile.ZipFile(dest, 'w', zipfile.ZIP_STORED) as z:
        for f in files[::len(files)//n][:n]: z.write(f, f'{f.parent.name}/{f.name}')
    return dest

def time_predict(model:str, path:Path, repeats:int)->tuple:
    "(median seconds, cells, peak MB) of `predict` on `path`, each run in a fresh process"
    runs = []
    for _ in range(repeats):
        with tempfile.TemporaryDirectory() as out:
            r = subprocess.run([sys.executable, '-c', PREDICT, model, str(path), f'{out}/cells.csv'],
                               capture_output=True, text=True, check=True)
        s, n, kb = r.stdout.split(); runs.append((float(s), int(n), int(kb)/1024))
    return statistics.median(r[0] for r in runs), runs[0][1], max(r[2] for r in runs)

def start_app(model:str)->tuple:
    "(process, URL) of `malaria-fastai app MODEL` on a free port"
    p = subprocess.Popen([sys.executable, '-m', 'malaria_fastai.cli', 'app', model, '--port', '0'],
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    for line in p.stdout:
        if m := re.search(r'(http://\S+/) ', line): return p, m[1]
    raise SystemExit('the app did not start')

def time_app(client, path:Path, repeats:int)->tuple:
    "(median seconds from upload to result, cells screened) of the app on `path`"
    from gradio_client import handle_file
    secs = []
    for _ in range(repeats):
        t = time.perf_counter()
        text = client.predict([handle_file(str(path))], 'bench', 0.5, 'all', 'most parasitized first',
                              api_name='/screen')[0]
        secs.append(time.perf_counter() - t)
    return statistics.median(secs), int(re.search(r'([\d,]+) cells? screened', text)[1].replace(',', ''))

def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('model'); ap.add_argument('--data', default='../shared/malaria/cell_images')
    ap.add_argument('--fields', default='../shared/fields/iml'); ap.add_argument('--repeats', type=int, default=3)
    a = ap.parse_args()
    from gradio_client import Client
    with tempfile.TemporaryDirectory() as d:
        inputs = [(f'{n:,} cells in a zip', cells_zip(Path(a.data), n, Path(d)/f'cells{n}.zip'))
                  for n in (100, 1000, 5000)]
        inputs.append(('one 1280x960 IML photograph', sorted(Path(a.fields).glob('images/*'))[0]))
        proc, url = start_app(a.model)
        try:
            rows, mb = [], {}
            client, fetching = Client(url, verbose=False, download_files=False), Client(url, verbose=False)
            for what, path in inputs:
                (s_app, n_app), (s_all, _) = time_app(client, path, a.repeats), time_app(fetching, path, a.repeats)
                s_pred, n_pred, mb[what] = time_predict(a.model, path, a.repeats)
                assert n_app == n_pred, (what, n_app, n_pred)
                rows.append(f"| {what} | {n_app:,} | {s_app:.2f} | {s_all:.2f} | {s_pred:.2f} | {s_app/s_pred:.2f} |")
                print(rows[-1], flush=True)
            peak = int(re.search(r'VmHWM:\s+(\d+)', Path(f'/proc/{proc.pid}/status').read_text())[1])/1024
        finally: proc.terminate(); proc.wait(60)
    body = (f"Model `{Path(a.model).parent.name}/{Path(a.model).name}`; median of {a.repeats} runs each. "
            "The app's time runs from the upload to the result, the page's outputs made (gallery, CSV and report); "
            "with every output fetched, the client also downloads each of them, one after another (a browser shows "
            "the result first, then loads the gallery's pictures side by side). `predict`'s runs from its call to its "
            "return, in a fresh process each time (imports not counted). Cells: those screened, images refused as no "
            "cell crop left out.\n\n"
            "| upload | cells | app, s | app with every output fetched, s | `predict`, s | app / `predict` |\n"
            "|---|---:|---:|---:|---:|---:|\n" +
            '\n'.join(rows) + f"\n\nThe app's peak memory after all {len(inputs)*a.repeats} screenings: {peak:,.0f} MB "
            f"(its process's VmHWM; `predict`'s on the 5,000 cells: {mb[inputs[2][0]]:,.0f} MB).\n")
    record('Web app: seconds from upload to result, beside `predict`', body)
    print(body)

if __name__ == '__main__': main()
