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
