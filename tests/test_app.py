"""The web app end to end: served on a free port with torch unimportable, driven by gradio_client and by Debian's
chromium through Playwright (never `playwright install`). APP_MODEL, APP_UPLOAD and APP_SCREENSHOT (optional) serve
another model, upload other files and save the browser test's screenshot: how docs/app.png is made (docs/app.md)."""
import csv, os, re, shutil, subprocess, sys, time, zipfile
from pathlib import Path
import pytest
from malaria_fastai.cli import main
from malaria_fastai.app import MAX_FILES, MAX_GALLERY

CHROMIUM = Path('/usr/bin/chromium')
# flags for a machine with no network and no sandbox (as root): chromium's own background traffic turned off
FLAGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
         '--disable-component-update', '--disable-sync']

@pytest.fixture(scope='module')
def model(tmp_path_factory):
    "APP_MODEL, or the tests' small run exported to ONNX (an .onnx model: the app then needs no torch)"
    if p := os.getenv('APP_MODEL'): return Path(p)
    from malaria_fastai.export import export_fp32
    from malaria_fastai.run import Run
    run = shutil.copytree(Path(__file__).parent/'fixtures'/'old_run', tmp_path_factory.mktemp('m')/'old_run')
    return export_fp32(Run(run))

def start_app(model, tmp:Path, *args)->tuple:
    "`malaria-fastai app MODEL --port 0 ARGS`, torch and fastai unimportable in its process: (process, URL, output)"
    code = ("import sys\nfor m in ('torch', 'torchvision', 'fastai', 'timm'): sys.modules[m] = None\n"
            "from malaria_fastai.cli import main\n"
            f"sys.exit(main(['app', {str(model)!r}, '--port', '0', *{list(args)!r}]))")
    p = subprocess.Popen([sys.executable, '-c', code], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                         env={**os.environ, 'TMPDIR': str(tmp)})
    out = []
    for line in p.stdout:
        out.append(line)
        if m := re.search(r'(http://\S+/) ', line): return p, m[1], ''.join(out)
    pytest.fail(f"the app did not start:\n{''.join(out)}")

@pytest.fixture(scope='module')
def server(model, tmp_path_factory):
    "The app on this machine only, torch unimportable: (URL, its TMPDIR)"
    p, url, _ = start_app(model, tmp := tmp_path_factory.mktemp('app_tmp'))
    yield url, tmp
    p.terminate(); assert p.wait(60) == 0
    # the app's own folder is gone (onnxruntime leaves a .ses file in $TMPDIR when imported)
    assert list(tmp.glob('malaria-app-*')) == [], "the app's temporary folder outlived it"

@pytest.fixture(scope='module')
def upload(synth_master, tmp_path_factory):
    "Files to upload: APP_UPLOAD's (paths joined by the OS's path separator), else a zip of synthetic cells and a crop"
    if p := os.getenv('APP_UPLOAD'): return [Path(f) for f in p.split(os.pathsep)]
    d = tmp_path_factory.mktemp('upload')
    shutil.make_archive(str(d/'cells'), 'zip', synth_master.parent, synth_master.name)
    return [d/'cells.zip', Path(shutil.copy(next((synth_master/'Uninfected').iterdir()), d/'one.png'))]

def predicted(model, paths, dest)->list:
    "`malaria-fastai predict` on `paths`: (member or file name, probability) of each row"
    assert main(['predict', str(model), *map(str, paths), '--csv', str(dest)]) == 0
    return [(r['file'].rsplit('/', 1)[-1], r['prob_parasitized']) for r in csv.DictReader(open(dest))]

def test_app_gives_predicts_probabilities(server, model, upload, tmp_path):
    from gradio_client import Client, handle_file
    client = Client(server[0], verbose=False)
    text, cells, photos, csv_file, report = client.predict([handle_file(str(f)) for f in upload], 'P7', 0.5, 'all',
                                                           'most parasitized first', api_name='/screen')
    rows = list(csv.DictReader(open(csv_file)))
    got = [(r['file'].rsplit('/', 1)[-1], r['prob_parasitized']) for r in rows]
    assert got == predicted(model, upload, tmp_path/'p.csv')
    assert rows[0]['file'].startswith(upload[0].name) and {r['slide'] for r in rows} == {'P7'}  # no server path
    n = sum(r['label'] in ('Parasitized', 'Uninfected') for r in rows)
    assert f"**{n:,} cell{'s' * (n != 1)} screened**" in text and text.startswith('## P7')
    assert len(cells) == min(len(rows), MAX_GALLERY) and photos == []
    assert 'not a diagnosis' in Path(report).read_text()

def test_bad_uploads_get_a_message(server, tmp_path):
    from gradio_client import Client, handle_file
    client = Client(server[0], verbose=False)
    (bad := tmp_path/'notes.txt').write_text('not an image')
    zipfile.ZipFile(empty := tmp_path/'empty.zip', 'w').close()
    with zipfile.ZipFile(bomb := tmp_path/'bomb.zip', 'w', zipfile.ZIP_DEFLATED) as z:
        for i in range(3): z.writestr(f'{i}.png', b'\0'*(800*2**20))
    said = {f.name: client.predict([handle_file(str(f))], 's', 0.5, 'all', 'file name', api_name='/screen')[0]
            for f in (bad, empty, bomb)}
    assert '**No cells screened.**' in said['notes.txt'] and '1 image unreadable' in said['notes.txt']
    assert said['empty.zip'] == '**Not screened.** No images in the upload (an empty zip, or files that are no images).'
    assert said['bomb.zip'].startswith('**Not screened.** The zips unpack to 2,517 MB')
    assert not any('Traceback' in s or str(tmp_path) in s for s in said.values())

def _page(p, url):
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is missing: `apt-get install chromium` for the browser test (.ci/run does)")
    browser = p.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
    page = browser.new_page(viewport={'width': 1280, 'height': 1400}, accept_downloads=True)
    page.goto(url)
    return page

def _screen(page, files, expect:str)->str:
    "Drop `files` on the page, press Screen, wait for `expect` in the result: the result's text"
    page.set_input_files('input[type=file]', [str(f) for f in files])
    page.get_by_role('button', name='Screen').click()
    page.wait_for_selector(f'#result :text("{expect}")', timeout=300_000)
    return page.inner_text('#result')

def visitors(tmp:Path)->set:
    "The visitors' folders of the app whose TMPDIR is `tmp`"
    return {p for p in tmp.glob('malaria-app-*/*') if p.name != 'uploads'}

def test_in_a_browser(server, upload, tmp_path):
    from playwright.sync_api import sync_playwright
    before = visitors(server[1])
    fields = Path(os.getenv('MALARIA_FIELDS', Path(__file__).parents[2]/'shared'/'fields'/'iml'))
    photo = sorted(fields.glob('images/*'))[:1]  # a field photograph too, where the shared ones are
    with sync_playwright() as p:
        page = _page(p, server[0])
        text = _screen(page, upload + photo, 'cells screened')
        found = re.search(r'([\d,]+) cells? screened, ([\d,]+) called parasitized at threshold 0.5', text).groups()
        n, k = (int(x.replace(',', '')) for x in found)
        with page.expect_download() as d: page.locator('#csv a[download]').click()
        rows = list(csv.DictReader(open(d.value.path())))
        cells = [r for r in rows if r['label'] in ('Parasitized', 'Uninfected')]
        assert (n, k) == (len(cells), sum(r['label'] == 'Parasitized' for r in cells))
        page.screenshot(path=os.getenv('APP_SCREENSHOT', str(tmp_path/'app.png')), full_page=True)
        page.locator('input[type=number]').fill('0.9'); page.locator('input[type=number]').press('Enter')
        page.wait_for_selector('#result :text("at threshold 0.9")', timeout=60_000)  # the model is not run again
        said = page.inner_text('#result')
        k9 = int(re.search(r'([\d,]+) called parasitized at threshold 0.9', said)[1].replace(',', ''))
        assert k9 == sum(float(r['prob_parasitized']) >= 0.9 for r in cells)
        with page.expect_download() as d: page.locator('#csv a[download]').click()
        assert sum(r['label'] == 'Parasitized' for r in csv.DictReader(open(d.value.path()))) == k9
        assert len(mine := visitors(server[1]) - before) == 1  # this visitor's folder, until they leave
        page.close()
        for _ in range(60):
            if not mine & visitors(server[1]): break
            time.sleep(0.5)
        assert not mine & visitors(server[1]), "the visitor's folder outlived their page"

def test_bad_input_through_the_page(server, tmp_path):
    from playwright.sync_api import sync_playwright
    (bad := tmp_path/'notes.txt').write_text('not an image')
    zipfile.ZipFile(empty := tmp_path/'empty.zip', 'w').close()
    with zipfile.ZipFile(bomb := tmp_path/'bomb.zip', 'w', zipfile.ZIP_DEFLATED) as z:
        for i in range(3): z.writestr(f'{i}.png', b'\0'*(800*2**20))
    (many := tmp_path/'many').mkdir()
    for i in range(10_000): (many/f'{i}.png').write_bytes(b'x')
    with sync_playwright() as p:
        page = _page(p, server[0])
        for files, expect in (([bad], '1 image unreadable'), ([empty], 'No images in the upload'),
                              ([bomb], 'The zips unpack to'),
                              (sorted(many.iterdir()), f'at most {MAX_FILES:,} an upload')):
            page.goto(server[0])
            text = _screen(page, files, expect)
            assert 'Traceback' not in text and str(tmp_path) not in text and 'Error' not in page.inner_text('body')

def test_open_to_the_network_without_a_password_says_so(model, tmp_path):
    p, url, out = start_app(model, tmp_path, '--host', '0.0.0.0')
    try: assert 'WARNING: Open to the network (0.0.0.0) with no password' in out
    finally: p.terminate(); p.wait(60)
