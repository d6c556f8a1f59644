"""JupyterLab starts on localhost and answers; saving a notebook there leaves it as committed (nbdev's save hook); every notebook names
its kernel; the tutorials run through the project's kernel (nbclient), the walkthrough on synthetic cells."""
import json, os, shutil, socket, subprocess, sys, time, urllib.request
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

@pytest.mark.parametrize('nb', sorted((ROOT/'nbs').rglob('*.ipynb')), ids=lambda p: p.name)
def test_every_notebook_names_its_kernel(nb):
    "JupyterLab opens it without asking for a kernel"
    assert json.loads(nb.read_text())['metadata'].get('kernelspec', {}).get('name') == 'python3'

def test_opening_and_saving_in_jupyterlab_leaves_the_notebook_as_committed(tmp_path):
    "tools/lab.sh's JupyterLab: a notebook saved back with what JupyterLab adds (language_info, execution counts) is unchanged"
    shutil.copy(ROOT/'pyproject.toml', tmp_path); shutil.copytree(ROOT/'nbs', tmp_path/'nbs')  # a copy: nothing in the repository is written
    port, token, name = free_port(), 'malaria-test', '03_evaluate.ipynb'
    server = subprocess.Popen(['bash', ROOT/'tools'/'lab.sh', '--no-browser', '--ip=127.0.0.1', f'--port={port}', f'--IdentityProvider.token={token}'],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                              env={**os.environ, 'JUPYTER_RUNTIME_DIR': str(tmp_path/'runtime'), 'NOTEBOOK_DIR': str(tmp_path/'nbs')})
    url = f'http://127.0.0.1:{port}/api/contents/{name}?token={token}'
    try:
        model = None
        for _ in range(120):
            try: model = json.loads(get(url)); break
            except OSError: time.sleep(0.5)
        assert model, 'JupyterLab did not answer'
        nb = model['content']
        nb['metadata']['language_info'] = {'name': 'python', 'version': '3.11.7'}
        for i, c in enumerate(c for c in nb['cells'] if c['cell_type'] == 'code'): c['execution_count'] = i + 1
        req = urllib.request.Request(url, method='PUT', data=json.dumps(dict(type='notebook', content=nb)).encode())
        urllib.request.urlopen(req, timeout=30).read()
        assert (tmp_path/'nbs'/name).read_text() == (ROOT/'nbs'/name).read_text()
    finally:
        server.terminate(); server.wait(30)

@pytest.mark.parametrize('name', ['walkthrough', 'review', 'resnet', 'fields', 'new_site'])
def test_tutorial_runs_through_the_kernel(name, monkeypatch, tmp_path):
    for k in ('WALKTHROUGH_DATA', 'REVIEW_RUN', 'RESNET_DATA', 'RESNET_WEIGHTS', 'FIELDS_MODEL', 'MALARIA_FIELDS', 'NEW_SITE_PARENT'):
        monkeypatch.delenv(k, raising=False)  # the small synthetic run
    monkeypatch.setenv('MPLBACKEND', 'module://matplotlib_inline.backend_inline')
    execute_tutorial(name, tmp_path)

def execute_tutorial(name:str, tmp_path:Path):
    "Run the tutorial `name` through the project's kernel, in a folder of `tmp_path`; fail on any error"
    nb = nbformat.read(TUTORIALS/f'{name}.ipynb', as_version=4)
    # no ../../runs beside it: the review trains its stand-in, whatever runs/ holds
    where = tmp_path/'nbs'/'tutorials'; where.mkdir(parents=True)
    NotebookClient(nb, timeout=600, kernel_name='python3', resources={'metadata': {'path': str(where)}}).execute()
    outputs = [o for c in nb.cells if c.cell_type == 'code' for o in c.outputs]
    assert outputs and not [o for o in outputs if o.output_type == 'error']

def test_the_review_takes_a_new_site_run(synth, monkeypatch, tmp_path):
    "The review's label-review loop on a run fine-tuned on another site's own cells (`train --init`), as on any run"
    from malaria_fastai.data import synth_cells
    from malaria_fastai.train import train
    opts = dict(bs=16, epochs_full=1, test_pct=0.25, n_workers=0, progress=False)
    parent = train(synth, tmp_path/'runs', arch='resnet18', size=32, pretrained='no', **opts)
    site = train(synth_cells(tmp_path/'site'/'cell_images', n_patients=8, cells=6), tmp_path/'runs', init=parent.path, **opts)
    assert site.config.init == str(parent.path.resolve())
    monkeypatch.setenv('REVIEW_RUN', str(site.path)); monkeypatch.setenv('MPLBACKEND', 'module://matplotlib_inline.backend_inline')
    execute_tutorial('review', tmp_path)
