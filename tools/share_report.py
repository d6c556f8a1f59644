"""Copy a run's report into a folder that can be committed: text, tables and the figures that show no cell images.

The NIH cell images may not be redistributed with this project, so the figures made of cell crops (top losses,
Grad-CAM, label review) stay in the run folder; their links in the copied report say how to make them.
Usage: python tools/share_report.py RUN DEST
"""
import argparse, re, shutil
from pathlib import Path

COPIED = ['evaluation.json', 'per_patient.csv', 'config.json', 'metrics.json', 'history.csv', 'timing.csv',
          'confusion_matrix.png', 'roc.png', 'parasitemia.png', 'learning_curves.png', 'lr_find.png']
CELL_FIGURES = ['top_losses.png', 'gradcam.png', 'label_review.png']

def share_report(run:Path, dest:Path):
    "Copy the shareable files of `run` to `dest`; replace links to cell-image figures with a note"
    missing = [f for f in ['report.md', *COPIED] if not (run/f).exists()]
    if missing: raise SystemExit(f"{run} lacks {', '.join(missing)}: is it an evaluated run folder?")
    dest.mkdir(parents=True, exist_ok=True)
    for f in COPIED: shutil.copyfile(run/f, dest/f)
    report = (run/'report.md').read_text()
    for f in CELL_FIGURES:
        note = f"*(`{f}` shows NIH cell images, which this repository does not redistribute: `malaria-fastai evaluate RUN` writes it.)*"
        report = re.sub(rf"!\[[^\]]*\]\({re.escape(f)}\)", lambda _: note, report)
    (dest/'report.md').write_text(report)
    print(f"{run} -> {dest}: report.md and {len(COPIED)} files")

if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('run', type=Path); p.add_argument('dest', type=Path)
    a = p.parse_args()
    share_report(a.run, a.dest)
