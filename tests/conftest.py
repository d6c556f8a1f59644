import os, shutil
from pathlib import Path
import pytest
from malaria_fastai.data import synth_cells

@pytest.fixture(scope='session')
def synth_master(tmp_path_factory):
    "A synthetic NIH-like set, made once; tests copy it before changing anything"
    return synth_cells(tmp_path_factory.mktemp('synth')/'cell_images', n_patients=5, cells=4)

@pytest.fixture
def synth(synth_master, tmp_path):
    "A fresh copy of the synthetic set that a test may add files to"
    return Path(shutil.copytree(synth_master, tmp_path/'cell_images'))

@pytest.fixture(scope='session')
def real_root():
    "The real NIH images named by $MALARIA_DATA (CI sets it); tests using it are skipped without it"
    p = os.getenv('MALARIA_DATA')
    if not p: pytest.skip('MALARIA_DATA is not set: real-data tests skipped')
    return Path(p)

def snapshot(folder:Path)->dict:
    "Every path under `folder` with its size and modification time, to show nothing was written"
    return {p: (p.stat().st_size, p.stat().st_mtime_ns) for p in sorted(Path(folder).rglob('*'))}
