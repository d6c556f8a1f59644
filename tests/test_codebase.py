"The codebase's shape rules (tools/code_stats.py): every export used right after it, no cfg['...'] reads, no import cycle or upward import, a torch-free predictor; no machine path in saved outputs or BENCHMARKS.md."
import subprocess, sys
from pathlib import Path

def test_code_stats_rules_hold():
    r = subprocess.run([sys.executable, Path(__file__).parent.parent/'tools'/'code_stats.py'], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr
    assert 'Cycles: none; upward imports: none' in r.stdout

def test_saved_outputs_show_no_machine_path_progress_bar_or_warning():
    r = subprocess.run([sys.executable, Path(__file__).parent.parent/'tools'/'outputs.py', 'check'], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr

def test_benchmarks_show_no_machine_path():
    root = Path(__file__).parent.parent
    sys.path.insert(0, str(root/'benchmarks'))
    from record import portable
    text = (root/'BENCHMARKS.md').read_text()
    assert portable(text) == text, 'BENCHMARKS.md holds a machine path: python benchmarks/record.py'
    assert portable(f'{root.parent}/shared/x /tmp/y') == '../shared/x $TMPDIR/y'

def test_benchmarks_lead_with_today():
    "BENCHMARKS.md is as `record.organise` leaves it: its summary and contents current, each summary row found, nothing superseded left"
    sys.path.insert(0, str(Path(__file__).parent.parent/'benchmarks'))
    from record import BENCHMARKS, SUMMARY, SUPERSEDED, organise, pick, sections
    text = BENCHMARKS.read_text(); secs = sections(text)
    assert not SUPERSEDED & {t for t, _ in secs}, 'superseded sections in BENCHMARKS.md: python benchmarks/record.py'
    assert organise(text) == text, 'the summary or contents is stale: python benchmarks/record.py'
    assert [what for what, start, key, cols in SUMMARY if not pick(secs, start, key, cols)[2]] == []

def test_every_benchmark_script_answers_help():
    "Each script in benchmarks/ imports and parses its arguments (`--help`): none breaks unseen between the runs that use it"
    scripts = sorted((Path(__file__).parent.parent/'benchmarks').glob('*.py'))
    code = ("import runpy, sys\nsys.path.insert(0, sys.argv[1])\nbad = []\nfor s in sys.argv[2:]:\n"
            "    sys.argv = [s, '--help']\n    try: runpy.run_path(s, run_name='__main__')\n"
            "    except SystemExit as e:\n        if e.code not in (0, None): bad.append(s)\n"
            "    except Exception as e: bad.append(f'{s}: {e!r}')\n    else: bad.append(f'{s}: ran without --help stopping it')\n"
            "print('BAD', bad)")
    r = subprocess.run([sys.executable, '-c', code, str(scripts[0].parent), *map(str, scripts)], capture_output=True, text=True, timeout=600)
    assert r.returncode == 0 and 'BAD []' in r.stdout, r.stdout[-3000:] + r.stderr[-3000:]
    assert {s.name for s in scripts} <= set((scripts[0].parent/'README.md').read_text().split('`')), 'a script missing from benchmarks/README.md'

def test_the_example_run_is_of_the_default_recipe():
    "docs/example_run, which the README shows, was trained with today's `train` defaults (refresh it with tools/share_report.py when they change)"
    import inspect, json
    from malaria_fastai.train import train, RECIPES
    defaults = {k: p.default for k, p in inspect.signature(train).parameters.items()}
    keys = {k for _, opts in RECIPES.values() for k in opts} | {'arch', 'bs', 'epochs_head', 'lr_head', 'div', 'split', 'valid_pct', 'test_pct', 'seed'}
    cfg = json.loads((Path(__file__).parent.parent/'docs'/'example_run'/'config.json').read_text())
    differ = {k: (cfg.get(k), defaults[k]) for k in sorted(keys) if cfg.get(k, defaults[k]) != defaults[k]}
    assert not differ, f"docs/example_run differs from the default recipe (its value, the default): {differ}"

def test_every_training_option_is_defined_once(tmp_path):
    "A `TrainOptions` field is its option's one definition: `train`, both commands' flags and help, recipes and config.json follow it"
    import dataclasses, inspect, json
    from fastcore.docments import docments
    from malaria_fastai.run import TrainOptions, RunConfig
    from malaria_fastai.train import train, with_recipe
    from malaria_fastai.cv import CV_SETS
    from malaria_fastai.cli import COMMANDS
    opts, ps, doc = dataclasses.fields(TrainOptions), inspect.signature(train).parameters, docments(train)
    helps = {c: COMMANDS[c].parser(c).format_help() for c in ('train', 'cv')}
    (tmp_path/'all.json').write_text(json.dumps({f.name: f.default for f in opts}))
    recipe, config = with_recipe(str(tmp_path/'all.json'), {}, train), {f.name for f in dataclasses.fields(RunConfig)}
    for f in opts:
        flag = '--' + f.name.replace('_', '-')
        assert ps[f.name].default == f.default and doc[f.name], f.name
        assert flag in helps['train'] and (flag in helps['cv'] or f.name in CV_SETS), f.name
        assert f.name in recipe and f.name in config, f.name
