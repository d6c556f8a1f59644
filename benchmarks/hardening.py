"""Hardening figures for BENCHMARKS.md: the bad-input cases the test suite covers and how many are handled, the peak
memory of `predict` on a zip bomb and on a decompression-bomb PNG, and zip against folder throughput on the shared
cells.

Usage: python benchmarks/hardening.py RUN DATA   (RUN: an exported run folder, for model.int8.onnx; DATA: the
cell_images folder)
"""
import argparse, resource, subprocess, sys, tempfile, time, zipfile
import xml.etree.ElementTree as ET
from pathlib import Path
from malaria_fastai.data import _png_bomb
from record import record

ROOT = Path(__file__).resolve().parent.parent
EXE = Path(sys.executable).parent/'malaria-fastai'
PEAK = (
    "import resource, subprocess, sys; r = subprocess.run(sys.argv[1:], capture_output=True, text=True); "
    "print(r.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
)

def peak_rss(*argv)->tuple:
    "Exit status and peak resident memory (MB) of a command, run alone in a fresh process"
    rc, kb = subprocess.run(
        [sys.executable, '-c', PEAK, *map(str, argv)], capture_output=True, text=True, check=True
    ).stdout.split()
    return int(rc), int(kb)/1024

def suite_counts(tests:list)->tuple:
    "Cases run and passed by pytest over `tests`"
    with tempfile.TemporaryDirectory() as d:
        subprocess.run(
            [sys.executable, '-m', 'pytest', '-q', '-p', 'no:cacheprovider', f'--junitxml={d}/r.xml', *tests],
            cwd=ROOT,
            capture_output=True,
        )
        s = ET.parse(f'{d}/r.xml').getroot().find('testsuite')
    n = int(s.get('tests')); return n, n - int(s.get('failures')) - int(s.get('errors'))

def screen_seconds(model:Path, path:Path, csv:Path)->float:
    "Wall time of `malaria-fastai predict` on `path`"
    t = time.time()
    subprocess.run([EXE, 'predict', model, path, '--csv', csv], check=True, capture_output=True)
    return time.time() - t

def main(run:Path, data:Path):
    model = run/'model.int8.onnx'
    n, ok = suite_counts(['tests/test_hardening.py', 'tests/test_bad_input.py'])
    with tempfile.TemporaryDirectory() as d:
        d = Path(d)
        small = d/'small'; small.mkdir()
        for f in sorted((data/'Parasitized').iterdir())[:64]: (small/f.name).symlink_to(f.resolve())
        with zipfile.ZipFile(d/'bomb.zip', 'w', zipfile.ZIP_DEFLATED) as z:
            with z.open('slide/C1P1thinF_bomb_cell_1.png', 'w', force_zip64=True) as m:
                for _ in range(1024): m.write(b'\0'*2**20)  # 1 GiB of zeros: about 1 MB zipped
        (d/'big').mkdir(); (d/'big'/'C1P1thinF_big_cell_1.png').write_bytes(_png_bomb(13000, 13000))
        rows = [
            (what, *peak_rss(EXE, 'predict', model, p, '--csv', d / 'out.csv'))
            for what, p in (
                ('64 real cells (baseline)', small),
                ('a zip holding a 1 GiB member', d / 'bomb.zip'),
                ('a 13000x13000 PNG', d / 'big'),
            )
        ]
        cells = sorted(f for c in ('Parasitized', 'Uninfected') for f in (data/c).iterdir() if f.suffix == '.png')
        with zipfile.ZipFile(d/'cells.zip', 'w', zipfile.ZIP_STORED) as z:
            for f in cells: z.write(f, f'cell_images/{f.parent.name}/{f.name}')
        folder_s, zip_s = screen_seconds(model, data, d/'a.csv'), screen_seconds(model, d/'cells.zip', d/'b.csv')
    mem = '\n'.join(f"| {w} | {rc} | {mb:,.0f} MB |" for w, rc, mb in rows)
    record(
        "Hardening: bad inputs, memory bombs, zip throughput",
        f"Bad-input and fault cases in `tests/test_hardening.py` and `tests/test_bad_input.py` (each listed in "
        f"docs/failures.md): "
        f"{n} run, {ok} handled as documented.\n\n"
        f"Peak resident memory of `malaria-fastai predict {model.parent.name}/model.int8.onnx PATH` (each bomb "
        f"is skipped and named before it is decoded; with no other cell beside it, `predict` then exits 2, "
        f"nothing to screen):\n\n"
        f"| PATH | exit status | peak RSS |\n|---|---:|---:|\n{mem}\n\n"
        f"Throughput on the {len(cells):,} shared cells, int8 ONNX, same machine: the folder {folder_s:.1f} s "
        f"({len(cells) / folder_s:,.0f} cells/s); the same cells in one uncompressed zip {zip_s:.1f} s "
        f"({len(cells) / zip_s:,.0f} cells/s).",
    )

if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('run', type=Path); p.add_argument('data', type=Path)
    a = p.parse_args()
    main(a.run, a.data)
