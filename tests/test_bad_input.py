"Each kind of bad input: a skip-with-report naming the file, or a clear error; never a traceback, never a write to the source."
import subprocess, sys, zipfile
from pathlib import Path
import numpy as np, pandas as pd, pytest
from PIL import Image
from malaria_fastai.cli import main
from malaria_fastai.data import write_bad_images, load_cell, find_data, DataError
from malaria_fastai.run import load_split
from conftest import snapshot

def run_report(root, out):
    "Run `malaria-fastai data` on `root`; return its exit status, split table and skipped table"
    rc = main(['data', '--data', str(root), '--out', str(out), '--test-pct', '0.2'])
    if rc: return rc, None, None
    return rc, load_split(out/'split.csv'), pd.read_csv(out/'skipped.csv')

BAD = ['empty', 'truncated', 'text', 'bomb']

@pytest.mark.parametrize('kind', BAD)
def test_unreadable_image_is_skipped_and_reported(kind, synth, tmp_path):
    bad = {k: n for n, k in write_bad_images(tmp_path/'bad').items()}
    target = synth/'Parasitized'/bad[kind]
    target.write_bytes((tmp_path/'bad'/bad[kind]).read_bytes())
    before = snapshot(synth)
    rc, split, skipped = run_report(synth, tmp_path/'out')
    assert rc == 0
    row = skipped[skipped.file == f'Parasitized/{bad[kind]}']
    assert len(row) == 1 and row.problem.iloc[0], skipped
    assert f'Parasitized/{bad[kind]}' not in set(split.file)
    assert snapshot(synth) == before

def test_non_image_files_are_skipped_and_counted(synth, tmp_path):
    for c in ('Parasitized', 'Uninfected'): (synth/c/'Thumbs.db').write_bytes(b'\0'*512)
    rc, split, skipped = run_report(synth, tmp_path/'out')
    assert rc == 0
    assert sorted(skipped.file) == ['Parasitized/Thumbs.db', 'Uninfected/Thumbs.db']
    assert set(skipped.problem) == {'not an image file'}
    assert (tmp_path/'out'/'summary.md').read_text().count('not an image file') == 1

@pytest.mark.parametrize('mode', ['L', 'P', 'RGBA', 'I;16'])
def test_other_png_modes_become_8bit_rgb(mode, synth, tmp_path):
    src = Image.open(next((synth/'Uninfected').glob('*.png'))).convert('RGB')
    img = Image.fromarray(np.asarray(src.convert('L')).astype(np.uint16)*257) if mode == 'I;16' else src.convert(mode)
    name = f'C250ThinF_mode_cell_{mode[0]}.png'
    img.save(synth/'Uninfected'/name)
    assert Image.open(synth/'Uninfected'/name).mode == mode
    rc, split, skipped = run_report(synth, tmp_path/'out')
    assert rc == 0 and f'Uninfected/{name}' in set(split.file) and len(skipped) == 0
    cell = load_cell(synth/'Uninfected'/name, 64)
    assert (cell.mode, cell.size, np.asarray(cell).dtype) == ('RGB', (64, 64), np.uint8)
    assert np.asarray(cell).max() > 100  # 16-bit values are scaled down, not clipped to white or black

def test_missing_class_folder_is_a_clear_error(synth, tmp_path, capsys):
    import shutil; shutil.rmtree(synth/'Uninfected')
    assert main(['data', '--data', str(synth), '--out', str(tmp_path/'out')]) == 2
    assert f'Class folder missing: {synth/"Uninfected"}' in capsys.readouterr().err
    assert not (tmp_path/'out').exists()

def test_empty_class_folder_is_a_clear_error(synth, tmp_path, capsys):
    for f in (synth/'Parasitized').iterdir(): f.unlink()
    assert main(['data', '--data', str(synth), '--out', str(tmp_path/'out')]) == 2
    assert f'Class folder has no images: {synth/"Parasitized"}' in capsys.readouterr().err

def test_unsafe_zip_is_refused_and_nothing_extracted(synth, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv('FASTAI_HOME', str(tmp_path/'home'))
    zp = tmp_path/'cell_images.zip'
    with zipfile.ZipFile(zp, 'w') as z:
        for f in synth.rglob('*.png'): z.write(f, f'cell_images/{f.relative_to(synth)}')
        z.writestr('cell_images/../../escaped.png', b'x')
    assert main(['data', '--data', str(zp), '--out', str(tmp_path/'out')]) == 2
    assert 'unsafe member' in capsys.readouterr().err
    assert not (tmp_path/'escaped.png').exists()
    assert not (tmp_path/'home'/'data').exists() or not any((tmp_path/'home'/'data').iterdir())

def test_broken_zip_leaves_nothing_half_extracted(synth, tmp_path, monkeypatch):
    monkeypatch.setenv('FASTAI_HOME', str(tmp_path/'home'))
    zp = tmp_path/'cell_images.zip'
    with zipfile.ZipFile(zp, 'w', zipfile.ZIP_STORED) as z:
        for f in sorted(synth.rglob('*.png')): z.write(f, f'cell_images/{f.relative_to(synth)}')
    data = bytearray(zp.read_bytes()); data[len(data)//2] ^= 0xFF  # corrupt one member's bytes: CRC check fails mid-way
    zp.write_bytes(bytes(data))
    with pytest.raises(DataError, match='Not a readable zip'): find_data(zp)
    assert [p.name for p in (tmp_path/'home'/'data').iterdir()] == []

def test_zip_is_extracted_once_and_source_untouched(synth, tmp_path, monkeypatch):
    monkeypatch.setenv('FASTAI_HOME', str(tmp_path/'home'))
    zp = tmp_path/'cell_images.zip'
    with zipfile.ZipFile(zp, 'w') as z:
        for f in synth.rglob('*'): z.write(f, f'cell_images/{f.relative_to(synth)}')
        z.writestr('cell_images/Parasitized/Thumbs.db', b'x')
    before = zp.stat().st_mtime_ns
    rc, split, skipped = run_report(zp, tmp_path/'out')
    assert rc == 0 and list(skipped.file) == ['Parasitized/Thumbs.db']
    assert [p.name[:12] for p in (tmp_path/'home'/'data').iterdir()] == ['cell_images-']  # named by the zip's digest
    assert next((tmp_path/'home'/'data').iterdir()).joinpath('Parasitized').is_dir()
    assert zp.stat().st_mtime_ns == before

def test_command_line_errors_have_no_traceback(tmp_path):
    exe = Path(sys.executable).parent/'malaria-fastai'
    r = subprocess.run([exe, 'data', '--data', str(tmp_path/'nowhere')], capture_output=True, text=True, timeout=300)
    assert r.returncode == 2 and 'does not exist' in r.stderr and 'Traceback' not in r.stderr
    r = subprocess.run([exe, 'data', '--help'], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0 and '--valid-pct' in r.stdout
