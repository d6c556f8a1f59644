"""Edge install size: a new virtual environment with the base package only (the ONNX predictor, no torch).

Optionally screens cells with an exported model in that environment, to show it works there.
Usage: python benchmarks/edge_install.py [--model RUN/model.int8.onnx --cells FOLDER]
"""
import argparse, subprocess, sys, tempfile, venv
from pathlib import Path
from record import record

ROOT = Path(__file__).resolve().parent.parent

def mib(p:Path)->float: return sum(f.stat().st_size for f in p.rglob('*') if f.is_file())/2**20

def main(model, cells):
    with tempfile.TemporaryDirectory() as d:
        env = Path(d)/'venv'
        venv.create(env, with_pip=True)
        py = env/'bin'/'python'
        site = Path(
            subprocess.check_output(
                [py, '-c', 'import sysconfig; print(sysconfig.get_paths()["purelib"])'], text=True
            ).strip()
        )
        before, venv_own = mib(site), set(site.iterdir())
        subprocess.run([py, '-m', 'pip', 'install', '-q', '--disable-pip-version-check', str(ROOT)], check=True)
        pkgs = sorted(((mib(p), p.name) for p in set(site.iterdir()) - venv_own if p.is_dir()), reverse=True)
        has = subprocess.run(
            [
                py,
                '-c',
                'import importlib.util as u; print([m for m in ("torch", "fastai", "pandas") if u.find_spec(m)])',
            ],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        lines = [
            f"Installed by `pip install malaria-fastai` (no extras) into a new venv: **{mib(site) - before:,.0f} "
            f"MiB** "
            f"(the venv's own pip and setuptools excluded); torch, fastai or pandas present: {has}.\n",
            "| largest folders it added to site-packages | MiB |",
            "|---|---:|",
            *[f"| {n} | {s:,.0f} |" for s, n in pkgs[:6]],
        ]
        if model:
            out = Path(d)/'cells.csv'
            r = subprocess.run(
                [env / 'bin' / 'malaria-fastai', 'predict', model, cells, '--out', str(out)],
                capture_output=True,
                text=True,
            )
            if r.returncode: sys.exit(f"predict failed in the edge venv:\n{r.stdout}\n{r.stderr}")
            lines += [
                '',
                f"`malaria-fastai predict {Path(model).name} {cells}` in that venv: "
                f"{len(out.read_text().splitlines()) - 1:,} cells "
                f"written; its summary:\n",
                '```',
                *r.stdout.strip().splitlines()[-8:],
                '```',
            ]
    record("Edge install", '\n'.join(lines))

if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--model'); p.add_argument('--cells')
    a = p.parse_args()
    main(a.model, a.cells)
