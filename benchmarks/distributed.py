"""One process against two (torchrun, gloo) training the same quick run on this machine's CPU cores: wall time from the
command's start, epochs' time, validation accuracy. Each process of the pair gets OMP_NUM_THREADS = cores / 2; the
single one all cores.
Usage: python benchmarks/distributed.py DATA [--max-cells 2000] [--epochs-full 2]
"""
import argparse, json, os, subprocess, sys, tempfile, time
from pathlib import Path
import pandas as pd
from record import record

def run(cmd, env):
    "Wall seconds of `cmd`; exits with its output if it fails"
    t = time.perf_counter(); r = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if r.returncode: sys.exit(r.stdout[-2000:] + r.stderr[-4000:])
    return time.perf_counter() - t

def main(data, max_cells, epochs_full):
    cores = os.cpu_count()
    opts = [
        'train',
        '--data',
        data,
        '--max-cells',
        str(max_cells),
        '--epochs-full',
        str(epochs_full),
        '--lr',
        '3e-3',
        '--no-evaluate',
    ]
    rows, wall = [], {}
    with tempfile.TemporaryDirectory() as d:
        for n in (1, 2):
            env = {**os.environ, 'OMP_NUM_THREADS': str(max(1, cores//n))}
            launch = (
                [sys.executable, '-m', 'torch.distributed.run', '--standalone', '--nproc_per_node', str(n)]
                if n > 1
                else [sys.executable]
            )
            secs = wall[n] = run([*launch, '-m', 'malaria_fastai.cli', *opts, '--runs', f'{d}/{n}'], env)
            folder = next(Path(d, str(n)).iterdir())
            timing, m = pd.read_csv(folder/'timing.csv'), json.loads((folder/'metrics.json').read_text())
            rows.append(
                f"| {n} | {max(1, cores // n)} | {secs / 60:.1f} min | "
                f"{', '.join(f'{r.stage} {r.seconds_per_epoch:.0f} s' for r in timing.itertuples())} | "
                f"{m['accuracy']:.2%} |"
            )
    record("Training in one process and in two (torchrun)", f""" `train --max-cells {max_cells} --epochs-full
    {epochs_full} --lr 3e-3` (EfficientNet-Lite0, ImageNet weights, 64 px, batch 64 per process) on `{Path(data).name}`,
    once in one process and once as two processes of `torchrun --standalone` (gloo) sharing each epoch.

| processes | threads each | whole command | seconds per epoch | validation accuracy |
|---:|---:|---:|---:|---:|
{chr(10).join(rows)}

Two processes took {wall[2]/wall[1]:.2f} times as long as one. They share the same {cores} cores: each does half
the batches with half the threads, and they exchange gradients after every batch. On N GPUs each process has its own.
""")

if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('data')
    p.add_argument('--max-cells', type=int, default=2000)
    p.add_argument('--epochs-full', type=int, default=2)
    a = p.parse_args(); main(a.data, a.max_cells, a.epochs_full)
