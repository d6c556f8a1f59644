"A run folder written before `Run` existed (tests/fixtures/old_run) still evaluates, exports and predicts through the command line."
import csv, json, shutil
from pathlib import Path
import pytest
from malaria_fastai.cli import main
from malaria_fastai.data import synth_cells

FIXTURE = Path(__file__).parent/'fixtures'/'old_run'

@pytest.fixture
def old_run(tmp_path):
    "A copy of the fixture run, its config pointing at its synthetic cells made again (same seed, same files)"
    run = Path(shutil.copytree(FIXTURE, tmp_path/'old_run'))
    cells = synth_cells(tmp_path/'cell_images', n_patients=5, cells=4)
    cfg = json.loads((run/'config.json').read_text())
    (run/'config.json').write_text(json.dumps({**cfg, 'data': str(cells)}))
    return run, cells

def test_old_run_config_has_no_new_fields():
    cfg = json.loads((FIXTURE/'config.json').read_text())
    assert cfg['head_width'] == 512 and 'extra' not in cfg and 'lr_find' not in cfg

def test_old_run_evaluates_exports_and_predicts(old_run, tmp_path):
    run, cells = old_run
    assert main(['evaluate', str(run), '--n-boot', '50']) == 0
    assert (run/'report.md').exists() and json.loads((run/'evaluation.json').read_text())['cells'] > 0
    assert main(['export-onnx', str(run)]) == 0
    assert (run/'model.onnx').exists() and (run/'model.int8.onnx').exists()
    for model in (run, run/'weights.pth', run/'model.onnx'):
        assert main(['predict', str(model), str(cells), '--csv', str(tmp_path/'cells.csv'), '--overwrite']) == 0
        assert len(list(csv.DictReader(open(tmp_path/'cells.csv')))) == 60

def test_old_run_gets_a_model_pkl_that_gives_its_answers_the_fastai_way(old_run, tmp_path):
    "`evaluate` writes the old run a model.pkl; load_learner's predict and test_dl give test_preds.csv and the fp32 ONNX model's answers"
    import warnings
    from fastai.learner import load_learner
    run, cells = old_run
    assert main(['evaluate', str(run), '--n-boot', '0']) == 0 and main(['export-onnx', str(run), '--no-int8']) == 0
    preds = {r['file']: float(r['prob_parasitized']) for r in csv.DictReader(open(run/'test_preds.csv'))}
    assert main(['predict', str(run/'model.onnx'), *preds, '--csv', str(tmp_path/'onnx.csv')]) == 0
    onnx = {r['file']: float(r['prob_parasitized']) for r in csv.DictReader(open(tmp_path/'onnx.csv')) if r['prob_parasitized']}
    with warnings.catch_warnings():
        warnings.simplefilter('ignore'); learn = load_learner(run/'model.pkl')  # written by this test's own evaluate
    with learn.no_bar():
        one = {f: float(learn.predict(f)[2][0]) for f in list(preds)[:4]}
        many = dict(zip(preds, learn.get_preds(dl=learn.dls.test_dl(list(preds)))[0][:, 0].tolist()))
    assert max(abs(one[f] - preds[f]) for f in one) < 1e-4 and max(abs(many[f] - preds[f]) for f in preds) < 1e-4
    assert onnx and max(abs(many[f] - p) for f, p in onnx.items()) < 1e-4
