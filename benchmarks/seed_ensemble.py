"""Finished runs of one split as one ensemble run folder, the shape of `cv`'s fold ensemble: the runs linked in as members,
the model their mean probability. `evaluate`, `export-onnx` and `train --teacher` take it. Made to measure whether an
ensemble of training seeds teaches a better student (BENCHMARKS.md, "Distillation: ...").
Usage: python benchmarks/seed_ensemble.py RUN RUN ... --dest FOLDER
"""
import argparse, os
from pathlib import Path
from malaria_fastai.run import Run, RunConfig, save_split

def main(runs:list, dest:str):
    runs = [Run(r) for r in runs]; first = runs[0]
    if len({r.config.split_fingerprint for r in runs}) > 1: raise SystemExit("the runs were not trained on the same split")
    d = Path(dest); d.mkdir(parents=True)
    names = [f'member-{i+1}' for i in range(len(runs))]
    for n, r in zip(names, runs): os.symlink(r.path.resolve(), d/n)
    save_split(first.split, d/'split.csv')
    Run(d).save_config(RunConfig.from_dict({**first.config.to_dict(), 'members': names, 'floor': None}))
    print(f"{d}: the mean probability of {', '.join(r.name for r in runs)}")

if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('runs', nargs='+'); p.add_argument('--dest', required=True)
    a = p.parse_args()
    main(a.runs, a.dest)
