"Field photographs through `malaria-fastai predict`: a row per cell found, with its box; overlays and per-photograph counts; each bad photograph skipped with its reason"
import csv, io, shutil
from pathlib import Path
import numpy as np, pytest
from PIL import Image, ImageFilter
from malaria_fastai.cli import main
from malaria_fastai.data import synth_field, _png_bomb
from malaria_fastai.predict import overlay_path

@pytest.fixture(scope='module')
def model(tmp_path_factory):
    "A small run folder (the old-run fixture), copied so nothing is written beside the repository's"
    return Path(shutil.copytree(Path(__file__).parent/'fixtures'/'old_run', tmp_path_factory.mktemp('m')/'old_run'))

def screen(model:Path, paths:list, out:Path, capsys)->tuple:
    "`malaria-fastai predict` on `paths`: (exit status, its stdout and stderr, the CSV's rows)"
    rc = main(['predict', str(model), *map(str, paths), '--csv', str(out)])
    o = capsys.readouterr()
    return rc, o, list(csv.DictReader(open(out))) if out.exists() else []

def test_photographs_are_screened_cell_by_cell(model, tmp_path, capsys):
    slide = tmp_path/'slide7'; slide.mkdir()
    field, centres = synth_field()
    Image.fromarray(field).save(slide/'a.jpg', quality=95)
    exif = Image.Exif(); exif[0x0112] = 6  # a phone photo taken turned
    Image.fromarray(field).save(slide/'turned.jpg', quality=95, exif=exif.tobytes())
    rc, o, rows = screen(model, [slide], tmp_path/'cells.csv', capsys)
    assert rc == 0 and 'Traceback' not in o.err, o.err
    assert [Path(r['file']).name for r in rows].count('a.jpg') == len(centres)
    boxes = [tuple(map(int, r['box'].split())) for r in rows if r['file'].endswith('turned.jpg')]
    assert len(boxes) == len(centres) and all(x + w <= field.shape[0] and y + h <= field.shape[1] for x, y, w, h in boxes)  # upright
    fields = tmp_path/'cells_fields'
    overlays = [overlay_path(fields, str(slide/n)) for n in ('a.jpg', 'turned.jpg')]
    assert sorted(p for p in fields.rglob('*') if p.is_file()) == sorted([fields/'photos.csv', *overlays]) and overlays[0].parent.name == 'slide7'
    assert Image.open(overlays[1]).size == (field.shape[0], field.shape[1])
    assert [r['cells'] for r in csv.DictReader(open(fields/'photos.csv'))] == [str(len(centres))]*2
    assert '2 field photographs' in o.out and 'slide7' in o.out

def natural(size=(960, 1280)):
    "A photo of sky over grass"
    y = np.linspace(0, 1, size[0])[:, None, None]
    a = np.where(y < .55, [90, 150, 230] + 60*y, [60, 140, 50]) + np.random.default_rng(0).normal(0, 12, (*size, 3))
    return Image.fromarray(a.clip(0, 255).astype(np.uint8))

def thick(size=(600, 800)):
    "A thick smear: stained parasites and nuclei on a purple ground, no red cells"
    a = np.full((*size, 3), (170, 120, 190), np.uint8)
    for y in range(10, size[0] - 10, 14):
        for x in range(10, size[1] - 10, 14): a[y:y + 8, x:x + 8] = (70, 20, 100)
    return Image.fromarray(a)

def truncated(path:Path):
    "A JPEG cut off half way (a copy interrupted)"
    buf = io.BytesIO(); Image.fromarray(synth_field()[0]).save(buf, 'JPEG'); path.write_bytes(buf.getvalue()[:len(buf.getvalue())//2])

BAD = {'blank.jpg': (lambda p: Image.new('RGB', (1280, 960), (236, 238, 232)).save(p), 'not_a_cell', 'no field of red cells: 0 found'),
       'natural.jpg': (lambda p: natural().save(p), 'not_a_cell', 'no field of red cells'),
       'thick.png': (lambda p: thick().save(p), 'not_a_cell', 'too small for cells'),
       'blurred.png': (lambda p: Image.fromarray(synth_field()[0]).filter(ImageFilter.GaussianBlur(10)).save(p), 'not_a_cell', 'out of focus'),
       'grey.png': (lambda p: Image.fromarray(synth_field()[0]).convert('L').save(p), 'not_a_cell', 'no colour (a grayscale image)'),
       'truncated.jpg': (truncated, 'unreadable', 'image file is truncated'),
       'huge.png': (lambda p: p.write_bytes(_png_bomb(8000, 7000)), 'unreadable', 'too large: 8000x7000 px')}

@pytest.mark.parametrize('name', BAD)
def test_a_bad_photograph_is_skipped_with_its_reason(name, model, tmp_path, capsys):
    make, label, why = BAD[name]
    slide = tmp_path/'slide8'; slide.mkdir()
    Image.fromarray(synth_field()[0]).save(slide/'good.png'); make(slide/name)
    before = {p.name: p.read_bytes() for p in slide.iterdir()}
    rc, o, rows = screen(model, [slide], tmp_path/'cells.csv', capsys)
    assert rc == 0 and 'Traceback' not in o.err, o.err
    bad = [r for r in rows if r['file'].endswith(name)]
    assert [(r['label'], why in r['reason']) for r in bad] == [(label, True)], bad   # one row, saying why
    assert f"{slide/name}: " in o.out and why in o.out                                  # named on the screen too
    assert sum(r['file'].endswith('good.png') for r in rows) == len(synth_field()[1])  # the good one still screened
    assert {p.name: p.read_bytes() for p in slide.iterdir()} == before                  # the source untouched
