"Two CPU processes (torchrun, gloo) train one run: the folder a single process makes, each process its own share of every epoch; a Ctrl-C stops both, and --resume finishes the run. Two processes train the folds of one cross-validation in parallel."
import json, os, signal, subprocess, sys, time
from pathlib import Path
import pandas as pd
from malaria_fastai.run import Run

QUICK = ['--arch', 'efficientnet_lite0', '--size', '32', '--bs', '8', '--epochs-head', '1', '--epochs-full', '1', '--no-evaluate']  # both stages, lr_find
LOGGED = """import sys
from fastai.distributed import DistributedDL
from malaria_fastai.cli import main
get_idxs = DistributedDL.get_idxs
def logged(self):
    "fastai's share of the epoch for this rank, written down"
    idxs = get_idxs(self)
    with open(f"{sys.argv[1]}/rank{self.rank}.txt", "a") as f: f.write(" ".join(map(str, idxs)) + "\\n")
    return idxs
DistributedDL.get_idxs = logged
sys.exit(main(sys.argv[2:]))
"""

def test_two_cpu_processes_train_one_run(synth, tmp_path):
    (tmp_path/'logged.py').write_text(LOGGED)
    env = {**os.environ, 'OMP_NUM_THREADS': '1', 'PYTHONPATH': str(Path(__file__).parent.parent)}
    r = subprocess.run([sys.executable, '-m', 'torch.distributed.run', '--standalone', '--nproc_per_node', '2', tmp_path/'logged.py', tmp_path,
                        'train', '--data', synth, '--runs', tmp_path/'two', *QUICK], capture_output=True, text=True, timeout=600, env=env)
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-4000:]
    assert r.stdout.count('Run: ') == 1  # rank 0 alone reports
    r1 = subprocess.run([sys.executable, '-m', 'malaria_fastai.cli', 'train', '--data', synth, '--runs', tmp_path/'one', *QUICK],
                        capture_output=True, text=True, timeout=600, env=env)
    assert r1.returncode == 0, r1.stderr[-4000:]
    two, one = (next((tmp_path/d).iterdir()) for d in ('two', 'one'))
    assert Run(two).finished and sorted(p.name for p in two.iterdir()) == sorted(p.name for p in one.iterdir())
    assert len(pd.read_csv(two/'history.csv')) == len(pd.read_csv(one/'history.csv')) == 2 and (two/'lr_find.png').exists()
    shares = [[set(map(int, line.split())) for line in open(tmp_path/f'rank{k}.txt')] for k in (0, 1)]
    assert len(shares[0]) == len(shares[1]) >= 4  # train and valid, each epoch of each stage
    for a, b in zip(*shares): assert a and len(a & b) <= 1  # disjoint shares (one item may repeat to even them out)

def test_ctrl_c_stops_both_processes_and_resume_finishes_the_run(synth, tmp_path):
    env = {**os.environ, 'OMP_NUM_THREADS': '1'}
    launch = [sys.executable, '-m', 'torch.distributed.run', '--standalone', '--nproc_per_node', '2', '-m', 'malaria_fastai.cli', 'train']
    opts = ['--arch', 'resnet18', '--pretrained', 'no', '--size', '32', '--bs', '8', '--epochs-full', '20', '--no-evaluate']
    p = subprocess.Popen([*launch, '--data', synth, '--runs', tmp_path/'runs', *opts], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    ckpt = lambda: next((tmp_path/'runs').glob('*/checkpoint.json'), None)
    for _ in range(600):  # up to 5 minutes for the first epoch's checkpoint
        if (c := ckpt()) and json.loads(c.read_text())['epochs_done'] >= 1: break
        time.sleep(0.5)
    p.send_signal(signal.SIGINT)  # Ctrl-C
    assert p.wait(120) != 0
    assert subprocess.run(['pgrep', '-f', str(tmp_path/'runs')], capture_output=True).returncode == 1  # no process left behind
    run = ckpt().parent; assert not Run(run).finished
    r = subprocess.run([*launch, '--resume', run, '--no-evaluate'], capture_output=True, text=True, timeout=600, env=env)
    assert r.returncode == 0, r.stderr[:3000] + '\n...\n' + r.stderr[-3000:]  # the first rank to fail says why near the top
    assert Run(run).finished and len(pd.read_csv(run/'history.csv')) == 20

def test_two_processes_train_the_folds_of_one_cv_in_parallel(synth, tmp_path):
    env = {**os.environ, 'OMP_NUM_THREADS': '1'}
    cv = [sys.executable, '-m', 'malaria_fastai.cli', 'cv', '--data', synth, '--runs', tmp_path, '--name', 'par', '--folds', '2',
          '--arch', 'resnet18', '--pretrained', 'no', '--size', '32', '--bs', '8', '--epochs-full', '1']
    procs = [subprocess.Popen([*cv, '--only-fold', str(k)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env) for k in (1, 2)]
    outs = [p.communicate(timeout=600) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], [e[-3000:] for _, e in outs]
    assert [f'Fold {k} is done' in o for k, (o, _) in zip((1, 2), outs)] == [True, True]
    par = tmp_path/'par'
    assert [Run(par/f'fold-{k}').finished for k in (1, 2)] == [True, True] and not Run(par).finished
    r = subprocess.run([sys.executable, '-m', 'malaria_fastai.cli', 'cv', '--resume', par], capture_output=True, text=True, timeout=600, env=env)
    assert r.returncode == 0 and 'Cross-validation: ' in r.stdout, r.stderr[-3000:]
    assert Run(par).config.members == ['fold-1', 'fold-2'] and pd.read_csv(par/'oof.csv').fold.nunique() == 2
