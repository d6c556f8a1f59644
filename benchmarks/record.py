"""Write one benchmark's section of BENCHMARKS.md, with the machine, the date and the command that produced it; no machine paths.
Usage: python benchmarks/record.py   (makes the paths already in BENCHMARKS.md portable)
"""
import datetime, os, platform, re, sys
from pathlib import Path

BENCHMARKS = Path(__file__).resolve().parent.parent/'BENCHMARKS.md'
MODEL_FILES = dict(pytorch='weights.pth', onnx_fp32='model.onnx', onnx_int8='model.int8.onnx')  # each back end's file in a run folder

def machine()->str:
    "One line describing this machine and the library versions"
    import torch, fastai
    mem = os.sysconf('SC_PAGE_SIZE')*os.sysconf('SC_PHYS_PAGES')/2**30
    gpu = torch.cuda.get_device_name(0) if torch.cuda.is_available() else 'no GPU'
    cpu = re.search(r'^model name\s*: (.*)$', Path('/proc/cpuinfo').read_text(), re.M) if Path('/proc/cpuinfo').exists() else None
    return (f"{platform.processor() or platform.machine()}{f' ({cpu[1]})' if cpu else ''}, {os.cpu_count()} cores, {mem:.0f} GiB, {gpu}; "
            f"Python {platform.python_version()}, torch {torch.__version__}, fastai {fastai.__version__}")

def stages(run:Path)->str:
    "A run's training stages from its timing.csv, e.g. 'head 1 ep 1.4 min, full 8 ep 19.3 min'"
    import csv
    with open(run/'timing.csv') as f: return ', '.join(f"{r['stage']} {r['epochs']} ep {float(r['seconds'])/60:.1f} min" for r in csv.DictReader(f))

def body(cfg)->str:
    "A run's architecture, with the blocks it kept (`train --blocks`): `efficientnet_lite0, 12 blocks`"
    return f"{cfg.arch}, {cfg.blocks} blocks" if cfg.blocks else cfg.arch

def train_or_resume(path:Path, cbs=(), **kw):
    "The finished run at `path`: kept if finished, resumed from its checkpoint, else trained anew with `train(**kw)` (callbacks: `cbs` factories)"
    import shutil
    from malaria_fastai.run import Run
    from malaria_fastai.train import train, resume
    run = Run(path)
    if run.finished: return run
    if (run/'checkpoint.json').exists(): return resume(run, cbs=[f() for f in cbs], progress=False)
    if run.path.exists(): shutil.rmtree(run.path)  # stopped before its first checkpoint: it holds only its split
    return train(runs=run.path.parent, name=run.name, cbs=[f() for f in cbs], progress=False, **kw)

def portable(text:str)->str:
    "`text` with this machine's paths made portable: the project's parent folder as `..`, temporary folders as `$TMPDIR`"
    text = re.sub(r"(?<![\w.])" + re.escape(str(BENCHMARKS.parent.parent)) + "/", "../", text)
    return re.sub(r"(?<![\w.])/(?:var/)?tmp/", "$TMPDIR/", text)

def table_rows(name:str)->dict:
    "The table rows of the section `## name` in BENCHMARKS.md by their first cell: what a rerun keeps of runs no longer on disk"
    m = re.search(rf"^## {re.escape(name)}\n(.*?)(?=^## |\Z)", BENCHMARKS.read_text(), re.S | re.M) if BENCHMARKS.exists() else None
    return {r.split('|')[1].strip(): r for r in re.findall(r'^\|.*\|$', m[1], re.M)[2:]} if m else {}  # [2:]: past the header

def record(name:str, body:str):
    "Replace (or add) the section `## name` of BENCHMARKS.md with `body`, stamped with machine, date and command"
    cmd = ' '.join(['python', os.path.relpath(sys.argv[0], BENCHMARKS.parent), *sys.argv[1:]])
    section = (f"## {name}\n\n- Command: `{cmd}`\n- Date: {datetime.date.today()}\n- Machine: {machine()}\n\n{body.strip()}\n")
    text = BENCHMARKS.read_text() if BENCHMARKS.exists() else "# Benchmarks\n\nEvery number here is written by a script in `benchmarks/`; rerun its command to reproduce it.\n"
    pat = re.compile(rf"^## {re.escape(name)}\n.*?(?=^## |\Z)", re.S | re.M)
    text = pat.sub(lambda _: section + '\n', text) if pat.search(text) else text.rstrip() + '\n\n' + section
    tmp = BENCHMARKS.with_suffix('.md.partial')
    tmp.write_text(portable(text)); tmp.replace(BENCHMARKS)
    print(portable(section))

if __name__ == '__main__':
    import argparse; argparse.ArgumentParser(description=__doc__.splitlines()[0]).parse_args()
    BENCHMARKS.write_text(portable(BENCHMARKS.read_text()))
