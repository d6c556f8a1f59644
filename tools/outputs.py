"""The library notebooks' saved outputs: `run` executes them through the project's Jupyter kernel (on their fixture data) and saves
what each step produces; `check` lists outputs a reader should not see: a machine path, a progress-bar stream, a warning or an error.

Usage: python tools/outputs.py run [NOTEBOOK ...]   (default: every notebook of nbs/ but index; then run nbdev-clean)
       python tools/outputs.py check [NOTEBOOK ...]  (default: every notebook of nbs/, tutorials included; exit 1 on a finding)
"""
import os, re, sys
from pathlib import Path
import nbformat

NBS = Path(__file__).resolve().parent.parent/'nbs'
MACHINE_PATH = re.compile(r"(?<![\w.])(/tmp/|/var/folders/|/private/|/home/|/root/|/work/|/Users/|[A-Z]:\\\\)")
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
            if o.output_type == 'stream' and o.name == 'stderr': found.append((i, 'stderr stream (a warning or log)', o.text[:80]))
            for t in output_texts(o):
                if m := MACHINE_PATH.search(t): found.append((i, 'machine path', t[max(0, m.start() - 30):m.end() + 40]))
                if '<progress' in t or '\r' in t: found.append((i, 'progress bar', t[:80]))
                if re.search(r'\w+Warning\b', t): found.append((i, 'warning', t[:80]))
    return found

def run(path:Path):
    "Execute a notebook in place through the project's kernel, with figures inline"
    from nbclient import NotebookClient
    nb = nbformat.read(path, as_version=4)
    NotebookClient(nb, timeout=900, kernel_name='python3', resources={'metadata': {'path': str(path.parent)}}).execute()
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
