"Export to ONNX and screen cells through the command line; the .onnx path runs with torch, fastai and pandas unimportable."
import csv, json, subprocess, sys
from pathlib import Path
import pytest
from malaria_fastai.cli import main
from malaria_fastai.train import train
from malaria_fastai.data import write_bad_images

@pytest.fixture(scope='module')
def exported(synth_master, tmp_path_factory):
    "A fixture run at 64 px, exported to fp32 and int8 ONNX through the command line"
    out = tmp_path_factory.mktemp('runs')
    run = train(synth_master, out, arch='efficientnet_lite0', size=64, bs=16, epochs_full=1, lr=1e-3, test_pct=0.2, n_workers=0, progress=False)
    assert main(['export-onnx', str(run)]) == 0
    return run

def test_export_writes_models_with_metadata_and_parity(exported):
    assert (exported/'model.onnx').exists() and (exported/'model.int8.onnx').exists()
    par = json.loads((exported/'onnx_parity.json').read_text())
    assert par['onnx_fp32']['agreement_with_pytorch'] == 1.0 and par['onnx_int8']['cells'] == par['pytorch']['cells']

def test_onnx_predict_without_torch(exported, synth, tmp_path):
    write_bad_images(synth/'Uninfected')  # unreadable files mixed in
    code = ("import sys\nfor m in ('torch', 'torchvision', 'fastai', 'pandas', 'sklearn', 'scipy', 'timm'): sys.modules[m] = None\n"
            "from malaria_fastai.cli import main\n"
            f"sys.exit(main(['predict', {str(exported/'model.int8.onnx')!r}, {str(synth)!r}, '--csv', {str(tmp_path/'cells.csv')!r}]))")
    r = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    rows = list(csv.DictReader(open(tmp_path/'cells.csv')))
    assert len(rows) == len(list((synth/'Parasitized').iterdir())) + len(list((synth/'Uninfected').glob('*.png')))
    assert sum(r['label'] == 'unreadable' and r['reason'] != '' for r in rows) == 4  # every file has its row; the unreadable ones say why
    assert set(rows[0]) == {'file', 'slide', 'prob_parasitized', 'label', 'reason', 'box'} and rows[0]['box'] == ''  # box: in a photograph
    assert 'Skipped 4 unreadable files' in r.stdout and 'parasitemia' in r.stdout

def test_not_an_onnx_model_is_a_clear_error(tmp_path, capsys):
    (tmp_path/'x.onnx').write_text('nope')
    assert main(['predict', str(tmp_path/'x.onnx'), str(tmp_path)]) == 2
    assert 'not a readable ONNX model' in capsys.readouterr().err
