"""tools/analysis/study.py: which cells run, what the tools are called with,
and the aggregation arithmetic, on fixture work directories (no training:
the tools are replaced by a fake that writes what they would).

The runner reads back what the hosts' tools write: tools/test.py's metrics
in ``<work_dir>/<timestamp>/<timestamp>.json`` (open-mmlab/mmengine v0.10.7,
mmengine/hooks/logger_hook.py L163 ``json_log_path`` and L276-L293
``after_test_epoch``) and the last checkpoint's path in
``<work_dir>/last_checkpoint`` (mmengine/hooks/checkpoint_hook.py L459).
The paired interval is Student's t interval (see
tests/core/test_seed_statistics.py), t_{0.975, 2} = 4.303.
"""
import importlib.util
import json
import math
import os
import os.path as osp

import pytest

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
TOOL = osp.join(ROOT, 'tools', 'analysis', 'study.py')


def load_tool():
    spec = importlib.util.spec_from_file_location('study', TOOL)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


study = load_tool()

BASE = 'configs/demo/hard/mask_rcnn.py'
SEESAW = 'configs/demo/hard/seesaw_mask_rcnn.py'
CLASSIFIER = 'configs/demo/hard/mask_rcnn_classifier.py'


def make_spec(work_root, seeds=(0, 1)):
    return study.check_spec(
        dict(
            work_root=str(work_root),
            seeds=list(seeds),
            cells=[
                dict(name='baseline', config=BASE),
                dict(name='seesaw', config=SEESAW, baseline='baseline'),
                dict(name='classifier', config=CLASSIFIER,
                     baseline='baseline', depends_on='baseline'),
                dict(name='posthoc', config=BASE, baseline='baseline',
                     depends_on='baseline', train=False,
                     cfg_options={'model.test_cfg.rcnn.score_thr': 0.001}),
            ]), 'spec')


def metrics(ap, apr):
    return {'lvis/bbox_AP': ap, 'lvis/bbox_APr': apr, 'lvis/bbox_APc': 0.5,
            'lvis/bbox_APf': 0.7, 'lvis/segm_AP': ap - 0.01,
            'lvis/bbox_APl': -1.0, 'data_time': 0.1}


def options(spec, name, seed):
    cell = {c['name']: c for c in spec['cells']}[name]
    return study.cell_options(cell, seed)


def finish(spec, name, seed, ap=0.5, apr=0.3, trained=True):
    """A work directory as a finished run leaves it."""
    wd = osp.join(spec['work_root'], name, f'seed_{seed}')
    os.makedirs(wd, exist_ok=True)
    cell = {c['name']: c for c in spec['cells']}[name]
    record = dict(config=cell['config'], seed=seed,
                  cfg_options=options(spec, name, seed))
    if trained:
        ckpt = osp.join(wd, 'epoch_2.pth')
        open(ckpt, 'w').close()
        study._write_json(dict(record, checkpoint='epoch_2.pth', seconds=10.0,
                               cpu_seconds=19.0, load_from=None),
                          osp.join(wd, study.TRAIN_FILE))
    study._write_json(dict(record, cell=name, metrics=metrics(ap, apr),
                           train_seconds=10.0, test_seconds=2.0),
                      osp.join(wd, study.RESULT_FILE))
    return wd


class FakeTools:
    """Stands in for tools/train.py and tools/test.py: records each call
    and writes the files the real tools leave."""

    def __init__(self, fail=()):
        self.calls = []
        self.envs = []
        self.fail = fail

    def __call__(self, cmd, log_path, env=None):
        tool = osp.basename(cmd[1])
        wd = cmd[cmd.index('--work-dir') + 1]
        opts = cmd[cmd.index('--cfg-options') + 1:]
        self.calls.append((tool, cmd[2], wd, cmd[3:cmd.index('--work-dir')],
                           '--resume' in cmd, opts))
        self.envs.append(env)
        assert osp.exists(log_path) or osp.isdir(osp.dirname(log_path))
        if (tool, wd) in self.fail:
            return 1, 1.0, 1.0
        if tool == 'train.py':
            ckpt = osp.join(wd, 'epoch_2.pth')
            open(ckpt, 'w').close()
            with open(osp.join(wd, 'last_checkpoint'), 'w') as f:
                f.write(ckpt)
        else:
            stamp = f'2026010{len(self.calls)}_000000'
            os.makedirs(osp.join(wd, stamp, 'vis_data'))
            with open(osp.join(wd, stamp, f'{stamp}.json'), 'w') as f:
                json.dump(metrics(0.42, 0.21), f)
        return 0, 3.0, 5.0


@pytest.fixture
def fake_tools(monkeypatch):
    tools = FakeTools()
    monkeypatch.setattr(study, 'run_command', tools)
    monkeypatch.setattr(study, 'prepare_data', lambda config, dry_run: None)
    return tools


def test_finished_cells_are_skipped_without_running_a_tool(
        tmp_path, monkeypatch):
    """Every (cell, seed) has its result: nothing is trained or tested,
    and no dataset is generated."""

    def forbidden(*args):
        raise AssertionError(f'a tool was started: {args}')

    monkeypatch.setattr(study, 'run_command', forbidden)
    monkeypatch.setattr(study, 'prepare_data', forbidden)
    spec = make_spec(tmp_path)
    for name in ('baseline', 'seesaw', 'classifier', 'posthoc'):
        for seed in (0, 1):
            finish(spec, name, seed, trained=name != 'posthoc')
    lines = []
    report = study.run_study(spec, log=lines.append)
    assert [r[2] for r in report] == ['done'] * 8
    assert all('skip' in line for line in lines)


def test_only_what_is_missing_runs_in_dependency_order(tmp_path, fake_tools):
    """baseline 0 finished; baseline 1 trained, not tested; seesaw 0
    interrupted (a last_checkpoint, no train record); the rest new."""
    spec = make_spec(tmp_path)
    base0 = finish(spec, 'baseline', 0)
    base1 = finish(spec, 'baseline', 1)
    os.remove(osp.join(base1, study.RESULT_FILE))
    seesaw0 = osp.join(str(tmp_path), 'seesaw', 'seed_0')
    os.makedirs(seesaw0)
    open(osp.join(seesaw0, 'last_checkpoint'), 'w').close()

    report = study.run_study(spec, log=lambda line: None, threads=1)
    assert report == [('baseline', 0, 'done'), ('seesaw', 0, 'resume'),
                      ('classifier', 0, 'train'), ('posthoc', 0, 'test'),
                      ('baseline', 1, 'test'), ('seesaw', 1, 'train'),
                      ('classifier', 1, 'train'), ('posthoc', 1, 'test')]
    calls = [(tool, osp.relpath(wd, str(tmp_path)), resume)
             for tool, _, wd, _, resume, _ in fake_tools.calls]
    assert calls == [
        ('train.py', 'seesaw/seed_0', True), ('test.py', 'seesaw/seed_0',
                                               False),
        ('train.py', 'classifier/seed_0', False),
        ('test.py', 'classifier/seed_0', False),
        ('test.py', 'posthoc/seed_0', False),
        ('test.py', 'baseline/seed_1', False),
        ('train.py', 'seesaw/seed_1', False), ('test.py', 'seesaw/seed_1',
                                                False),
        ('train.py', 'classifier/seed_1', False),
        ('test.py', 'classifier/seed_1', False),
        ('test.py', 'posthoc/seed_1', False),
    ]
    by_dir = {(tool, osp.relpath(wd, str(tmp_path))): (config, args, opts)
              for tool, config, wd, args, _, opts in fake_tools.calls}
    # seeds, no validation while training, per-class tables when testing
    config, _, opts = by_dir[('train.py', 'seesaw/seed_1')]
    assert config == SEESAW
    assert opts == ['randomness.seed=1', 'val_cfg=None',
                    'val_dataloader=None', 'val_evaluator=None']
    # a second stage loads the same seed's baseline checkpoint
    _, _, opts = by_dir[('train.py', 'classifier/seed_0')]
    assert f"load_from={osp.join(base0, 'epoch_2.pth')}" in opts
    _, _, opts = by_dir[('train.py', 'classifier/seed_1')]
    assert f"load_from={osp.join(base1, 'epoch_2.pth')}" in opts
    # a test-only cell tests the baseline's checkpoint with its options
    _, args, opts = by_dir[('test.py', 'posthoc/seed_1')]
    assert args == [osp.join(base1, 'epoch_2.pth')]
    assert opts == [
        'randomness.seed=1',
        'test_evaluator.per_class_prefix=' +
        osp.join(str(tmp_path), 'posthoc', 'seed_1', 'per_class'),
        'model.test_cfg.rcnn.score_thr=0.001'
    ]
    _, args, _ = by_dir[('test.py', 'seesaw/seed_1')]
    assert args == [osp.join(str(tmp_path), 'seesaw', 'seed_1',
                             'epoch_2.pth')]
    # --threads reaches the tools' OpenMP and MKL
    assert {(e['OMP_NUM_THREADS'], e['MKL_NUM_THREADS'])
            for e in fake_tools.envs} == {('1', '1')}
    result = json.load(
        open(osp.join(str(tmp_path), 'seesaw', 'seed_1', study.RESULT_FILE)))
    assert result['metrics']['lvis/bbox_APr'] == 0.21
    assert result['seed'] == 1 and result['config'] == SEESAW
    assert result['train_seconds'] == 3.0 and result['test_seconds'] == 3.0
    # run again: everything is finished
    before = len(fake_tools.calls)
    assert {r[2] for r in study.run_study(spec, log=lambda line: None)} == \
        {'done'}
    assert len(fake_tools.calls) == before


def test_selection_dry_run_and_locks(tmp_path, fake_tools):
    spec = make_spec(tmp_path)
    lines = []
    report = study.run_study(spec, cells=['seesaw'], seeds=[1],
                             dry_run=True, log=lines.append)
    assert report == [('seesaw', 1, 'would train')]
    assert fake_tools.calls == [] and lines == [
        f'[study] would train + test: seesaw seed 1 ({SEESAW}) in '
        f"{osp.join(str(tmp_path), 'seesaw', 'seed_1')}"
    ]
    assert not os.listdir(str(tmp_path))
    os.makedirs(osp.join(str(tmp_path), 'seesaw', 'seed_1'))
    open(osp.join(str(tmp_path), 'seesaw', 'seed_1', 'study.lock'),
         'w').close()
    report = study.run_study(spec, cells=['seesaw'], seeds=[1],
                             log=lines.append)
    assert report == [('seesaw', 1, 'locked')] and not fake_tools.calls
    with pytest.raises(study.StudyError, match='not a cell'):
        study.run_study(spec, cells=['sesaw'])


def test_two_runs_sharing_a_work_root_do_not_redo_each_others_cells(
        tmp_path, fake_tools, monkeypatch):
    """Two ``run`` commands on one work root: a cell that the other run
    finished or took after this run made its plan is skipped, neither
    trained again nor a crash (the plan's status is read again before each
    cell, and a lock taken at the last moment is a skip)."""
    spec = make_spec(tmp_path, seeds=(0, ))
    real_status = study.cell_status
    planned = []

    def other_run_works_meanwhile(work_root, cell, seed, options):
        # the plan sees nothing done; by the time each cell comes up the
        # other run has finished seesaw and holds classifier's lock
        status = real_status(work_root, cell, seed, options)
        planned.append((cell['name'], status))
        if len(planned) == 4:
            finish(spec, 'seesaw', 0)
            wd = osp.join(str(tmp_path), 'classifier', 'seed_0')
            os.makedirs(wd)
            open(osp.join(wd, study.LOCK_FILE), 'w').close()
        return status

    monkeypatch.setattr(study, 'cell_status', other_run_works_meanwhile)
    lines = []
    report = study.run_study(spec, log=lines.append)
    assert [p[1] for p in planned[:4]] == ['train', 'train', 'train', 'test']
    assert report == [('baseline', 0, 'train'), ('seesaw', 0, 'done'),
                      ('classifier', 0, 'locked'), ('posthoc', 0, 'test')]
    assert [c[0] for c in fake_tools.calls] == [
        'train.py', 'test.py', 'test.py']
    assert not any('seesaw' in c[2] or 'classifier' in c[2]
                   for c in fake_tools.calls)

    # the lock is taken between the status check and the run: a skip
    monkeypatch.setattr(study, 'cell_status', real_status)
    lock = study._Lock(osp.join(str(tmp_path), 'baseline', 'seed_0'))
    with lock, pytest.raises(study.CellLocked, match='another run'):
        with study._Lock(osp.join(str(tmp_path), 'baseline', 'seed_0')):
            pass


def test_a_failed_cell_fails_its_dependents_and_the_command(
        tmp_path, fake_tools, monkeypatch, capsys):
    spec_file = tmp_path / 'spec.json'
    spec_file.write_text(json.dumps(dict(
        work_root=str(tmp_path / 'runs'), seeds=[0],
        cells=[dict(name='baseline', config=BASE),
               dict(name='seesaw', config=SEESAW, baseline='baseline'),
               dict(name='classifier', config=CLASSIFIER,
                    depends_on='baseline')])))
    base = osp.join(str(tmp_path / 'runs'), 'baseline', 'seed_0')
    fake_tools.fail = {('train.py', base)}
    with pytest.raises(SystemExit, match='2 cell'):
        study.main(['run', str(spec_file)])
    out = capsys.readouterr().out
    assert 'FAILED baseline seed 0: tools/train.py exited with 1' in out
    assert 'FAILED classifier seed 0' in out and 'not trained yet' in out
    # seesaw still ran; nothing of the failed cells counts as finished
    assert osp.exists(osp.join(str(tmp_path / 'runs'), 'seesaw', 'seed_0',
                               study.RESULT_FILE))
    assert not os.path.exists(osp.join(base, study.RESULT_FILE))
    assert not os.path.exists(osp.join(base, study.LOCK_FILE))


def test_a_cell_finished_with_other_settings_is_an_error(tmp_path):
    spec = make_spec(tmp_path)
    finish(spec, 'seesaw', 0)
    other = study.cell_options(spec['cells'][1], 0, ['train_cfg.max_epochs=1'])
    with pytest.raises(study.StudyError, match='another work_root'):
        study.cell_status(spec['work_root'], spec['cells'][1], 0, other)


@pytest.mark.parametrize('cells, message', [
    ([dict(name='a', config=BASE, baseline='b')], "baseline 'b'"),
    ([dict(name='a', config=BASE, depends_on='b'),
      dict(name='b', config=BASE, depends_on='a')], 'cycle'),
    ([dict(name='a', config=BASE, train=False)], 'depends_on'),
    ([dict(name='a', config=BASE), dict(name='a', config=BASE)], 'twice'),
    ([dict(name='a', config=BASE, seeds=[0]),
      dict(name='b', config=BASE, depends_on='a')], 'needs seeds'),
    ([dict(name='a', config=BASE, seed=[0])], 'unknown keys'),
    ([dict(name='a b', config=BASE)], 'name'),
])
def test_bad_specs_say_what_is_wrong(cells, message):
    with pytest.raises(study.StudyError, match=message):
        study.check_spec(dict(work_root='w', seeds=[0, 1], cells=cells))


def three_seed_results(tmp_path):
    spec = make_spec(tmp_path, seeds=(0, 1, 2))
    for seed, (b, m) in enumerate([(0.30, 0.36), (0.35, 0.38),
                                   (0.40, 0.49)]):
        finish(spec, 'baseline', seed, ap=0.5, apr=b)
        finish(spec, 'seesaw', seed, ap=0.5 + seed * 0.01, apr=m)
    # the classifier finished seeds 0 and 2 only
    finish(spec, 'classifier', 0, apr=0.32)
    finish(spec, 'classifier', 2, apr=0.38)
    return spec, study.aggregate(spec, study.collect(spec))


def test_aggregate_means_stds_and_paired_t_intervals(tmp_path):
    """Baseline APr 0.30 / 0.35 / 0.40 (mean 0.35, std 0.05), Seesaw
    0.36 / 0.38 / 0.49 (mean 0.41, std 0.07 with ddof = 1); differences
    0.06 / 0.03 / 0.09: mean 0.06, s_d 0.03, interval 0.06 +- 4.303 * 0.03 /
    sqrt(3) = [-0.0145, 0.1345]."""
    spec, results = three_seed_results(tmp_path)
    assert results['metrics'] == ['bbox_AP', 'bbox_APr', 'bbox_APc',
                                  'bbox_APf', 'segm_AP']
    cells = {c['name']: c for c in results['cells']}
    assert list(cells) == ['baseline', 'seesaw', 'classifier']
    base, seesaw = cells['baseline'], cells['seesaw']
    assert base['seeds'] == [0, 1, 2]
    assert base['mean']['bbox_APr'] == pytest.approx(0.35)
    assert base['std']['bbox_APr'] == pytest.approx(0.05)
    assert seesaw['mean']['bbox_APr'] == pytest.approx(0.41)
    assert seesaw['std']['bbox_APr'] == pytest.approx(0.07)
    assert base['difference'] is None
    diff = seesaw['difference']['bbox_APr']
    half = 4.3027 * 0.03 / math.sqrt(3)
    assert diff['n'] == 3 and diff['mean'] == pytest.approx(0.06)
    assert diff['std'] == pytest.approx(0.03)
    assert diff['low'] == pytest.approx(0.06 - half, abs=1e-4)
    assert diff['high'] == pytest.approx(0.06 + half, abs=1e-4)
    assert (round(diff['low'], 4), round(diff['high'], 4)) == (-0.0145,
                                                               0.1345)
    # AP: 0.50 / 0.51 / 0.52 against 0.50: differences 0 / 0.01 / 0.02
    ap = seesaw['difference']['bbox_AP']
    assert ap['mean'] == pytest.approx(0.01) and ap['std'] == \
        pytest.approx(0.01)
    # pairs only over the seeds both ran: classifier 0 and 2
    clf = cells['classifier']
    assert clf['seeds'] == [0, 2]
    assert clf['difference']['seeds'] == [0, 2]
    assert clf['difference']['bbox_APr']['mean'] == pytest.approx(
        ((0.32 - 0.30) + (0.38 - 0.40)) / 2)
    assert clf['difference']['bbox_APr']['t'] == pytest.approx(12.706,
                                                               abs=5e-4)
    assert seesaw['seconds']['train_seconds'] == 10.0


def test_results_files_tables_and_plots(tmp_path):
    from lt_mm.core.evaluation import per_class_table, write_per_class_table
    spec, results = three_seed_results(tmp_path / 'runs')
    paths = study.write_results(results, str(tmp_path / 'out' / 'study'))
    back = study.read_results(paths['json'])
    seesaw = back['cells'][1]
    assert seesaw['difference']['bbox_APr']['mean'] == pytest.approx(0.06)
    assert back['cells'][0]['std']['segm_AP'] == pytest.approx(0)
    lines = open(paths['csv']).read().splitlines()
    header = lines[0].split(',')
    assert header[:4] == ['name', 'config', 'baseline', 'seeds']
    row = dict(zip(header, lines[2].split(',')))
    assert row['name'] == 'seesaw' and row['seeds'] == '0 1 2'
    assert row['bbox_APr_mean'] == '0.410000'
    assert row['bbox_APr_diff_low'] == '-0.014524'
    # the baseline has no difference: empty cells
    assert dict(zip(header, lines[1].split(',')))['bbox_APr_diff'] == ''

    table = study.markdown_tables(back)
    assert ('| seesaw | 3 | 0.510 ± 0.010 | 0.410 ± 0.070 | 0.500 ± 0.000 '
            '| 0.700 ± 0.000 | baseline | +0.010 [-0.015, +0.035] '
            '| +0.060 [-0.015, +0.135] |') in table
    assert '| baseline | 3 | 0.500 ± 0.000 |' in table
    assert 'segm:' in table
    out = tmp_path / 'table.md'
    study.main(['table', paths['json'], '--out', str(out)])
    assert out.read_text() == table

    png = study.plot_groups(back, str(tmp_path / 'fig' / 'groups.png'))
    with open(png, 'rb') as f:
        assert f.read(8) == b'\x89PNG\r\n\x1a\n'
    # per-class panels from the cells' tables
    for name in ('baseline', 'seesaw'):
        rows = per_class_table([1, 2, 3], ['a', 'b', 'c'], ['r', 'c', 'f'],
                               [2, 30, 150], [2, 35, 160], [0.1, 0.4, 0.8],
                               [0.2, 0.6, 0.9])
        write_per_class_table(rows, osp.join(
            spec['work_root'], name, 'seed_0', 'per_class_bbox'))
    png = study.plot_per_class(spec, ['baseline', 'seesaw'], 0, 'bbox',
                               str(tmp_path / 'fig' / 'per_class.png'))
    assert os.path.getsize(png) > 10000
    with pytest.raises(study.StudyError, match='run classifier seed 0'):
        study.plot_per_class(spec, ['classifier'], 0, 'bbox',
                             str(tmp_path / 'x.png'))


def test_the_hard_demo_study_spec(tmp_path):
    """benchmarks/studies/demo_hard.py: every config exists, second stages
    come after the baseline they load, 3 seeds each."""
    spec = study.load_spec(
        osp.join(ROOT, 'benchmarks', 'studies', 'demo_hard.py'))
    names = [c['name'] for c in spec['cells']]
    assert names[0] == 'baseline'
    for cell in spec['cells']:
        assert osp.isfile(osp.join(ROOT, cell['config'])), cell['config']
        assert cell['seeds'] == [0, 1, 2]
        if cell['depends_on']:
            assert names.index(cell['depends_on']) < names.index(
                cell['name'])
    shipped = {c['config'].split('/')[-1] for c in spec['cells']}
    assert shipped == {
        osp.basename(p) for p in os.listdir(
            osp.join(ROOT, 'configs', 'demo', 'hard'))
    }
    assert {c['name']: c['baseline'] for c in spec['cells']}['acsl'] == \
        'classifier'


def test_readme_study_tables_are_the_committed_results():
    """The README's study tables are ``study.py table`` of the committed
    benchmarks/results/demo_hard.json, so they cannot drift apart."""
    results = study.read_results(
        osp.join(ROOT, 'benchmarks', 'results', 'demo_hard.json'))
    with open(osp.join(ROOT, 'README.md'), encoding='utf-8') as f:
        readme = f.read()
    begin = '<!-- study.py table benchmarks/results/demo_hard.json -->\n'
    end = '<!-- end of study.py table -->'
    assert begin in readme and end in readme
    block = readme.split(begin, 1)[1].split(end, 1)[0]
    assert block.strip() == study.markdown_tables(results).strip()
