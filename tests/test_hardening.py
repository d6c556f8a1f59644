"""Hostile and careless input through the command line (issue #15): each case gets a clear refusal or a skip-with-report naming the
path, never a traceback, never a write over an input. docs/failures.md lists every case with its outcome."""
import csv, json, os, shutil, zipfile
from pathlib import Path
import pytest, torch
from PIL import Image
from malaria_fastai.cli import main
from malaria_fastai.data import _png_bomb, synth_cells
from malaria_fastai.train import train
from conftest import snapshot

def cli(capsys, *argv)->tuple:
    "Run `malaria-fastai ARGV` in this process: (exit status, stdout, stderr)"
    rc = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    assert 'Traceback' not in out + err
    return rc, out, err

@pytest.fixture(scope='module')
def tiny(synth_master, tmp_path_factory):
    "A seconds-long finished run (ResNet-18 from scratch at 32 px) with an fp32 ONNX export"
    from malaria_fastai.export import export_fp32
    run = train(synth_master, tmp_path_factory.mktemp('runs'), arch='resnet18', size=32, bs=16, epochs_full=1, pretrained='no',
                test_pct=0.25, n_workers=0, progress=False)
    export_fp32(run)
    return run

def copy_run(run, dest:Path)->Path:
    "A copy of a run folder that a test may damage"
    return Path(shutil.copytree(run, dest/run.name))

# --- 5 and 10: arguments are checked before any data is read, and no run folder is started
@pytest.mark.parametrize('args, msg', [
    (['--max-cells', '0'], '--max-cells must be at least 1'), (['--max-cells', '-5'], '--max-cells must be at least 1'),
    (['--lr', '-1'], '--lr must be positive'), (['--bs', '0'], '--bs must be 1 to 4096'),
    (['--bs', '-1'], '--bs must be 1 to 4096'),
    (['--head-width', '0'], '--head-width must be 1 to'), (['--head-width', '1000000000'], '--head-width must be 1 to'),
    (['--size', '200000'], '--size must be 32 to 1024'), (['--bs', '100000000'], '--bs must be 1 to 4096'),  # #38 19
    (['--weights', 'missing.pth'], 'missing.pth'),
    (['--valid-pct', '1.5'], '--valid-pct'), (['--split', 'cells'], '--split'),
    (['--max-hue', '0.9'], '--max-hue must be 0 to 0.5'), (['--max-saturation', '1'], '--max-saturation must be at least 0 and below 1'),
    (['--blocks', '0'], '--blocks must be at least 1')])
def test_bad_training_arguments_are_refused_before_any_work(args, msg, tmp_path, capsys):
    rc, out, err = cli(capsys, 'train', '--data', tmp_path/'no data here', '--runs', tmp_path/'runs', *args)
    assert rc == 2 and msg in err and not (tmp_path/'runs').exists()

def test_bad_recipes_are_refused_before_any_work(tmp_path, capsys):
    (tmp_path/'typo.json').write_text('{"epochs": 3}'); (tmp_path/'small.json').write_text('{"size": 8}'); (tmp_path/'list.json').write_text('[1]')
    (tmp_path/'text.json').write_text('{"size": "96"}')
    for recipe, msg in [('huge', 'neither a recipe (default'), (tmp_path/'typo.json', 'epochs is not an option a recipe can set'),
                        (tmp_path/'small.json', '--size must be 32 to 1024'),
                        (tmp_path/'list.json', 'not a JSON object'),
                        (tmp_path/'text.json', "size is '96', not int")]:
        rc, out, err = cli(capsys, 'train', '--data', tmp_path/'no data here', '--runs', tmp_path/'runs', '--recipe', recipe)
        assert rc == 2 and msg in err and not (tmp_path/'runs').exists(), (recipe, err)

def test_ensembles_that_cannot_be_one_model_are_refused(tiny, tmp_path, capsys):
    for members, msg in [([tiny], 'needs two or more finished runs'), ([tiny, tmp_path], f'not finished runs (no config.json): {tmp_path}')]:
        rc, out, err = cli(capsys, 'ensemble', *members, '--runs', tmp_path/'ens')
        assert rc == 2 and msg in err and not (tmp_path/'ens').exists(), err

def test_too_few_patients_is_a_clear_error(tmp_path, capsys):
    few = synth_cells(tmp_path/'cell_images', n_patients=1, cells=4)
    rc, out, err = cli(capsys, 'data', '--data', few, '--out', tmp_path/'report')
    assert rc == 2 and 'patients' in err

def test_unreadable_class_folder_is_a_clear_error(synth, tmp_path, capsys, monkeypatch):
    real = Path.iterdir
    def iterdir(self):
        if self.name == 'Uninfected': raise PermissionError(13, 'Permission denied', str(self))
        return real(self)
    monkeypatch.setattr(Path, 'iterdir', iterdir)  # root reads any folder, so the denial is simulated
    rc, out, err = cli(capsys, 'data', '--data', synth, '--out', tmp_path/'report')
    assert rc == 2 and 'Cannot read the class folder' in err and 'Uninfected' in err

@pytest.mark.parametrize('command', ['data', 'predict', 'evaluate'])
def test_output_that_cannot_be_written_is_refused_first(command, tiny, synth, tmp_path, capsys):
    blocker = tmp_path/'a file'; blocker.write_text('not a folder')
    argv = {'data': ['data', '--data', synth, '--out', blocker/'report'],
            'predict': ['predict', tiny/'model.onnx', synth, '--csv', blocker/'cells.csv'],
            'evaluate': ['evaluate', tiny, '--out', blocker/'eval']}[command]
    rc, out, err = cli(capsys, *argv)
    assert rc == 2 and 'cannot write there' in err and blocker.read_text() == 'not a folder'

def test_target_sensitivity_out_of_range_is_refused(tiny, capsys):
    for t in ('0', '1.5'):
        rc, out, err = cli(capsys, 'evaluate', tiny, '--target-sensitivity', t)
        assert rc == 2 and '--target-sensitivity must be above 0 and at most 1' in err

# --- 1 and 2: nothing overwritten, no untrusted code run
def test_predict_never_writes_over_an_input(tiny, synth, capsys):
    img = next((synth/'Parasitized').iterdir())
    before = snapshot(synth)
    for dest in (img, tiny/'model.onnx', synth/'cells.csv'):
        rc, out, err = cli(capsys, 'predict', tiny/'model.onnx', synth, '--csv', dest)
        assert rc == 2 and ('over or inside an input' in err or 'must be a .csv file' in err)
    assert snapshot(synth) == before

def test_resume_refuses_a_checkpoint_that_runs_code(tiny, tmp_path, capsys):
    run = copy_run(tiny, tmp_path)
    (run/'config.json').unlink()
    (run/'checkpoint.json').write_text(json.dumps(dict(config=json.loads((tiny/'config.json').read_text()), stage='full', epochs_done=1, epochs=[dict(stage='full', seconds=1.0)])))
    class Evil:
        def __reduce__(self): return (os.system, (f'touch {tmp_path/"pwned"}',))
    torch.save({'model': Evil()}, run/'last.pth')
    rc, out, err = cli(capsys, 'train', '--resume', run)
    assert rc == 2 and not (tmp_path/'pwned').exists()

def test_pickled_model_needs_trust_pickle(tiny, synth, tmp_path, capsys):
    run = copy_run(tiny, tmp_path)
    (run/'weights.pth').unlink()
    rc, out, err = cli(capsys, 'predict', run/'model.pkl', synth, '--csv', tmp_path/'cells.csv')
    assert rc == 2 and '--trust-pickle' in err

# --- 3: a zip is never mistaken for another one extracted before
def test_another_zip_is_not_mistaken_for_the_first(synth, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv('FASTAI_HOME', str(tmp_path/'fastai'))
    def zipped(name, n_patients):
        folder = synth_cells(tmp_path/name/'cell_images', n_patients=n_patients, cells=4)
        with zipfile.ZipFile(tmp_path/f'{name}.zip', 'w') as z:
            for f in sorted(folder.rglob('*.png')): z.write(f, f'cell_images/{f.relative_to(folder)}')
        return tmp_path/f'{name}.zip'
    counts = []
    for name, n in (('small', 3), ('large', 5)):
        rc, out, err = cli(capsys, 'data', '--data', zipped(name, n), '--out', tmp_path/f'report-{name}', '--test-pct', '0', '--valid-pct', '0.5')
        assert rc == 0, err
        counts.append(len((tmp_path/f'report-{name}'/'split.csv').read_text().splitlines()) - 1)
    assert counts == [3*4*3, 5*4*3]

# --- 4 and 6: every path that is not read is reported
def test_predict_reports_symlinked_folders(tiny, synth, tmp_path, capsys):
    (synth/'elsewhere').symlink_to(synth/'Parasitized')
    rc, out, err = cli(capsys, 'predict', tiny/'model.onnx', synth, '--csv', tmp_path/'cells.csv')
    assert rc == 0 and 'symlinked folder (not followed)' in out and 'elsewhere' in out

def test_data_reports_symlinks_out_of_the_folder(synth, tmp_path, capsys):
    outside = tmp_path/'outside.png'; shutil.copy(next((synth/'Uninfected').iterdir()), outside)
    (synth/'Uninfected'/'C260ThinF_link_cell_1.png').symlink_to(outside)
    rc, out, err = cli(capsys, 'data', '--data', synth, '--out', tmp_path/'report')
    assert rc == 0 and 'symlink out of the data folder' in (tmp_path/'report'/'skipped.csv').read_text()

# --- 5 and 9: images that are no cell crops, and resource bombs
def test_tiny_huge_and_oversized_zip_members_are_skipped_and_named(tiny, synth, tmp_path, capsys):
    Image.new('RGB', (1, 1)).save(synth/'Uninfected'/'C261ThinF_tiny_cell_1.png')
    (synth/'Uninfected'/'C261ThinF_huge_cell_2.png').write_bytes(_png_bomb(13000, 13000))
    with zipfile.ZipFile(tmp_path/'bomb.zip', 'w', zipfile.ZIP_DEFLATED) as z: z.writestr('slide/C262ThinF_bomb_cell_1.png', b'\0'*(65*2**20))
    rc, out, err = cli(capsys, 'predict', tiny/'model.onnx', synth, tmp_path/'bomb.zip', '--csv', tmp_path/'cells.csv')
    assert rc == 0 and 'too small: 1x1 px' in out and 'too large: 13000x13000 px' in out and 'zip member too large' in out

def test_predict_opens_a_zip_once_not_once_per_member(tiny, synth, tmp_path, capsys, monkeypatch):
    import malaria_fastai.predict as mp
    with zipfile.ZipFile(tmp_path/'cells.zip', 'w') as z:
        for f in sorted(synth.rglob('*.png')): z.write(f, f.relative_to(synth))
    opened, ZipFile = [], zipfile.ZipFile
    def counting(*args, **kwargs): opened.append(args[0]); return ZipFile(*args, **kwargs)
    monkeypatch.setattr(mp.zipfile, 'ZipFile', counting)
    rc, out, err = cli(capsys, 'predict', tiny/'model.onnx', tmp_path/'cells.zip', '--csv', tmp_path/'cells.csv')
    assert rc == 0 and len(opened) == 3  # to count the members, to list them as they are screened, to read them all [8]

# --- 10: damaged models and run folders
def onnx_variant(tiny, tmp_path, **meta)->Path:
    "A copy of the run's model.onnx with some metadata values replaced"
    import onnx
    m = onnx.load(str(tiny/'model.onnx'))
    for p in m.metadata_props:
        if p.key in meta: p.value = meta[p.key]
    onnx.save(m, str(tmp_path/'variant.onnx'))
    return tmp_path/'variant.onnx'

@pytest.mark.parametrize('meta, msg', [(dict(stats='not json'), 'metadata'), (dict(size='64'), 'takes 32 px cells, its metadata says 64'),
                                       (dict(classes='["Parasitized"]'), 'damaged preprocessing metadata, classes'),
                                       (dict(stats='[[0.5, 0.5, 0.5], [0, 0, 0]]'), 'damaged preprocessing metadata, stats'),  # #38 6
                                       (dict(stats='"abc"'), 'damaged preprocessing metadata, stats'),
                                       (dict(classes='["Parasitized", "Healthy"]'), 'damaged preprocessing metadata, classes'),
                                       (dict(floor='{"fpr_high": -1, "alpha": 0.01, "threshold": 0.5}'), 'damaged preprocessing metadata, floor'),
                                       (dict(size='0'), 'damaged preprocessing metadata, size 0'),  # #38 23
                                       (dict(cell_ranges='{"nose": [0, 1]}'), 'damaged preprocessing metadata, cell_r'),
                                       (dict(floor='[' * 100_000 + ']' * 100_000), 'damaged preprocessing metadata')])
def test_damaged_onnx_models_are_refused(meta, msg, tiny, synth, tmp_path, capsys):
    rc, out, err = cli(capsys, 'predict', onnx_variant(tiny, tmp_path, **meta), synth, '--csv', tmp_path/'cells.csv')
    assert rc == 2 and msg in err and not (tmp_path/'cells.csv').exists()

def test_onnx_with_a_fixed_batch_or_other_outputs_is_refused(tiny, synth, tmp_path, capsys):  # #38 24
    import onnx
    fixed = onnx.load(str(tiny/'model.onnx')); fixed.graph.input[0].type.tensor_type.shape.dim[0].dim_value = 1
    onnx.save(fixed, str(tmp_path/'fixed.onnx'))
    m = onnx.load(str(tiny/'model.onnx')); g = m.graph  # a 3-D output: (cells, classes, 1)
    g.initializer.append(onnx.helper.make_tensor('axis', onnx.TensorProto.INT64, [1], [2]))
    g.node.append(onnx.helper.make_node('Unsqueeze', [g.output[0].name, 'axis'], ['logits3']))
    del g.output[:]; g.output.append(onnx.helper.make_tensor_value_info('logits3', onnx.TensorProto.FLOAT, None))
    onnx.save(m, str(tmp_path/'three.onnx'))
    for model, msg in (('fixed.onnx', 'takes a fixed batch of 1'), ('three.onnx', 'not (cells, classes)')):
        rc, out, err = cli(capsys, 'predict', tmp_path/model, synth, '--csv', tmp_path/'cells.csv')
        assert rc == 2 and msg in err and 'Traceback' not in err and not (tmp_path/'cells.csv').exists()

def test_damaged_run_folders_are_refused(tiny, synth, tmp_path, capsys):
    bad_keys = copy_run(tiny, tmp_path/'keys')
    torch.save({'not': torch.zeros(1)}, bad_keys/'weights.pth')
    bad_config = copy_run(tiny, tmp_path/'config')
    (bad_config/'config.json').write_text('{"arch": "resnet18", "size": "big"')
    no_weights = copy_run(tiny, tmp_path/'weights')
    (no_weights/'weights.pth').unlink()
    for argv, msg in ((['predict', bad_keys, synth, '--csv', tmp_path/'a.csv'], 'does not hold the weights'),
                      (['evaluate', bad_config], 'config.json'), (['export-onnx', no_weights], 'weights.pth')):
        rc, out, err = cli(capsys, *argv)
        assert rc == 2 and msg in err, (argv, err)

def test_evaluate_with_data_when_the_training_data_moved(tiny, synth_master, tmp_path, capsys):
    run = copy_run(tiny, tmp_path)
    cfg = json.loads((run/'config.json').read_text())
    (run/'config.json').write_text(json.dumps({**cfg, 'data': str(tmp_path/'moved away')}))
    rc, out, err = cli(capsys, 'evaluate', run, '--data', synth_master, '--n-boot', '20')
    assert rc == 0 and (run/f'eval-{synth_master.name}'/'report.md').exists()
    rc, out, err = cli(capsys, 'evaluate', run, '--data', synth_master, '--target-sensitivity', '0.9')
    assert rc == 2 and 'validation cells' in err

def test_export_leaves_no_intermediate_file(tiny, tmp_path, capsys):
    run = copy_run(tiny, tmp_path)
    rc, out, err = cli(capsys, 'export-onnx', run)
    assert rc == 0 and {p.name for p in run.glob('*.onnx')} == {'model.onnx', 'model.int8.onnx'}

# --- 7: a seeded CPU run repeats its numbers
def test_seeded_runs_repeat_their_numbers(synth_master, tmp_path, capsys):
    import pandas as pd
    hist = []
    for i in range(2):
        rc, out, err = cli(capsys, 'train', '--data', synth_master, '--runs', tmp_path/f'runs{i}', '--arch', 'resnet18', '--pretrained', 'no',
                           '--size', '32', '--bs', '16', '--epochs-full', '2', '--seed', '3', '--no-evaluate')
        assert rc == 0, err
        hist.append(pd.read_csv(next((tmp_path/f'runs{i}').iterdir())/'history.csv'))
    cols = ['train_loss', 'valid_loss', 'accuracy']
    assert (hist[0][cols].to_numpy() == hist[1][cols].to_numpy()).all(), (hist[0][cols], hist[1][cols])

# --- issue #38, items 1, 2, 13 and 16b: no untrained model from a resume, no CSV of two models, no output over a file it did not write
def test_resume_after_a_crash_while_writing_the_final_files_keeps_the_trained_weights(synth, tmp_path, capsys, monkeypatch):
    import malaria_fastai.train as T
    def power_cut(*a, **k): raise KeyboardInterrupt  # a kill while `finish_run` writes weights.pth, model.pkl, config.json
    monkeypatch.setattr(T, 'finish_run', power_cut)
    rc, out, err = cli(capsys, 'train', '--data', synth, '--runs', tmp_path/'runs', '--arch', 'resnet18', '--size', '32', '--bs', '16',
                       '--epochs-full', '1', '--pretrained', 'no', '--test-pct', '0.25', '--no-evaluate')
    assert rc == 130
    run = next((tmp_path/'runs').iterdir())
    trained = torch.load(run/'last.pth', weights_only=False)['model']
    (run/'.weights.pth.x1.partial.pth').write_bytes(b'half')  # what the kill left
    monkeypatch.undo()
    rc, out, err = cli(capsys, 'train', '--resume', run, '--no-evaluate')
    assert rc == 0 and (run/'config.json').exists() and not list(run.glob('.*partial*'))
    weights = torch.load(run/'weights.pth', weights_only=True)
    assert all(torch.equal(v, trained[k]) for k, v in weights.items())

def test_predict_refuses_a_partial_csv_that_another_model_began(tiny, synth_master, tmp_path, capsys, monkeypatch):
    import malaria_fastai.predict as P
    screen = P.screen
    def crash(*a, **k):
        for i, r in enumerate(screen(*a, **k)):
            if i == 8: raise KeyboardInterrupt  # a Ctrl-C after 8 rows
            yield r
    monkeypatch.setattr(P, 'screen', crash)
    csv = tmp_path/'cells.csv'
    assert cli(capsys, 'predict', tiny/'model.onnx', synth_master, '--csv', csv)[0] == 130
    monkeypatch.undo()
    rows = (tmp_path/'cells.csv.partial').read_text()
    other = copy_run(tiny, tmp_path/'other'); (other/'config.json').write_text((other/'config.json').read_text() + ' ')
    rc, out, err = cli(capsys, 'predict', other, synth_master, '--csv', csv)  # another model: refused, nothing added
    assert rc == 2 and 'begun by another screening' in err and (tmp_path/'cells.csv.partial').read_text() == rows and not csv.exists()
    rc, out, err = cli(capsys, 'predict', tiny/'model.onnx', synth_master, '--csv', csv)  # the model that began it finishes it
    assert rc == 0 and csv.exists() and not (tmp_path/'cells.csv.partial').exists()

def test_predict_never_replaces_a_file_it_did_not_write(tiny, synth_master, tmp_path, capsys):
    run = copy_run(tiny, tmp_path)
    split = (run/'split.csv').read_bytes()
    for extra in ([], ['--overwrite']):
        rc, out, err = cli(capsys, 'predict', tiny/'model.onnx', synth_master, '--csv', run/'split.csv', *extra)
        assert rc == 2 and 'no screening CSV' in err and (run/'split.csv').read_bytes() == split
    csv = tmp_path/'cells.csv'
    assert cli(capsys, 'predict', tiny/'model.onnx', synth_master, '--csv', csv)[0] == 0
    first = csv.read_bytes()
    rc, out, err = cli(capsys, 'predict', tiny/'model.onnx', synth_master/'Uninfected', '--csv', csv)  # a second screening, same CSV
    assert rc == 2 and '--overwrite' in err and csv.read_bytes() == first
    assert cli(capsys, 'predict', tiny/'model.onnx', synth_master/'Uninfected', '--csv', csv, '--overwrite')[0] == 0
    assert csv.read_bytes() != first

def test_two_screenings_of_one_csv_at_once_the_second_is_refused(tiny, synth_master, tmp_path, capsys):
    "issue #38, item 3: the second `predict` onto a CSV that one is writing now is refused, not interleaved"
    from malaria_fastai.predict import output_lock
    csv = tmp_path/'cells.csv'
    with output_lock(csv):  # the first screening, still writing
        rc, out, err = cli(capsys, 'predict', tiny/'model.onnx', synth_master, '--csv', csv)
    assert rc == 2 and 'being written by another screening' in err and not csv.exists()
    assert cli(capsys, 'predict', tiny/'model.onnx', synth_master, '--csv', csv)[0] == 0

# --- issue #38, 7 and 8: a grayscale cell is refused with the reason; each file is screened once
def test_a_grayscale_cell_is_refused_with_the_reason(tiny, synth, tmp_path, capsys):
    grey = tmp_path/'grey'; grey.mkdir()
    for f in sorted((synth/'Parasitized').iterdir())[:3]: Image.open(f).convert('L').convert('RGB').save(grey/f.name)
    rc, out, _ = cli(capsys, 'predict', tiny/'model.onnx', grey, synth/'Uninfected', '--csv', tmp_path/'cells.csv')
    rows = list(csv.DictReader(open(tmp_path/'cells.csv')))
    assert rc == 0 and [r['reason'][:9] for r in rows if r['file'].startswith(str(grey))] == ['no colour']*3
    assert 'no colour (a grayscale image)' in out

def test_a_file_given_twice_or_inside_a_folder_given_is_screened_once(tiny, synth, tmp_path, capsys):
    one = next((synth/'Uninfected').iterdir())
    rc, out, _ = cli(capsys, 'predict', tiny/'model.onnx', one, one, synth, synth/'Uninfected', '--csv', tmp_path/'cells.csv')
    rows = list(csv.DictReader(open(tmp_path/'cells.csv')))
    assert rc == 0 and len(rows) == len({r['file'] for r in rows}) == len(list(synth.rglob('*.png')))

# --- issue #38, 5, 6 and 6b: no run trained on zero batches; a damaged model is refused, never a silent 'Uninfected'
def test_a_batch_larger_than_the_training_cells_is_refused(synth, tmp_path, capsys):
    rc, out, err = cli(capsys, 'train', '--data', synth, '--runs', tmp_path/'runs', '--bs', '1000', '--arch', 'resnet18', '--size', '32')
    assert rc == 2 and 'is more than the' in err and not list((tmp_path/'runs').glob('*/config.json'))

def test_onnx_classes_in_the_other_order_are_read_in_that_order(tiny, synth, tmp_path, capsys):
    flipped = onnx_variant(tiny, tmp_path, classes='["Uninfected", "Parasitized"]')  # #38 6b
    for m, out in ((tiny/'model.onnx', 'a.csv'), (flipped, 'b.csv')): assert cli(capsys, 'predict', m, synth, '--csv', tmp_path/out)[0] == 0
    a, b = (list(csv.DictReader(open(tmp_path/f))) for f in ('a.csv', 'b.csv'))
    pairs = [(float(x['prob_parasitized']), float(y['prob_parasitized'])) for x, y in zip(a, b) if x['prob_parasitized']]
    assert pairs and all(abs(p + q - 1) < 1e-4 for p, q in pairs)  # the other output read as Parasitized

def test_nan_weights_stop_the_screening_with_a_message(tiny, synth, tmp_path, capsys):
    run = copy_run(tiny, tmp_path)
    w = torch.load(run/'weights.pth'); w = {k: v.float().fill_(float('nan')) if v.is_floating_point() else v for k, v in w.items()}
    torch.save(w, run/'weights.pth')
    rc, out, err = cli(capsys, 'predict', run, synth, '--csv', tmp_path/'cells.csv')
    assert rc == 2 and 'not numbers (NaN or infinite)' in err and not (tmp_path/'cells.csv').exists()
    onnx_before = (run/'model.onnx').read_bytes()
    rc, out, err = cli(capsys, 'export-onnx', run)  # refused before model.onnx is rewritten
    assert rc == 2 and 'not numbers (NaN or infinite)' in err and (run/'model.onnx').read_bytes() == onnx_before

def test_a_diverged_training_is_not_a_finished_run(synth, tmp_path, capsys):  # #38 6
    rc, out, err = cli(capsys, 'train', '--data', synth, '--runs', tmp_path/'runs', '--arch', 'resnet18', '--size', '32',
                       '--bs', '16', '--epochs-full', '1', '--pretrained', 'no', '--lr', '1e4', '--no-evaluate')
    assert rc == 2 and 'training diverged' in err and not list((tmp_path/'runs').glob('*/config.json'))

# --- issue #38, 17, 18, 20, 22, 35
def test_names_that_look_like_formulas_are_written_as_text(tiny, synth, tmp_path, capsys, monkeypatch):
    slide = tmp_path/'=cmd'; slide.mkdir(); monkeypatch.chdir(tmp_path)  # given as `=cmd`: the slide's name is `=cmd`
    for i, f in enumerate(sorted((synth/'Uninfected').iterdir())[:2]): shutil.copy(f, slide/f'@SUM(A{i}).png')
    rc, out, _ = cli(capsys, 'predict', tiny/'model.onnx', '=cmd', '--csv', tmp_path/'cells.csv')
    rows = list(csv.DictReader(open(tmp_path/'cells.csv')))
    assert rc == 0 and all(r['slide'] == "'=cmd" and Path(r['file']).name.startswith("@SUM") for r in rows)
    assert all(not r['file'].startswith(('=', '+', '-', '@')) for r in rows)

def test_a_pipe_among_the_images_is_skipped_not_waited_on(tiny, synth, tmp_path, capsys):
    os.mkfifo(synth/'Uninfected'/'pipe.png')
    rc, out, _ = cli(capsys, 'predict', tiny/'model.onnx', synth, '--csv', tmp_path/'cells.csv')
    assert rc == 0 and 'pipe.png: not a regular file' in out

@pytest.mark.parametrize('args, msg', [(['--jobs', '1000'], '--jobs must be 1 to'), (['--bs', '-1'], '--bs must be 1 to 4096'),
                                       (['--bs', '0'], '--bs must be 1 to 4096')])
def test_bad_screening_options_are_refused(args, msg, tiny, synth, tmp_path, capsys):
    rc, out, err = cli(capsys, 'predict', tiny/'model.onnx', synth, '--csv', tmp_path/'cells.csv', *args)
    assert rc == 2 and msg in err and not (tmp_path/'cells.csv').exists()

def test_an_ensemble_of_one_run_twice_is_refused(tiny, tmp_path, capsys):
    rc, out, err = cli(capsys, 'ensemble', tiny, tiny)
    assert rc == 2 and 'given twice' in err

def test_files_not_screened_in_a_folder_are_named_with_why(tiny, synth, tmp_path, capsys):  # issue #38, 11
    (synth/'Uninfected'/'notes.txt').write_text('not a cell')
    shutil.copy(shutil.make_archive(str(tmp_path/'inner'), 'zip', synth/'Parasitized'), synth/'Uninfected'/'inner.zip')
    Image.open(next((synth/'Parasitized').iterdir())).save(synth/'Parasitized'/'C99P9thinF_IMG_1_cell_1.webp')
    rc, out, _ = cli(capsys, 'predict', tiny/'model.onnx', synth, '--csv', tmp_path/'cells.csv')
    rows = list(csv.DictReader(open(tmp_path/'cells.csv')))
    assert rc == 0 and 'notes.txt: not an image file' in out and 'inner.zip: a zip inside a folder' in out
    assert any(r['file'].endswith('.webp') for r in rows)  # read from a folder as when given alone

def test_zip_members_of_one_name_are_skipped_not_screened_twice(tiny, synth, tmp_path, capsys):  # issue #38, 10
    cells = sorted((synth/'Uninfected').iterdir())[:3]
    with pytest.warns(UserWarning), zipfile.ZipFile(tmp_path/'dup.zip', 'w') as z:
        z.write(cells[0], 'c.png'); z.write(cells[1], 'c.png'); z.write(cells[2], 'd.png')
    rc, out, _ = cli(capsys, 'predict', tiny/'model.onnx', tmp_path/'dup.zip', '--csv', tmp_path/'cells.csv')
    rows = list(csv.DictReader(open(tmp_path/'cells.csv')))
    assert rc == 0 and [r['file'].rpartition('!')[2] for r in rows] == ['d.png'] and 'several members of this name' in out

def _patched(zip_path:Path, member:str, flag:int=0, method:int|None=None):
    "Set a member's flag bits (1: encrypted) or compression method in its local and central headers, as another tool wrote it"
    b = bytearray(zip_path.read_bytes())
    for sig, at in ((b'PK\x03\x04', 6), (b'PK\x01\x02', 8)):  # local header: flags at 6, method at 8; central: 8 and 10
        i = b.find(sig)
        while b[i + (30 if sig == b'PK\x03\x04' else 46):].find(member.encode()) != 0: i = b.find(sig, i + 4)
        b[i + at] |= flag
        if method is not None: b[i + at + 2:i + at + 4] = method.to_bytes(2, 'little')
    zip_path.write_bytes(bytes(b))

def test_encrypted_and_deflate64_zip_members_are_named_not_a_traceback(tiny, synth_master, tmp_path, capsys):
    cell = next((synth_master/'Uninfected').iterdir()).read_bytes()
    for what, kw in (('encrypted', dict(flag=1)), ('compression method', dict(method=9))):  # 9: Deflate64
        with zipfile.ZipFile(z := tmp_path/f'{kw.get("method", "enc")}.zip', 'w') as zf:
            zf.writestr('bad.png', cell); zf.writestr('good.png', cell)
        _patched(z, 'bad.png', **kw)
        assert main(['predict', str(tiny), str(z), '--csv', str(out := tmp_path/f'{z.stem}.csv')]) == 0
        rows = {r['file'].split('!')[-1]: r for r in csv.DictReader(open(out))}
        assert rows['bad.png']['label'] == 'unreadable' and what in rows['bad.png']['reason'], rows['bad.png']
        assert rows['good.png']['label'] in ('Parasitized', 'Uninfected')
    assert 'Traceback' not in capsys.readouterr().err

def test_export_and_evaluate_refuse_bad_counts_before_any_work(tiny, capsys):
    before = snapshot(tiny)
    assert main(['export-onnx', str(tiny), '--n-calib', '0']) == 2
    assert main(['evaluate', str(tiny), '--n-review', '-1']) == 2
    err = capsys.readouterr().err
    assert '--n-calib must be at least 1' in err and '--n-review must be at least 0' in err
    assert snapshot(tiny) == before  # model.onnx not rewritten, nothing written

def test_data_names_an_encrypted_zip_member(synth_master, tmp_path, capsys):
    with zipfile.ZipFile(z := tmp_path/'cells.zip', 'w') as zf:
        for f in sorted(synth_master.rglob('*.png')): zf.write(f, f.relative_to(synth_master.parent))
    _patched(z, 'cell_images/Parasitized/' + sorted((synth_master/'Parasitized').iterdir())[0].name, flag=1)
    assert main(['data', '--data', str(z), '--out', str(tmp_path/'report')]) == 2
    err = capsys.readouterr().err
    assert 'Cannot extract' in err and 'encrypted' in err and 'Traceback' not in err

def test_outputs_inside_a_data_folder_are_refused(tiny, synth, capsys):
    before = snapshot(synth)
    assert main(['data', '--data', str(synth), '--out', str(synth/'Uninfected')]) == 2
    assert main(['evaluate', str(tiny), '--data', str(synth), '--out', str(synth/'Parasitized'/'eval')]) == 2
    assert capsys.readouterr().err.count('which this command reads') == 2
    assert snapshot(synth) == before  # nothing written into the class folders

def test_a_file_name_that_is_not_utf8_is_skipped_and_named(tiny, synth, tmp_path, capsys):  # #38 21
    shutil.copy(next((synth/'Parasitized').iterdir()), synth/'Parasitized'/os.fsdecode(b'bad\xff.png'))
    rc, out, err = cli(capsys, 'predict', tiny/'model.onnx', synth, '--csv', tmp_path/'cells.csv')
    assert rc == 0 and 'bad\\xff.png: the name is not UTF-8' in out
    assert len(list(csv.DictReader(open(tmp_path/'cells.csv')))) > 1  # the others were screened
    rc, out, err = cli(capsys, 'data', '--data', synth, '--out', tmp_path/'report')
    assert rc == 0 and 'bad\\xff.png,Parasitized,the name is not UTF-8' in (tmp_path/'report'/'skipped.csv').read_text()

def test_an_output_is_never_written_through_a_symlink(tiny, synth, tmp_path, capsys):  # #38 16b
    (tmp_path/'notes.txt').write_text('mine\nkeep me\n')
    for link in ('cells.csv.partial', 'cells.csv'):
        (tmp_path/link).symlink_to(tmp_path/'notes.txt')
        rc, out, err = cli(capsys, 'predict', tiny/'model.onnx', synth, '--csv', tmp_path/'cells.csv')
        assert rc == 2 and 'is a symbolic link' in err and (tmp_path/'notes.txt').read_text() == 'mine\nkeep me\n'
        (tmp_path/link).unlink()

def test_decoding_processes_die_with_a_killed_screening(tiny, synth, tmp_path):  # #38 20
    import signal, subprocess, sys, time
    many = tmp_path/'many'; many.mkdir(); cell = next((synth/'Parasitized').iterdir())
    for i in range(20_000): os.link(cell, many/f'c{i}.png')  # hard links: a long screening at no disk cost
    cmd = [sys.executable, '-m', 'malaria_fastai.cli', 'predict', tiny/'model.onnx', many, '--jobs', '2',
           '--csv', tmp_path/'c.csv']
    p = subprocess.Popen(list(map(str, cmd)), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    children = lambda pid: [int(c) for c in Path(f'/proc/{pid}/task/{pid}/children').read_text().split()]
    deadline = time.time() + 60
    while len(kids := children(p.pid)) < 2 and time.time() < deadline and p.poll() is None: time.sleep(0.2)
    assert len(kids) >= 2, 'the decoding processes never started'
    p.send_signal(signal.SIGKILL); p.wait()
    deadline = time.time() + 20
    def running(pid):  # neither gone nor a zombie waiting to be reaped
        try: return Path(f'/proc/{pid}/stat').read_text().rsplit(') ', 1)[1][0] != 'Z'
        except FileNotFoundError: return False
    while (alive := [k for k in kids if running(k)]) and time.time() < deadline: time.sleep(0.2)
    assert not alive, f'orphaned decoding processes {alive}'

def test_a_full_disk_while_saving_a_checkpoint_is_a_clean_exit(synth, tmp_path, capsys):  # #38 29
    import unittest.mock
    full = RuntimeError('[enforce fail at inline_container.cc:664] . PytorchStreamWriter failed writing file data/0: file write failed')
    with unittest.mock.patch('malaria_fastai.train.save_model', side_effect=full):
        rc, out, err = cli(capsys, 'train', '--data', synth, '--runs', tmp_path/'runs', '--arch', 'resnet18', '--size', '32',
                           '--bs', '16', '--epochs-full', '1', '--pretrained', 'no', '--no-evaluate')
    assert rc == 1 and 'cannot write the file (is the disk full?)' in err and '.pth' in err
    assert not list((tmp_path/'runs').rglob('*.partial*'))  # the half-written checkpoint removed
