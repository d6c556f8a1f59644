"""Write one benchmark's section of BENCHMARKS.md, with the machine, the date, the commit and the command that produced
it; no machine paths. BENCHMARKS.md then leads with a generated summary of today's numbers (`SUMMARY`) and a contents
grouped by kind (`KINDS`); superseded sections (`SUPERSEDED`) move, unedited, to benchmarks/archive.md.
Usage: python benchmarks/record.py   (makes the paths already in BENCHMARKS.md portable, and rebuilds its summary and
contents)
"""
import datetime, os, platform, re, subprocess, sys
from pathlib import Path

BENCHMARKS = Path(__file__).resolve().parent.parent/'BENCHMARKS.md'
ARCHIVE = BENCHMARKS.parent/'benchmarks'/'archive.md'
# each back end's file in a run folder
MODEL_FILES = dict(pytorch='weights.pth', onnx_fp32='model.onnx', onnx_int8='model.int8.onnx')

def machine()->str:
    "One line describing this machine and the library versions"
    import torch, fastai
    mem = os.sysconf('SC_PAGE_SIZE')*os.sysconf('SC_PHYS_PAGES')/2**30
    gpu = torch.cuda.get_device_name(0) if torch.cuda.is_available() else 'no GPU'
    cpu = (
        re.search(r'^model name\s*: (.*)$', Path('/proc/cpuinfo').read_text(), re.M)
        if Path('/proc/cpuinfo').exists()
        else None
    )
    return (
        f"{platform.processor() or platform.machine()}{f' ({cpu[1]})' if cpu else ''}, {os.cpu_count()} cores, "
        f"{mem:.0f} GiB, {gpu}; "
        f"Python {platform.python_version()}, torch {torch.__version__}, fastai {fastai.__version__}"
    )

def stages(run:Path)->str:
    "A run's training stages from its timing.csv, e.g. 'head 1 ep 1.4 min, full 8 ep 19.3 min'"
    import csv
    with open(run / 'timing.csv') as f:
        return ', '.join(f"{r['stage']} {r['epochs']} ep {float(r['seconds']) / 60:.1f} min" for r in csv.DictReader(f))

def body(cfg)->str:
    "A run's architecture, with the blocks it kept (`train --blocks`): `efficientnet_lite0, 12 blocks`"
    return f"{cfg.arch}, {cfg.blocks} blocks" if cfg.blocks else cfg.arch

def train_or_resume(path:Path, cbs=(), **kw):
    ("The finished run at `path`: kept if finished, resumed from its checkpoint, else trained anew with "
     "`train(**kw)` (callbacks: `cbs` factories)")
    import shutil
    from malaria_fastai.run import Run
    from malaria_fastai.train import train, resume
    run = Run(path)
    if run.finished: return run
    if (run/'checkpoint.json').exists(): return resume(run, cbs=[f() for f in cbs], progress=False)
    if run.path.exists(): shutil.rmtree(run.path)  # stopped before its first checkpoint: it holds only its split
    return train(runs=run.path.parent, name=run.name, cbs=[f() for f in cbs], progress=False, **kw)

def portable(text:str)->str:
    ("`text` with this machine's paths made portable: the project's parent folder as `..`, temporary folders as "
     "`$TMPDIR`")
    text = re.sub(r"(?<![\w.])" + re.escape(str(BENCHMARKS.parent.parent)) + "/", "../", text)
    return re.sub(r"(?<![\w.])/(?:var/)?tmp/", "$TMPDIR/", text)

def table_rows(name:str)->dict:
    ("The table rows of the section `## name` in BENCHMARKS.md by their first cell: what a rerun keeps of runs no "
     "longer on disk")
    m = (
        re.search(rf"^## {re.escape(name)}\n(.*?)(?=^## |\Z)", BENCHMARKS.read_text(), re.S | re.M)
        if BENCHMARKS.exists()
        else None
    )
    # [2:]: past the header
    return {r.split('|')[1].strip(): r for r in re.findall(r'^\|.*\|$', m[1], re.M)[2:]} if m else {}

def commit()->str:
    "The repository's commit, `+` when the working tree differs from it: what a row was made with"
    git = lambda *a: subprocess.run(
        ['git', '-C', str(BENCHMARKS.parent), *a], capture_output=True, text=True
    ).stdout.strip()
    return (git('rev-parse', '--short', 'HEAD') or 'unknown') + (
        '+' if git('status', '--porcelain', '--untracked-files=no') else ''
    )

def record(name:str, body:str):
    ("Replace (or add) the section `## name` of BENCHMARKS.md with `body`, stamped with machine, date, commit and "
     "command")
    cmd = ' '.join(['python', os.path.relpath(sys.argv[0], BENCHMARKS.parent), *sys.argv[1:]])
    section = (
        f"## {name}\n\n- Command: `{cmd}`\n- Date: {datetime.date.today()}\n- Commit: {commit()}\n- Machine: "
        f"{machine()}\n\n"
        f"{body.strip()}\n"
    )
    text = BENCHMARKS.read_text() if BENCHMARKS.exists() else "# Benchmarks\n"
    pat = re.compile(rf"^## {re.escape(name)}\n.*?(?=^## |\Z)", re.S | re.M)
    text = pat.sub(lambda _: section + '\n', text) if pat.search(text) else text.rstrip() + '\n\n' + section
    write(BENCHMARKS, organise(portable(text)))
    print(portable(section))

def write(path:Path, text:str):
    "Write `text` to `path` atomically"
    tmp = path.with_suffix('.md.partial'); tmp.write_text(text); tmp.replace(path)

# What BENCHMARKS.md leads with: (what, section title or its start (the newest such section), first cell of the row,
# columns)
SUMMARY = [
    (
        'the default recipe (EfficientNet-Lite0, 64 px, 1+8 epochs)',
        'Exploration: efficientnet_lite0 recipes on one patient split',
        'default',
        ['test accuracy', 'ROC AUC'],
    ),
    (
        "the README's command in a fresh clone",
        "Run: efficientnet_lite0, 64 px, 1+8 epochs, patient split with test patients, the README's command",
        'accuracy',
        ['value', 'low', 'high'],
    ),
    (
        'best single model: Lite0 cut to 12 blocks, distilled from 3 default runs',
        'Distillation: `2026-11-24-lite0-b12-x3` from efficientnet_lite0 64 px, the 3-run ensemble',
        'student',
        ['test accuracy', 'test AUC', 'int8 size', 'cells/s'],
    ),
    (
        'small student: MobileNetV2-0.5',
        'Distillation: `2026-11-24-mobilenetv2_050-64px-e20-x3` from efficientnet_lite0 64 px, the 3-run ensemble',
        'student',
        ['test accuracy', 'test AUC', 'int8 size', 'cells/s'],
    ),
    (
        'peer: emfet 2.0 features and a random forest',
        'Peer baseline: emfet 2.0 features beside `default`',
        'emfet features',
        ['accuracy', 'ROC AUC'],
    ),
    (
        "the fastai study's protocol: a random 80/20 split of cells",
        "Random 80/20 cell split (the fastai study's protocol): recipe default",
        'accuracy',
        ['value', 'low', 'high'],
    ),
    (
        'patient calls on out-of-fold patients (the rule chosen there, checked on unseen folds)',
        'Patient calls:',
        "each fold's rule, chosen on the other folds",
        ['detection', 'specificity'],
    ),
    (
        'field photographs: annotated red cells found',
        'Field photographs: finding and screening the cells of the shared IML photographs',
        'annotated red cells found',
        ['value'],
    ),
    (
        'field photographs: `predict` photographs per minute (--jobs 1; 2)',
        'Field photographs: finding and screening the cells of the shared IML photographs',
        '`predict` on the folder',
        ['value'],
    ),
    (
        'web app: seconds from upload to result for 1,000 cells (`predict`: the same work)',
        'Web app: seconds from upload to result, beside `predict`',
        '1,000 cells in a zip',
        ['app, s', '`predict`, s'],
    ),
]

# The contents, by the start of each section's title
KINDS = {
    'Accuracy: runs and recipes': (
        'Run:',
        'Exploration',
        'Cross-validation',
        'Ensembles',
        'Random 80/20',
        'Exported Learner',
    ),
    'Accuracy: distillation and peers': ('Distillation', 'Peer baseline', 'Grad-CAM'),
    'Patient calls': ('Patient calls',),
    'Field photographs': ('Field photographs', "Another lab's cells"),
    'Screening speed and size': ('Inference', 'Speed', 'Screening at scale', 'Edge install'),
    'Training speed': ('Training', 'Loader throughput', 'lr_find'),
    'Web app': ('Web app',),
    'Robustness': ('Hardening', 'Not-a-cell'),
}

# Sections a later one replaced: kept, unedited, in benchmarks/archive.md
SUPERSEDED = {
    "Run: efficientnet_lite0, 64 px, 1+8 epochs, patient split with test patients, the README's command in a fresh "
    'clone of c23df2e',
    "Run: efficientnet_lite0, 64 px, 1+8 epochs, patient split with test patients, the README's command in a fresh "
    'clone of 1eaf374',
    "Another lab's cells without their labels: stain augmentation",
    "Patient calls: the floor's rule on out-of-fold patients, `2026-12-05-cv5-efficientnet_lite0-64px-e3`",
    "Run: efficientnet_lite0, 64 px, 1+8 epochs, patient split with test patients, the README's command in a fresh "
    'clone of 53877d6',
    'Training: efficientnet_lite0, pretrained, 64 px, 1+4 epochs, head 512',
    'Training: efficientnet_lite0, pretrained, 64 px, 1+8 epochs, head 512',
    'Run: efficientnet_lite0, 64 px, 1+8 epochs, patient split with test patients',
    'Run: efficientnet_lite0, 64 px, 1+8 epochs, patient split with test patients, rerun 2026-11-23',
    'Run: efficientnet_lite0, 64 px, 1+8 epochs, patient split with test patients, the walkthrough',
    'Run: efficientnet_lite0, 64 px, 1+8 epochs, patient split with test patients, the walkthrough, second run',
    'Run: efficientnet_lite0, 64 px, 1+8 epochs, patient split with test patients, the walkthrough, third run '
    '(label smoothing)',
    'Run: efficientnet_lite0, 64 px, 1+8 epochs, patient split with test patients, the walkthrough, fourth run '
    '(stain augmentation)',
    'Run: efficientnet_lite0, 64 px, 1+8 epochs, patient split with test patients, rerun in a fresh clone of 7eff199',
    'Run: efficientnet_lite0, 64 px, 1+8 epochs, patient split with test patients, in a fresh clone of d72987e',
    'Run: efficientnet_lite0, 64 px, 1+8 epochs, patient split with test patients, in a fresh clone of 0a9b215',
    "Run: efficientnet_lite0, 64 px, 1+8 epochs, patient split with test patients, the README's command in a "
    "fresh clone of 379aeb3",
    'Grad-CAM on stained parasite pixels: efficientnet_lite0, 64 px, run 2026-11-23-efficientnet_lite0-64px',
    'Grad-CAM on stained parasite pixels: efficientnet_lite0, 64 px, run 2026-11-23-efficientnet_lite0-64px-2',
    'Peer baseline: emfet 2.0 features beside `2026-11-23-efficientnet_lite0-64px-2`',
    'Peer baseline: emfet 2.0 features beside `2026-11-23-efficientnet_lite0-64px`',
    'Peer baseline: emfet 2.0 features beside `no-smoothing`',
    'Peer baseline: emfet 2.0 features beside `no-stain`',
}

GENERATED = '<!-- generated by benchmarks/record.py from the sections below: do not edit -->'

def sections(text:str)->list:
    "(title, whole section) of each `## ` section of `text`, in order"
    return [(m[1], m[0].rstrip() + '\n') for m in re.finditer(r"^## ([^\n]*)\n.*?(?=^## |\Z)", text, re.S | re.M)]

def anchor(title:str)->str:
    "GitHub's anchor for a heading"
    return re.sub(r'[^\w\- ]', '', title.lower()).replace(' ', '-')

def field(section:str, key:str)->str:
    "The value of a section's `- Key:` line, or '-'"
    return m[1] if (m := re.search(rf"^- {key}: (.*)$", section, re.M)) else '-'

def pick(secs:list, start:str, key:str, cols:list)->tuple:
    ("(section title, section, the cells `cols` of the row starting `key`) of the newest section whose title starts "
     "with `start`")
    found = [(t, s) for t, s in secs if t.startswith(start)]
    if not found: return None, None, ''
    t, s = max(found, key=lambda ts: field(ts[1], 'Date'))
    for table in re.findall(r"((?:^\|.*\|\n)+)", s, re.M):
        lines = table.splitlines(); head = [c.strip() for c in lines[0].strip('|').split('|')]
        for line in lines[2:]:
            cells = [c.strip() for c in line.strip('|').split('|')]
            if cells[0].startswith(key) and all(c in head for c in cols):
                v = {c: cells[head.index(c)] for c in cols}
                if cols == ['value', 'low', 'high']: return t, s, f"{v['value']} ({v['low']}-{v['high']})"
                return t, s, '; '.join(f"{c} {x}" if len(cols) > 1 else x for c, x in v.items())
    return t, s, ''

def organise(text:str)->str:
    "BENCHMARKS.md led by a summary of today's numbers and contents by kind; superseded sections moved to the archive"
    secs = sections(text)
    old = [(t, s) for t, s in secs if t in SUPERSEDED]
    if old:
        archive = (
            ARCHIVE.read_text()
            if ARCHIVE.exists()
            else (
                "# Benchmarks: superseded sections\n\nSections of BENCHMARKS.md that a later run replaced, kept as "
                "they were written; "
                "today's numbers are in [BENCHMARKS.md](../BENCHMARKS.md).\n"
            )
        )
        write(ARCHIVE, archive.rstrip() + '\n\n' + '\n'.join(s for _, s in old))
        secs = [(t, s) for t, s in secs if t not in SUPERSEDED]
    rows = []
    for what, start, key, cols in SUMMARY:
        t, s, value = pick(secs, start, key, cols)
        if t:
            rows.append(
                f"| [{what}](#{anchor(t)}) | {value} | {field(s, 'Date')} | {field(s, 'Commit')} | "
                f"{field(s, 'Command')} |"
            )
    toc = []
    for kind, starts in KINDS.items():
        mine = [t for t, _ in secs if t.startswith(starts)]
        if mine: toc += [f"- **{kind}**"] + [f"  - [{t}](#{anchor(t)})" for t in mine]
    rest = [t for t, _ in secs if not any(t.startswith(st) for sts in KINDS.values() for st in sts)]
    if rest: toc += ['- **Other**'] + [f"  - [{t}](#{anchor(t)})" for t in rest]
    head = (
        f"# Benchmarks\n\n{GENERATED}\n\nEvery number here is written by a script in `benchmarks/` (listed in "
        f"its README); rerun a "
        "section's command to reproduce it. Timings compare only within one section: hosts differ. Superseded "
        "sections: "
        "[benchmarks/archive.md](benchmarks/archive.md).\n\n## Today\n\n| what | value | date | commit | "
        "command |\n|---|---|---|---|---|\n"
        + '\n'.join(rows)
        + "\n\n## Contents\n\n"
        + '\n'.join(toc)
        + f"\n\n{GENERATED}\n"
    )
    return head + '\n' + '\n'.join(s for t, s in secs if t not in ('Today', 'Contents'))

if __name__ == '__main__':
    import argparse; argparse.ArgumentParser(description=__doc__.splitlines()[0]).parse_args()
    write(BENCHMARKS, organise(portable(BENCHMARKS.read_text())))
