"""Copy a run's report into a folder that can be committed (such as docs/example_run/): text, tables and figures, machine paths removed.

The figures made of cell crops (top losses, Grad-CAM, label review) show a few dozen NIH/NLM malaria cell images each; the
copied report credits them. The data files themselves are never copied.
Usage: python tools/share_report.py RUN DEST
"""
import argparse, json, shutil
from pathlib import Path

TEXT = ['report.md', 'evaluation.json', 'per_patient.csv', 'config.json', 'metrics.json', 'history.csv', 'timing.csv']
FIGURES = ['confusion_matrix.png', 'roc.png', 'parasitemia.png', 'learning_curves.png', 'lr_find.png', 'top_losses.png', 'gradcam.png', 'label_review.png']
CREDIT = ("*Cell images in the figures: NIH/NLM malaria cell-image set (Rajaraman et al. 2018, PeerJ 6:e4568), "
          "a few dozen crops per figure. Folder names are shortened to their last part.*\n\n")

def share_report(run:Path, dest:Path):
    "Copy the report, tables and figures of `run` to `dest`, with the run and data folders named by their last part only"
    missing = [f for f in TEXT + FIGURES if not (run/f).exists()]
    if missing: raise SystemExit(f"{run} lacks {', '.join(missing)}: is it an evaluated run folder?")
    data = Path(json.loads((run/'config.json').read_text())['data'])
    dest.mkdir(parents=True, exist_ok=True)
    for f in FIGURES: shutil.copyfile(run/f, dest/f)
    for f in TEXT:
        text = (run/f).read_text().replace(str(run.resolve()), run.name).replace(str(data), data.name)
        (dest/f).write_text(CREDIT + text if f == 'report.md' else text)
    print(f"{run} -> {dest}: {len(TEXT)} text files and {len(FIGURES)} figures")

if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('run', type=Path); p.add_argument('dest', type=Path)
    a = p.parse_args()
    share_report(a.run, a.dest)
