"""Render nbs/index.ipynb to README.md, as `nbdev-readme` would without Quarto.

nbdev-readme renders through Quarto, whose PyPI package downloads its binary at build time; this keeps the
same contract (index.ipynb is the source, README.md is generated) with fastcore's notebook reader.
Cells marked `#| hide` are left out, `#|` directive lines are dropped, code goes in fences, and text outputs
follow their cell. Usage: python tools/readme.py [--check]   (--check: exit 1 if README.md is out of date)
"""
import sys
from pathlib import Path
from fastcore.nbio import read_nb

ROOT = Path(__file__).resolve().parent.parent

def _directives(src:str)->tuple:
    "The `#|` directive lines of a cell, and the rest of its source"
    lines = src.splitlines()
    return [l for l in lines if l.startswith('#|')], '\n'.join(l for l in lines if not l.startswith('#|')).strip()

def _outputs(cell)->str:
    texts = [''.join(o.get('text', '')) if o.get('output_type') == 'stream' else ''.join(o.get('data', {}).get('text/plain', ''))
             for o in cell.get('outputs', [])]
    return '\n'.join(t.rstrip() for t in texts if t.strip())

def render(nb_path:Path=ROOT/'nbs'/'index.ipynb')->str:
    "README.md text for the notebook at `nb_path`"
    parts = []
    for cell in read_nb(nb_path).cells:
        dirs, src = _directives(cell.source)
        if any('hide' in d for d in dirs) or not src: continue
        if cell.cell_type == 'markdown': parts.append(src)
        else:
            parts.append(f"```python\n{src}\n```")
            if out := _outputs(cell): parts.append(f"```\n{out}\n```")
    return '<!-- Generated from nbs/index.ipynb by tools/readme.py: edit the notebook, not this file. -->\n\n' + '\n\n'.join(parts) + '\n'

if __name__ == '__main__':
    text, readme = render(), ROOT/'README.md'
    if '--check' in sys.argv:
        if not readme.exists() or readme.read_text() != text: sys.exit('README.md is out of date: run python tools/readme.py')
    else: readme.write_text(text)
