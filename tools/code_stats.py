"""How the codebase is shaped, measured from the notebooks and the generated package (no torch needed).

Prints: export-cell lengths (median, 90th percentile, longest), exported names with no cell using them
before the next export cell, `cfg['` reads outside the run module, the import graph between the package's
modules with its cycles and upward imports (a module importing one from a later notebook), what
`import malaria_fastai.predict` pulls in, and the lines over 120 characters in the package and benchmarks/. Exits 1
when a rule is broken: an unused export, a cycle, an upward import, a `cfg['` read, torch/fastai/pandas imported by
the predictor, or a long line.
Usage: python tools/code_stats.py
"""
import ast, json, re, statistics, subprocess, sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PKG, NBS = ROOT/'malaria_fastai', ROOT/'nbs'

def cells(nb:Path)->list:
    "(kind, source) of each cell: kind is 'export', 'code' or 'markdown'"
    out = []
    for c in json.loads(nb.read_text())['cells']:
        src = ''.join(c['source'])
        kind = 'export' if c['cell_type'] == 'code' and re.match(r'#\|\s*export\b', src) else c['cell_type']
        out.append((kind, src))
    return out

def defined(src:str)->list:
    "Public names an export cell defines: functions, classes, and methods added with @patch"
    names = []
    for node in ast.parse(src).body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)) and not node.name.startswith('_'): names.append(node.name)
    return names

def export_cells()->list:
    "(notebook, lines, names, used) for every export cell but each notebook's imports"
    res = []
    for nb in sorted(NBS.glob('*.ipynb')):
        cs = cells(nb)
        first = next((i for i, (k, _) in enumerate(cs) if k == 'export'), None)
        for i, (kind, src) in enumerate(cs):
            if kind != 'export' or i == first: continue
            after = []
            for k, s in cs[i+1:]:
                if k == 'export': break
                if k == 'code': after.append(s)
            names = defined(src)
            used = {n: any(re.search(rf'\b{n}\b', s) for s in after) for n in names}
            res.append((nb.name, len(src.splitlines()) - 1, names, used))
    return res

def imports(py:Path)->set:
    "The package modules `py` imports, at the top or inside a function"
    mods = set()
    for node in ast.walk(ast.parse(py.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            name = node.module if node.level == 0 else f'malaria_fastai.{node.module}'
            if name.startswith('malaria_fastai.'): mods.add(name.split('.')[1])
        elif isinstance(node, ast.Import):
            mods |= {a.name.split('.')[1] for a in node.names if a.name.startswith('malaria_fastai.')}
    return mods - {py.stem}

def module_order()->list:
    "The package's modules in notebook order"
    order = []
    for nb in sorted(NBS.glob('*.ipynb')):
        m = re.search(r'#\|\s*default_exp\s+([\w.]+)', nb.read_text())
        if m: order.append(m[1])
    return order

def cycles(graph:dict)->list:
    "Every module from which an import path leads back to itself"
    def reach(m, seen):
        for n in graph.get(m, ()):
            if n not in seen: seen.add(n); reach(n, seen)
        return seen
    return sorted(m for m in graph if m in reach(m, set()))

MAX_LINE = 120

def long_lines()->list:
    "Lines over `MAX_LINE` characters in the package and benchmarks/ (nbdev's generated `__all__` and `_modidx` aside)"
    out = []
    for p in sorted([*PKG.glob('*.py'), *(ROOT/'benchmarks').glob('*.py')]):
        if p.name == '_modidx.py': continue
        in_all = False
        for i, l in enumerate(p.read_text().splitlines(), 1):
            in_all = l.startswith('__all__ = [') or (in_all and not l.startswith('__all__') and l.startswith(' '))
            if len(l) > MAX_LINE and not in_all: out.append(f"{p.relative_to(ROOT)}:{i}")
    return out

def main()->int:
    bad = []
    ec = export_cells()
    lines = sorted(n for _, n, _, _ in ec)
    print(f"Export cells (each notebook's imports left out): {len(ec)}; lines median {statistics.median(lines)}, "
          f"90th percentile {lines[int(.9*(len(lines)-1))]}, longest {lines[-1]}")
    for nb, n, names, _ in sorted(ec, key=lambda e: -e[1])[:5]: print(f"  {n:3d} lines  {nb}: {', '.join(names)}")
    unused = [f"{nb}: {n}" for nb, _, _, used in ec for n, u in used.items() if not u]
    print(f"Exported names with no cell using them before the next export cell: {unused or 'none'}"); bad += unused
    reads = {p.name: len(re.findall(r"cfg\['", p.read_text())) for p in PKG.glob('*.py') if p.name != 'run.py'}  # as `grep -c "cfg\['"` would
    print(f"cfg['...'] reads outside run.py: {sum(reads.values())}"); bad += [k for k, v in reads.items() if v]
    order = module_order()
    graph = {p.stem: imports(p) for p in PKG.glob('*.py') if p.stem in order}
    print("Imports between modules (notebook order):")
    for m in order: print(f"  {m:8} <- {', '.join(sorted(graph[m], key=order.index)) or '-'}")
    cyc = cycles(graph)
    up = [f"{m} imports {n}" for m in order for n in graph[m] if order.index(n) > order.index(m)]
    print(f"Cycles: {cyc or 'none'}; upward imports: {up or 'none'}"); bad += cyc + up
    r = subprocess.run([sys.executable, '-c', "import sys, malaria_fastai.predict; print(' '.join(m for m in ('torch', 'fastai', 'pandas', 'sklearn') if m in sys.modules))"],
                       capture_output=True, text=True, check=True)
    heavy = r.stdout.split()
    print(f"import malaria_fastai.predict also imports: {heavy or 'none of torch, fastai, pandas, scikit-learn'}"); bad += heavy
    long = long_lines()
    print(f"Lines over {MAX_LINE} characters in the package and benchmarks/: {long or 'none'}"); bad += long
    return 1 if bad else 0

if __name__ == '__main__': sys.exit(main())
