"Training and evaluation through the command line: offline weights fallback, resume after a crash, a run folder with every file."
import json, os, subprocess, sys
from pathlib import Path
import pandas as pd, pytest
from fastai.callback.core import Callback
from malaria_fastai.cli import main
from malaria_fastai.run import Run
from malaria_fastai.train import train, RunCheckpoint

EXE = Path(sys.executable).parent/'malaria-fastai'
QUICK = ['--size', '32', '--bs', '16', '--epochs-full', '1']

def offline_env(tmp_path):
    "No torch hub cache, and any download goes to a dead proxy: offline even on a connected machine"
    return {**os.environ, 'TORCH_HOME': str(tmp_path/'torch_home'), 'HTTPS_PROXY': 'http://127.0.0.1:9', 'https_proxy': 'http://127.0.0.1:9',
            'HTTP_PROXY': 'http://127.0.0.1:9', 'http_proxy': 'http://127.0.0.1:9'}

def test_pretrained_auto_falls_back_to_scratch_offline(synth, tmp_path):
    r = subprocess.run([EXE, 'train', '--data', str(synth), '--runs', str(tmp_path/'runs'), '--arch', 'resnet18', *QUICK, '--no-evaluate'],
                       capture_output=True, text=True, env=offline_env(tmp_path), timeout=600)
    assert r.returncode == 0, r.stderr
    assert 'could not be had' in r.stdout and 'trained from scratch' in r.stdout
    cfg = json.loads((next((tmp_path/'runs').iterdir())/'config.json').read_text())
    assert cfg['pretrained'] is False and 'could not be had' in cfg['note']
    assert cfg['epochs_head'] == 0  # the from-scratch recipe: one stage

def test_pretrained_yes_fails_clearly_offline(synth, tmp_path):
    r = subprocess.run([EXE, 'train', '--data', str(synth), '--runs', str(tmp_path/'runs'), '--arch', 'resnet18', '--pretrained', 'yes', *QUICK],
                       capture_output=True, text=True, env=offline_env(tmp_path), timeout=600)
    assert r.returncode == 2 and 'could not be had' in r.stderr and 'Traceback' not in r.stderr
    assert not any((tmp_path/'runs').glob('*/config.json'))

class Crash(Callback):
    "Fail after the first trained epoch of stage 2, once the checkpoint is written"
    order = RunCheckpoint.order + 1
    def after_epoch(self):
        if self.final_record and not hasattr(self.learn, 'lr_finder') and self.learn.opt.frozen_idx == 0: raise RuntimeError('power cut')

def test_resume_continues_the_interrupted_stage(synth, tmp_path):
    with pytest.raises(RuntimeError, match='power cut'):
        train(synth, tmp_path/'runs', arch='efficientnet_lite0', size=32, bs=16, epochs_full=2, test_pct=0.2, cbs=[Crash()], n_workers=0, progress=False)
    run = next((tmp_path/'runs').iterdir())
    assert not (run/'config.json').exists() and (run/'last.pth').exists()
    assert main(['train', '--resume', str(run)]) == 0
    hist = pd.read_csv(run/'history.csv')
    assert hist.stage.tolist() == ['head', 'full', 'full'] and hist.epoch.tolist() == [0, 0, 1]
    assert {'config.json', 'weights.pth', 'model.pkl', 'metrics.json', 'report.md', 'evaluation.json'} <= {p.name for p in run.iterdir()}
    assert not {'last.pth', 'best.pth', 'checkpoint.json'} & {p.name for p in run.iterdir()}

def test_training_errors_are_clear(synth, tmp_path, capsys):
    assert main(['train', '--data', str(synth), '--monitor', 'f1']) == 2
    assert main(['train', '--resume', str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert '--monitor' in err and 'no checkpoint.json' in err

def test_relative_data_path_trains_and_evaluates(synth, tmp_path):
    "`--data` relative to the working folder: config.json records it absolute and the evaluation at the end reads the test cells"
    r = subprocess.run([EXE, 'train', '--data', synth.name, '--runs', 'runs', '--arch', 'resnet18', *QUICK, '--test-pct', '0.2'],
                       capture_output=True, text=True, cwd=tmp_path, env=offline_env(tmp_path), timeout=600)
    assert r.returncode == 0, r.stderr
    run = next((tmp_path/'runs').iterdir())
    assert json.loads((run/'config.json').read_text())['data'] == str(synth.resolve())
    assert (run/'report.md').exists() and len(pd.read_csv(run/'test_preds.csv')) > 0

def test_cut_down_student_resumes_and_two_runs_export_as_one_model(synth, tmp_path):
    "`--blocks` is in config.json, so a resumed run rebuilds the same cut-down model; `ensemble` makes two runs of one split one ONNX model"
    opts = dict(arch='efficientnet_lite0', blocks=5, size=32, bs=16, epochs_full=2, test_pct=0.2, n_workers=0, progress=False)
    with pytest.raises(RuntimeError, match='power cut'): train(synth, tmp_path/'runs', name='cut', cbs=[Crash()], **opts)
    assert main(['train', '--resume', str(tmp_path/'runs'/'cut'), '--no-evaluate']) == 0
    cut = Run(tmp_path/'runs'/'cut')
    assert cut.config.blocks == 5 and len(cut.model()[0].model.blocks) == 5
    other = train(synth, tmp_path/'runs', name='cut-seed1', train_seed=1, **opts)
    assert main(['ensemble', str(cut), str(other), '--runs', str(tmp_path/'ens'), '--name', 'pair']) == 0
    ens = tmp_path/'ens'/'pair'
    assert (ens/'report.md').exists() and json.loads((ens/'config.json').read_text())['members'] == ['../../runs/cut', '../../runs/cut-seed1']
    assert main(['export-onnx', str(ens)]) == 0
    parity = json.loads((ens/'onnx_parity.json').read_text())
    assert parity['onnx_fp32']['agreement_with_pytorch'] == 1

def test_first_screen_is_the_message_alone(tmp_path):
    "`--help` prints no warning, and the no-data error is its message alone: no deprecation notice, no progress-bar character"
    env = {k: v for k, v in os.environ.items() if k != 'MALARIA_DATA'} | dict(HOME=str(tmp_path), MALARIA_DATA_URL='http://127.0.0.1:9/cell_images.zip')
    run = lambda *a: subprocess.run([sys.executable, '-m', 'malaria_fastai.cli', *a], capture_output=True, text=True, env=env, cwd=tmp_path, timeout=300)
    r = run('train', '--help')
    assert r.returncode == 0 and r.stderr == '' and r.stdout.startswith('usage: malaria-fastai train')
    r = run('train', '--runs', str(tmp_path/'runs'))
    assert r.returncode == 2 and r.stderr.startswith('malaria-fastai train: No malaria cell images found'), r.stderr
    assert 'Warning' not in r.stderr and '\u2588' not in r.stderr
