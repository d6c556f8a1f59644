"""The library notebooks' saved outputs: `run` executes them through the project's Jupyter kernel (on their fixture data) and saves
what each step produces, with third-party warnings and progress bars kept out; `check` lists outputs a reader should not see: a machine
path (a notebook's own temporary folders are examples, not machine paths), a progress bar, a warning or an error.

Usage: python tools/outputs.py run [NOTEBOOK ...]   (default: every notebook of nbs/ but index and the tutorials; then run nbdev-clean)
       python tools/outputs.py check [NOTEBOOK ...]  (default: every notebook of nbs/, tutorials included; exit 1 on a finding)
"""
import os, re, sys
from pathlib import Path
import nbformat

NBS = Path(__file__).resolve().parent.parent/'nbs'
MACHINE_PATH = re.compile(r"(?<![\w.])(/tmp/(?!tmp\w{8}/)|/var/folders/|/private/|/home/|/root/|/work/|/Users/|[A-Z]:\\\\)")  # a notebook's own tempfile folders are examples
WARNING = re.compile(r"\b\w+Warning\b|^WARNING", re.M)
TEXT_TYPES = ('text/plain', 'text/html', 'text/markdown', 'text/latex')  # images are not text: base64 may hold any letters

def output_texts(o)->list:
    "The text a reader sees in one output"
    if o.output_type == 'stream': return [o.text]
    if o.output_type == 'error': return ['\n'.join(o.traceback)]
    return [str(o.data[k]) for k in TEXT_TYPES if k in o.get('data', {})]

def findings(path:Path)->list:
    "What a reader should not see in a notebook's saved outputs: (cell number, what, excerpt)"
    found = []
    for i, c in enumerate(nbformat.read(path, as_version=4).cells):
        for o in c.get('outputs', []):
            if o.output_type == 'error': found.append((i, 'error', o.ename))
            for t in output_texts(o):
                if m := MACHINE_PATH.search(t): found.append((i, 'machine path', t[max(0, m.start() - 30):m.end() + 40]))
                if '<progress' in t or '\r' in t: found.append((i, 'progress bar', t[:80]))
                if m := WARNING.search(t): found.append((i, 'warning', t[max(0, m.start() - 30):m.end() + 50]))
    return found

QUIET = """import sys, warnings, logging
warnings.filterwarnings('ignore'); logging.getLogger().setLevel(logging.ERROR)
import fastprogress.fastprogress as fpp, fastai.vision.all, malaria_fastai.predict
from fastai.learner import defaults
defaults.callbacks = [c for c in defaults.callbacks if c.__name__ != 'ProgressCallback']
class NoBar:
    def __init__(self, it=(), *args, **kwargs): self.it = it
    def __iter__(self): return iter(self.it)
    def update(self, *args): pass
for m in [fpp, *[m for m in list(sys.modules.values()) if getattr(m, 'progress_bar', None) is fpp.progress_bar]]: m.progress_bar = NoBar
"""  # run first, then taken out: no third-party notice or progress bar in the saved outputs
SKIPPED = re.compile(r'^#\|\s*(slow|eval:\s*false)\s*$', re.M)  # as nbdev-test skips them

def run(path:Path):
    "Execute a notebook in place through the project's kernel, with figures inline; `#| slow` and `#| eval: false` cells are left as they are"
    from nbclient import NotebookClient
    nb = nbformat.read(path, as_version=4)
    skip = [c for c in nb.cells if c.cell_type == 'code' and SKIPPED.search(c.source)]
    for c in skip: c.metadata.setdefault('tags', []).append('skip-execution')
    nb.cells.insert(0, nbformat.v4.new_code_cell(QUIET))
    NotebookClient(nb, timeout=900, kernel_name='python3', resources={'metadata': {'path': str(path.parent)}}).execute()
    del nb.cells[0]
    for c in skip: c.metadata.tags.remove('skip-execution')
    nbformat.write(nb, path)
    print(f"ran {path.relative_to(NBS.parent)}")

if __name__ == '__main__':
    cmd, names = sys.argv[1], [Path(p).resolve() for p in sys.argv[2:]]
    if cmd == 'run':
        os.environ['MPLBACKEND'] = 'module://matplotlib_inline.backend_inline'
        for p in names or sorted(p for p in NBS.glob('*.ipynb') if p.name != 'index.ipynb'): run(p)
    else:
        bad = [(p, *f) for p in names or sorted(p for p in NBS.rglob('*.ipynb') if '.ipynb_checkpoints' not in p.parts) for f in findings(p)]
        for p, i, what, text in bad: print(f"{p.relative_to(NBS.parent)} cell {i}: {what}: {text!r}")
        sys.exit(1 if bad else 0)
