"""A distilled run beside its teacher on the same test patients: accuracy and AUC with patient-bootstrap intervals,
agreement, int8 model size, and the 5,000-cell count's cells/s.
Usage: python benchmarks/distill.py STUDENT [--cells 5000] STUDENT: a run trained with `malaria-fastai train --teacher
RUN` (which evaluates it); both runs exported (`export-onnx`)
"""
import argparse
from pathlib import Path
import pandas as pd
from malaria_fastai.run import Run
from malaria_fastai.evaluate import metrics_table
from record import record, body
from speed import count

HEADER = ('| model | run | architecture | int8 size | test accuracy | test AUC | sensitivity | specificity '
          '| agreement with the teacher | cells/s |\n'
          '|---|---|---|---:|---:|---:|---:|---:|---:|---:|')

def interval(m:pd.DataFrame, k:str, pct:bool=True)->str:
    "Metric `k` of a `metrics_table` with its 95% interval"
    v, lo, hi = m.value[k], m.low[k], m.high[k]
    return f"{v:.2%} ({lo:.2%}-{hi:.2%})" if pct else f"{v:.4f} ({lo:.4f}-{hi:.4f})"

def main(student:str, cells:int):
    s = Run(student); t = Run(s.config.teacher['run'])
    preds = [pd.read_csv(r/'test_preds.csv') for r in (t, s)]
    both = preds[1].merge(preds[0][['file', 'prob_parasitized']], on='file', suffixes=('', '_teacher'))
    if not len(both) == len(preds[0]) == len(preds[1]):
        raise SystemExit("the two runs were not scored on the same test cells")
    y, patients = (both.label == 'Parasitized').to_numpy(), both.patient.to_numpy()
    files = [Path(s.config.data)/f for f in s.split.file[:cells]]
    rows = []
    for role, run, prob in (('teacher', t, both.prob_parasitized_teacher), ('student', s, both.prob_parasitized)):
        m = metrics_table(y, prob.to_numpy(), patients)
        agree = ((prob >= .5) == (both.prob_parasitized_teacher >= .5)).mean()
        onnx = run/'model.int8.onnx'
        rows.append(
            f"| {role} | `{run.name}` | {body(run.config)}, {run.config.size} px | {onnx.stat().st_size / 1e6:.2f} "
            f"MB | {interval(m, 'accuracy')} | "
            f"{interval(m, 'roc_auc', False)} | {m.value['sensitivity']:.2%} | {m.value['specificity']:.2%} | "
            f"{agree:.2%} | {len(files) / count(str(onnx), files, 1):,.0f} |"
        )
        print(rows[-1], flush=True)
    kd = s.config.teacher
    kind = 'fold' if t.is_cv else 'run'  # `cv`'s folds, else runs of one split (`malaria-fastai ensemble`)
    teacher = f"{t.config.arch} {t.config.size} px" + (
        f", the {len(t.config.members)}-{kind} ensemble" if t.config.members else ''
    )
    c = s.config
    command = (f"malaria-fastai train --teacher {t.name} --arch {c.arch} --pretrained {'yes' if c.pretrained else 'no'}"
               f"{f' --blocks {c.blocks}' if c.blocks else ''} --size {c.size} --head-width {c.head_width} "
               f"--epochs-full {c.epochs_full} --max-hue {c.max_hue:g} --max-saturation {c.max_saturation:g}")
    record(f"Distillation: `{s.name}` from {teacher}", f"""
The student `{s.name}` was trained by `{command}` (temperature {kd['t']}, the teacher's share of the loss
{kd['weight']}; label smoothing {s.config.smoothing:g}; {s.config.epochs_head}+{s.config.epochs_full} epochs) on the
teacher's split:
both scored on the same {len(both):,} cells of {len(set(patients))} test patients that neither saw. Intervals: 95%,
resampling patients. Size: the int8 ONNX file. Cells/s: `malaria-fastai predict` over {len(files):,} cells from process
start, `--jobs 1`, all cores.

{HEADER}
{chr(10).join(rows)}
""")

if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('student'); p.add_argument('--cells', type=int, default=5000)
    a = p.parse_args()
    main(a.student, a.cells)
