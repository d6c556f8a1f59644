"The shared NIH subset (140 patients): run when $MALARIA_DATA points at it, as CI does."
import pandas as pd, pytest
from malaria_fastai.loaders import data_report
from malaria_fastai.data import load_split, split_cells

@pytest.fixture(scope='session')
def report(real_root, tmp_path_factory):
    "The dataset report on the real data, made once (scans and decodes every image)"
    out = tmp_path_factory.mktemp('real_report')
    return data_report(real_root, out, test_pct=0.1), load_split(out/'split.csv')

def test_patients_and_cells(report):
    s, _ = report
    assert (s['cells'], s['patients']) == (18_603, 140)
    assert s['per_class'].loc['Parasitized', 'patients'] == 105
    assert s['per_class'].cells.to_dict() == {'Parasitized': 9_008, 'Uninfected': 9_595}
    assert s['unnamed_files'] == 0

def test_patient_split_keeps_each_patient_on_one_side(report):
    _, split = report
    assert split.groupby('patient').split.nunique().max() == 1
    assert set(split.split) == {'train', 'valid', 'test'}

def test_patient_split_keeps_class_balance(report):
    s, split = report
    overall = 100*(split.label == 'Parasitized').mean()
    assert (s['splits'].parasitized_pct - overall).abs().max() <= 2, s['splits']

def test_split_fractions(report):
    _, split = report
    frac = split.split.value_counts(normalize=True)
    assert abs(frac['test'] - 0.1) < 0.03 and abs(frac['valid'] - 0.2) < 0.04, frac

def test_random_split_leaks_patients(report):
    "The tutorials' cell-level split puts most patients on both sides: why the default is by patient"
    _, split = report
    rnd = split.assign(split=split_cells(split, by='random'))
    assert (rnd.groupby('patient').split.nunique() > 1).mean() > 0.9
