"JupyterLab starts on localhost and answers; the tutorials run through the project's kernel (nbclient), the walkthrough on synthetic cells."
import os, socket, subprocess, sys, time, urllib.request
from pathlib import Path
import nbformat, pytest
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent
TUTORIALS = ROOT/'nbs'/'tutorials'

def free_port()->int:
    with socket.socket() as s: s.bind(('127.0.0.1', 0)); return s.getsockname()[1]

def get(url:str)->str: return urllib.request.urlopen(url, timeout=5).read().decode()

def test_jupyterlab_answers_on_localhost(tmp_path):
    port, token = free_port(), 'malaria-test'
    server = subprocess.Popen([Path(sys.executable).parent/'jupyter', 'lab', '--no-browser', '--allow-root', '--ip=127.0.0.1', f'--port={port}',
                               f'--IdentityProvider.token={token}', f'--ServerApp.root_dir={ROOT/"nbs"}'],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env={**os.environ, 'JUPYTER_RUNTIME_DIR': str(tmp_path)})
    try:
        page = None
        for _ in range(120):  # up to a minute for the server to start
            try: page = get(f'http://127.0.0.1:{port}/lab/tree/tutorials/review.ipynb?token={token}'); break
            except OSError: time.sleep(0.5)
        assert page and 'JupyterLab' in page
        assert '"python3"' in get(f'http://127.0.0.1:{port}/api/kernelspecs?token={token}')
        assert 'review.ipynb' in get(f'http://127.0.0.1:{port}/api/contents/tutorials?token={token}')
    finally:
        server.terminate(); server.wait(30)

@pytest.mark.parametrize('name', ['walkthrough', 'review'])
def test_tutorial_runs_through_the_kernel(name, monkeypatch, tmp_path):
    for k in ('WALKTHROUGH_DATA', 'REVIEW_RUN'): monkeypatch.delenv(k, raising=False)  # the small synthetic run
    monkeypatch.setenv('MPLBACKEND', 'module://matplotlib_inline.backend_inline')
    nb = nbformat.read(TUTORIALS/f'{name}.ipynb', as_version=4)
    where = tmp_path/'nbs'/'tutorials'; where.mkdir(parents=True)  # no ../../runs beside it: the review trains its stand-in, whatever runs/ holds
    NotebookClient(nb, timeout=600, kernel_name='python3', resources={'metadata': {'path': str(where)}}).execute()  # raises on any error
    outputs = [o for c in nb.cells if c.cell_type == 'code' for o in c.outputs]
    assert outputs and not [o for o in outputs if o.output_type == 'error']
