"""Carry the cell images to a machine that can take only a small upload (a lent GPU machine): `pack` writes every cell as
`load_cell` makes it at 64 px, losslessly (WebP), into gzipped tar parts of about --part-mb; `unpack` writes them back as 64 px PNGs
under the original folder and file names. Training at 64 px reads the same pixels from either folder (`load_cell` of a 64 px
square is the identity); other sizes would not.
Usage: python tools/carry_cells.py pack SRC DEST_PREFIX [--part-mb 30] [--max-cells N]   then   python tools/carry_cells.py unpack DEST PART ...
"""
import argparse, io, tarfile
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from PIL import Image

def webp(path:str)->bytes:
    "One cell as `load_cell` reads it at 64 px, as lossless WebP"
    from malaria_fastai.cellio import load_cell
    b = io.BytesIO(); load_cell(path, 64).save(b, 'WEBP', lossless=True, quality=100, method=6); return b.getvalue()

def add(tar, name:str, data:bytes):
    "Add `data` to `tar` as the file `name`"
    info = tarfile.TarInfo(name); info.size = len(data); tar.addfile(info, io.BytesIO(data))

def pack(src, dest, part_mb, max_cells=None):
    "The cells `prepare_cells` finds under `src` (or a patient-respecting sample of about `max_cells`) into gzipped tar parts `dest`-N.tar.gz"
    from malaria_fastai.data import prepare_cells
    root, cells, _ = prepare_cells(src, max_cells=max_cells); files = sorted(root/f for f in cells.file)
    part, size, tar = 0, 0, None
    with ProcessPoolExecutor() as ex:
        for f, data in zip(files, ex.map(webp, map(str, files), chunksize=64)):
            if tar is None or size + len(data) > part_mb*2**20:
                if tar: tar.close()
                part, size = part + 1, 0; tar = tarfile.open(f"{dest}-{part}.tar.gz", 'w:gz')  # gzip: the members' headers and padding
            add(tar, f"{f.parent.name}/{f.stem}.webp", data); size += len(data)
    tar.close(); print(f"{len(files):,} cells in {part} parts")

def unpack(dest, parts):
    "The cells of tar `parts` as 64 px PNGs under `dest`, in their class folders"
    n = 0
    for p in parts:
        with tarfile.open(p) as tar:
            for m in tar:
                out = Path(dest)/m.name.replace('.webp', '.png'); out.parent.mkdir(parents=True, exist_ok=True)
                Image.open(io.BytesIO(tar.extractfile(m).read())).convert('RGB').save(out); n += 1  # read whole: a gzip stream seeks back slowly
    print(f"{n:,} cells unpacked into {dest}")

if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0]); sub = ap.add_subparsers(dest='cmd', required=True)
    p = sub.add_parser('pack'); p.add_argument('src'); p.add_argument('dest'); p.add_argument('--part-mb', type=float, default=30); p.add_argument('--max-cells', type=int)
    u = sub.add_parser('unpack'); u.add_argument('dest'); u.add_argument('parts', nargs='+')
    a = ap.parse_args()
    pack(a.src, a.dest, a.part_mb, a.max_cells) if a.cmd == 'pack' else unpack(a.dest, a.parts)
