"""Run methods against their baselines over seeds, resumably, and aggregate.

    python tools/analysis/study.py run SPEC [--cells NAME ...] [--seeds S ...]
        [--work-root DIR] [--dry-run] [--threads N]
        [--cfg-options key=value ...]
    python tools/analysis/study.py aggregate SPEC [--work-root DIR]
        --out PREFIX                       (writes PREFIX.json and PREFIX.csv)
    python tools/analysis/study.py table RESULTS.json [--out FILE.md]
    python tools/analysis/study.py plot RESULTS.json --out FIG.png
    python tools/analysis/study.py per-class SPEC --cells NAME ... [--seed S]
        [--iou-type bbox|segm] [--work-root DIR] --out FIG.png

SPEC is a .py, .json or .yaml file (read with mmengine's Config) that
lists the study's cells::

    work_root = 'work_dirs/study/demo_hard'
    seeds = [0, 1, 2]
    cells = [
        dict(name='baseline', config='configs/demo/hard/mask_rcnn.py'),
        dict(name='seesaw', config='configs/demo/hard/seesaw_mask_rcnn.py',
             baseline='baseline'),
        # a second stage: trains from the same seed's baseline checkpoint
        dict(name='classifier',
             config='configs/demo/hard/mask_rcnn_classifier.py',
             baseline='baseline', depends_on='baseline'),
        # test time only: evaluates the same seed's baseline checkpoint
        dict(name='norcal', config='configs/demo/hard/norcal_mask_rcnn.py',
             baseline='baseline', depends_on='baseline', train=False),
    ]

A cell may also set ``seeds`` (its own list) and ``cfg_options`` (a dict
passed to both tools). ``run`` trains every (cell, seed) with
``tools/train.py`` (``randomness.seed=S``; no validation during training;
``load_from`` the checkpoint of ``depends_on`` for the same seed), then
evaluates the last checkpoint with ``tools/test.py``, which also writes the
per-class tables (``per_class_{bbox,segm}.csv``), in
``WORK_ROOT/NAME/seed_S``. When both tools succeeded it writes
``study_result.json`` there (the test metrics, checkpoint, options and
times). A cell with that file is finished and skipped, so a study can be
stopped and run again, or spread over machines (``--cells``, ``--seeds``)
that share WORK_ROOT or whose work directories are copied together later;
a cell trained but not tested is only tested, a cell whose training was
interrupted resumes from its last checkpoint. A running cell holds
``study.lock``. A config that sets ``lvis_demo = dict(...)`` (the
generator's arguments) gets its demo dataset generated in its ``data_root``
when it is missing.

``aggregate`` reads the finished cells and writes, per cell and metric (AP,
APr, APc, APf of bbox and segm), the mean and sample standard deviation over
seeds and the mean paired difference to the cell's baseline (same seeds)
with its 95% t confidence interval (lt_mm.core.evaluation.seed_statistics),
and the mean training and test times. ``table`` prints the Markdown tables
of such a results file, ``plot`` draws per-group AP with error bars (one
standard deviation) and ``per-class`` draws per-class AP against training
images for chosen cells (tools/analysis/plot_per_class_ap.py's panels).
"""
import argparse
import csv
import importlib.util
import json
import math
import os
import os.path as osp
import platform
import re
import resource
import socket
import subprocess
import sys
import time

from lt_mm.core.evaluation.seed_statistics import mean_std, paired_difference

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
TRAIN_TOOL = osp.join(ROOT, 'tools', 'train.py')
TEST_TOOL = osp.join(ROOT, 'tools', 'test.py')
PLOT_TOOL = osp.join(ROOT, 'tools', 'analysis', 'plot_per_class_ap.py')

RESULT_FILE = 'study_result.json'
TRAIN_FILE = 'study_train.json'
LOCK_FILE = 'study.lock'
PER_CLASS_PREFIX = 'per_class'
IOU_TYPES = ('bbox', 'segm')
GROUPS = ('AP', 'APr', 'APc', 'APf')
#: metrics aggregated, as '<iou type>_<figure>' (evaluator keys
#: 'lvis/bbox_AP' ...)
METRICS = tuple(f'{i}_{g}' for i in IOU_TYPES for g in GROUPS)
CONFIDENCE = 0.95
# the tools' own validation would evaluate the model a second time
NO_VALIDATION = ('val_cfg=None', 'val_dataloader=None', 'val_evaluator=None')
_CELL_KEYS = {'name', 'config', 'baseline', 'depends_on', 'train', 'seeds',
              'cfg_options'}
_NAME = re.compile(r'^[A-Za-z0-9][A-Za-z0-9_.+-]*$')


class StudyError(Exception):
    """A study spec or a work directory that cannot be used as it is."""


class CellLocked(StudyError):
    """Another run took the (cell, seed) first."""


# ----------------------------------------------------------------- the spec


def load_spec(path, work_root=None):
    """Read and check a study spec.

    Args:
        path (str): A .py, .json or .yaml file with ``cells``, ``seeds``
            and ``work_root``.
        work_root (str, optional): Overrides the spec's ``work_root``.

    Returns:
        dict: ``cells`` (each with every key filled in, in an order where a
        cell comes after its ``depends_on``), ``work_root`` and ``path``.
    """
    from mmengine.config import Config
    if not osp.isfile(path):
        raise StudyError(f'{path}: no such study spec')
    raw = Config.fromfile(path).to_dict()
    return check_spec(raw, path, work_root)


def check_spec(raw, path='<spec>', work_root=None):
    """Check a spec dict and fill in each cell's defaults (see load_spec)."""
    # names starting with '_' are a .py spec's own helpers
    unknown = {k for k in raw if not k.startswith('_')} - {
        'cells', 'seeds', 'work_root'}
    if unknown:
        raise StudyError(f'{path}: unknown keys {sorted(unknown)}; a spec '
                         'has cells, seeds and work_root')
    work_root = work_root or raw.get('work_root')
    if not work_root:
        raise StudyError(f'{path}: set work_root (or pass --work-root)')
    seeds = _check_seeds(raw.get('seeds'), f'{path}: seeds')
    cells = raw.get('cells')
    if not cells:
        raise StudyError(f'{path}: cells is empty')
    by_name = {}
    for i, cell in enumerate(cells):
        if not isinstance(cell, dict) or 'name' not in cell \
                or 'config' not in cell:
            raise StudyError(f'{path}: cell {i} needs a name and a config')
        name = cell['name']
        where = f'{path}: cell {name!r}'
        if not isinstance(name, str) or not _NAME.match(name):
            raise StudyError(f'{where}: a name is letters, digits and _.+-')
        if name in by_name:
            raise StudyError(f'{where}: the name is used twice')
        extra = set(cell) - _CELL_KEYS
        if extra:
            raise StudyError(f'{where}: unknown keys {sorted(extra)}; a '
                             f'cell has {sorted(_CELL_KEYS)}')
        full = dict(
            name=name,
            config=cell['config'],
            baseline=cell.get('baseline'),
            depends_on=cell.get('depends_on'),
            train=bool(cell.get('train', True)),
            seeds=_check_seeds(cell.get('seeds', seeds), f'{where}: seeds'),
            cfg_options=dict(cell.get('cfg_options') or {}))
        if not full['train'] and not full['depends_on']:
            raise StudyError(f'{where}: a cell with train=False tests the '
                             'checkpoint of its depends_on cell; set one')
        by_name[name] = full
    for name, cell in by_name.items():
        for key in ('baseline', 'depends_on'):
            other = cell[key]
            if other is None:
                continue
            if other not in by_name:
                raise StudyError(f'{path}: cell {name!r}: {key} {other!r} '
                                 'is not a cell of the study')
            if other == name:
                raise StudyError(f'{path}: cell {name!r} is its own {key}')
            missing = set(cell['seeds']) - set(by_name[other]['seeds'])
            if key == 'depends_on' and missing:
                raise StudyError(
                    f'{path}: cell {name!r} needs seeds {sorted(missing)} '
                    f'of {other!r}, which does not run them')
            if key == 'depends_on' and not by_name[other]['train']:
                raise StudyError(f'{path}: cell {name!r} depends on '
                                 f'{other!r}, which trains nothing')
    return dict(
        cells=_dependency_order(by_name, path), work_root=work_root,
        path=path)


def _check_seeds(seeds, where):
    if seeds is None:
        raise StudyError(f'{where}: give a list of seeds')
    if isinstance(seeds, int) or not all(
            isinstance(s, int) and not isinstance(s, bool) and s >= 0
            for s in seeds) or not seeds:
        raise StudyError(f'{where}: expected a list of non-negative ints, '
                         f'got {seeds!r}')
    if len(set(seeds)) != len(seeds):
        raise StudyError(f'{where}: a seed is listed twice: {seeds!r}')
    return list(seeds)


def _dependency_order(by_name, path):
    """Cells in spec order, except that each comes after its depends_on."""
    ordered, state = [], {}

    def visit(name, chain):
        if state.get(name) == 'done':
            return
        if state.get(name) == 'visiting':
            raise StudyError(f'{path}: depends_on forms a cycle: '
                             + ' -> '.join(chain + [name]))
        state[name] = 'visiting'
        dep = by_name[name]['depends_on']
        if dep is not None:
            visit(dep, chain + [name])
        state[name] = 'done'
        ordered.append(by_name[name])

    for name in by_name:
        visit(name, [])
    return ordered


def work_dir(work_root, cell, seed):
    """The work directory of one (cell, seed)."""
    return osp.join(work_root, cell['name'], f'seed_{seed}')


# ----------------------------------------------------- one cell's progress


def _read_json(path):
    with open(path, encoding='utf-8') as f:
        return json.load(f)


def _write_json(obj, path):
    # temporary file and rename: a reader never sees half a result
    tmp = f'{path}.tmp{os.getpid()}'
    with open(tmp, 'w', encoding='utf-8') as f:
        json.dump(obj, f, indent=1, sort_keys=True)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def cell_options(cell, seed, extra=()):
    """The ``--cfg-options`` of a cell: the seed, its own options, then the
    command line's (later ones win)."""
    options = [f'randomness.seed={seed}']
    options += [f'{k}={_option_value(v)}'
                for k, v in sorted(cell['cfg_options'].items())]
    return options + list(extra)


def _option_value(value):
    # mmengine's DictAction reads lists as [a,b] and tuples as (a,b)
    if isinstance(value, (list, tuple)):
        inner = ','.join(_option_value(v) for v in value)
        return f'[{inner}]' if isinstance(value, list) else f'({inner})'
    if isinstance(value, str):
        return value
    return repr(value)


def cell_status(work_root, cell, seed, options):
    """What remains to do for one (cell, seed).

    Returns:
        str: 'done' (a result exists), 'locked' (another run holds it),
        'test' (trained, not tested), 'resume' (training interrupted) or
        'train'.
    """
    wd = work_dir(work_root, cell, seed)
    result = osp.join(wd, RESULT_FILE)
    if osp.exists(result):
        _check_identity(_read_json(result), cell, seed, options, result)
        return 'done'
    if osp.exists(osp.join(wd, LOCK_FILE)):
        return 'locked'
    if not cell['train']:
        return 'test'
    marker = osp.join(wd, TRAIN_FILE)
    if osp.exists(marker):
        _check_identity(_read_json(marker), cell, seed, options, marker)
        return 'test'
    if osp.exists(osp.join(wd, 'last_checkpoint')):
        return 'resume'
    return 'train'


def _check_identity(record, cell, seed, options, path):
    """A finished cell counts only with the same config, seed and options."""
    mine = dict(config=cell['config'], seed=seed, cfg_options=options)
    theirs = {k: record.get(k) for k in mine}
    if theirs != mine:
        raise StudyError(
            f'{path} was made with {theirs}, this study asks for {mine}: '
            'use another work_root or remove that directory')


def trained_checkpoint(work_root, cell, seed):
    """The final checkpoint of a trained (cell, seed), or None.

    The train record names it relative to the work directory, so work
    directories can be moved or copied between machines.
    """
    wd = work_dir(work_root, cell, seed)
    marker = osp.join(wd, TRAIN_FILE)
    if not osp.exists(marker):
        return None
    return osp.join(wd, _read_json(marker)['checkpoint'])


def _last_checkpoint(wd):
    path = osp.join(wd, 'last_checkpoint')
    if not osp.exists(path):
        raise StudyError(f'{wd}: training ended without a checkpoint')
    with open(path) as f:
        checkpoint = f.read().strip()
    if not osp.isabs(checkpoint) and not osp.exists(checkpoint):
        checkpoint = osp.join(wd, osp.basename(checkpoint))
    if not osp.exists(checkpoint):
        raise StudyError(f'{wd}: last_checkpoint names {checkpoint}, which '
                         'does not exist')
    return checkpoint


def _test_metrics(wd, before):
    """The metrics tools/test.py wrote in a new ``<timestamp>/<timestamp>
    .json`` of the work directory (mmengine's LoggerHook.after_test_epoch).
    """
    new = sorted(set(_run_dirs(wd)) - set(before))
    for stamp in reversed(new):
        path = osp.join(wd, stamp, f'{stamp}.json')
        if osp.exists(path):
            metrics = _read_json(path)
            return {k: v for k, v in metrics.items()
                    if isinstance(v, (int, float))}
    raise StudyError(f'{wd}: tools/test.py wrote no metrics file '
                     '(<timestamp>/<timestamp>.json)')


def _run_dirs(wd):
    if not osp.isdir(wd):
        return []
    return [d for d in os.listdir(wd) if osp.isdir(osp.join(wd, d))]


# ----------------------------------------------------------------- running


def run_command(cmd, log_path, env=None):
    """Run one tool, its output appended to ``log_path``; returns the exit
    status, wall seconds and CPU seconds of the child processes."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    with open(log_path, 'a', encoding='utf-8') as log:
        log.write('$ ' + ' '.join(cmd) + '\n')
        log.flush()
        code = subprocess.run(cmd, stdout=log, stderr=subprocess.STDOUT,
                              env=env, check=False).returncode
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime -
                                                 before.ru_stime)
    return code, time.perf_counter() - start, cpu


def train_command(cell, wd, options, resume, load_from):
    cmd = [sys.executable, TRAIN_TOOL, cell['config'], '--work-dir', wd]
    if resume:
        cmd.append('--resume')
    extra = list(NO_VALIDATION)
    if load_from is not None and not resume:
        extra.append(f'load_from={load_from}')
    return cmd + ['--cfg-options'] + options[:1] + extra + options[1:]


def test_command(cell, wd, options, checkpoint):
    prefix = osp.join(wd, PER_CLASS_PREFIX)
    return [
        sys.executable, TEST_TOOL, cell['config'], checkpoint, '--work-dir',
        wd, '--cfg-options'
    ] + options[:1] + [f'test_evaluator.per_class_prefix={prefix}'
                       ] + options[1:]


class _Lock:
    """``study.lock`` in a work directory while a run works on it."""

    def __init__(self, wd):
        self.path = osp.join(wd, LOCK_FILE)

    def __enter__(self):
        os.makedirs(osp.dirname(self.path), exist_ok=True)
        try:
            fd = os.open(self.path, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
        except FileExistsError:
            raise CellLocked(f'{self.path} exists: another run works on '
                             'it (remove the file if none does)') from None
        with os.fdopen(fd, 'w') as f:
            f.write(f'{socket.gethostname()} {os.getpid()}\n')
        return self

    def __exit__(self, *exc):
        os.remove(self.path)


def run_cell(work_root, cell, seed, options, status, threads=None):
    """Train (unless tested only) and test one (cell, seed); writes its
    result file and returns the result. ``threads`` sets the tools'
    OMP_NUM_THREADS / MKL_NUM_THREADS."""
    env = None
    if threads is not None:
        env = dict(os.environ, OMP_NUM_THREADS=str(threads),
                   MKL_NUM_THREADS=str(threads))
    wd = work_dir(work_root, cell, seed)
    with _Lock(wd):
        record = dict(config=cell['config'], seed=seed, cfg_options=options)
        times = {}
        if cell['train'] and status in ('train', 'resume'):
            load_from = None
            if cell['depends_on'] is not None:
                load_from = _dependency_checkpoint(work_root, cell, seed)
            code, wall, cpu = run_command(
                train_command(cell, wd, options, status == 'resume',
                              load_from), osp.join(wd, 'study_train.log'),
                env)
            if code != 0:
                raise StudyError(
                    f"{cell['name']} seed {seed}: tools/train.py exited "
                    f"with {code}; see {osp.join(wd, 'study_train.log')}")
            _write_json(
                dict(record, checkpoint=osp.basename(_last_checkpoint(wd)),
                     load_from=load_from, seconds=wall, cpu_seconds=cpu),
                osp.join(wd, TRAIN_FILE))
        if cell['train']:
            train = _read_json(osp.join(wd, TRAIN_FILE))
            checkpoint = trained_checkpoint(work_root, cell, seed)
            times.update(train_seconds=train['seconds'],
                         train_cpu_seconds=train['cpu_seconds'])
        else:
            checkpoint = _dependency_checkpoint(work_root, cell, seed)
        before = _run_dirs(wd)
        code, wall, cpu = run_command(
            test_command(cell, wd, options, checkpoint),
            osp.join(wd, 'study_test.log'), env)
        if code != 0:
            raise StudyError(
                f"{cell['name']} seed {seed}: tools/test.py exited with "
                f"{code}; see {osp.join(wd, 'study_test.log')}")
        result = dict(
            record,
            cell=cell['name'],
            checkpoint=checkpoint,
            metrics=_test_metrics(wd, before),
            test_seconds=wall,
            test_cpu_seconds=cpu,
            threads=threads,
            host=socket.gethostname(),
            cpus=os.cpu_count(),
            machine=platform.processor() or platform.machine(),
            finished=time.strftime('%Y-%m-%dT%H:%M:%S'),
            **times)
        _write_json(result, osp.join(wd, RESULT_FILE))
    return result


def _dependency_checkpoint(work_root, cell, seed):
    dep = cell['depends_on']
    checkpoint = trained_checkpoint(work_root, dict(name=dep), seed)
    if checkpoint is None:
        raise StudyError(
            f"{cell['name']} seed {seed} needs the checkpoint of {dep!r} "
            f'seed {seed}, which is not trained yet: run that cell first')
    return checkpoint


def prepare_data(config, dry_run=False):
    """Generate a demo dataset a config describes (``lvis_demo``) when its
    files are missing; returns the data root it generated, or None."""
    from mmengine.config import Config
    cfg = Config.fromfile(config)
    spec = cfg.get('lvis_demo')
    if spec is None:
        return None
    ann = osp.join(cfg.data_root, 'annotations', 'lvis_v1_val.json')
    if osp.exists(ann):
        return None
    if not dry_run:
        from lt_mm.datasets.lvis_demo import generate_lvis_demo
        generate_lvis_demo(cfg.data_root, progress=True, **spec)
    return cfg.data_root


def plan(spec, cells=None, seeds=None, extra_options=()):
    """Every selected (cell, seed, options, status) in running order:
    seed by seed, so that a stopped study has whole seeds."""
    names = [c['name'] for c in spec['cells']]
    for name in cells or ():
        if name not in names:
            raise StudyError(f'--cells: {name!r} is not a cell of the study '
                             f'({names})')
    all_seeds = sorted({s for c in spec['cells'] for s in c['seeds']})
    rows = []
    for seed in all_seeds:
        if seeds is not None and seed not in seeds:
            continue
        for cell in spec['cells']:
            if cells and cell['name'] not in cells:
                continue
            if seed not in cell['seeds']:
                continue
            options = cell_options(cell, seed, extra_options)
            rows.append((cell, seed, options,
                         cell_status(spec['work_root'], cell, seed,
                                     options)))
    return rows


def run_study(spec, cells=None, seeds=None, extra_options=(),
              dry_run=False, log=print, threads=None):
    """Run every selected (cell, seed) that is not finished.

    Returns:
        list[tuple[str, int, str]]: (cell, seed, what happened).
    """
    rows = plan(spec, cells, seeds, extra_options)
    todo = [r for r in rows if r[3] not in ('done', 'locked')]
    for config in dict.fromkeys(r[0]['config'] for r in todo):
        made = prepare_data(config, dry_run)
        if made:
            log(f'[study] {"would generate" if dry_run else "generated"} '
                f'the demo dataset of {config} in {made}')
    report = []
    for cell, seed, options, status in rows:
        name = f"{cell['name']} seed {seed}"
        wd = work_dir(spec['work_root'], cell, seed)
        if not dry_run:
            # another run sharing the work root may have taken or finished
            # the cell since the plan was made
            status = cell_status(spec['work_root'], cell, seed, options)
        if status in ('done', 'locked'):
            why = 'finished' if status == 'done' else (
                f'{osp.join(wd, LOCK_FILE)} exists: another run works on it '
                '(remove the file if none does)')
            log(f'[study] skip {name}: {why}')
            report.append((cell['name'], seed, status))
            continue
        steps = dict(train='train + test', resume='resume training + test',
                     test='test')[status]
        if dry_run:
            log(f"[study] would {steps}: {name} ({cell['config']}) in {wd}")
            report.append((cell['name'], seed, f'would {status}'))
            continue
        log(f"[study] {steps}: {name} ({cell['config']}) in {wd}")
        start = time.perf_counter()
        try:
            result = run_cell(spec['work_root'], cell, seed, options, status,
                              threads)
        except CellLocked as e:
            log(f'[study] skip {name}: {e}')
            report.append((cell['name'], seed, 'locked'))
            continue
        except StudyError as e:
            # the other cells still run; the ones that need this one fail
            log(f'[study] FAILED {e}')
            report.append((cell['name'], seed, 'failed'))
            continue
        summary = ', '.join(f'{m} {result["metrics"][f"lvis/{m}"]:.3f}'
                            for m in METRICS
                            if f'lvis/{m}' in result['metrics'])
        log(f'[study] done {name} in {time.perf_counter() - start:.0f}s: '
            f'{summary}')
        report.append((cell['name'], seed, status))
    return report


# ------------------------------------------------------------- aggregation


def collect(spec):
    """Finished results: {cell name: {seed: result dict}}."""
    runs = {}
    for cell in spec['cells']:
        for seed in cell['seeds']:
            path = osp.join(work_dir(spec['work_root'], cell, seed),
                            RESULT_FILE)
            if osp.exists(path):
                runs.setdefault(cell['name'], {})[seed] = _read_json(path)
    return runs


def _metric(result, name):
    value = result['metrics'].get(f'lvis/{name}')
    # LVIS reports -1 for a figure without ground truth
    if value is None or value < 0:
        return float('nan')
    return float(value)


def aggregate(spec, runs, metrics=METRICS, confidence=CONFIDENCE):
    """Mean, std and paired differences of every cell with results.

    Args:
        spec (dict): A checked spec (load_spec).
        runs (dict): {cell name: {seed: result}} (collect).
        metrics (Sequence[str]): Metric names like 'bbox_APr'.
        confidence (float): Of the paired-difference interval.

    Returns:
        dict: The results file's content.
    """
    present = [m for m in metrics
               if any(f'lvis/{m}' in r['metrics']
                      for by_seed in runs.values() for r in by_seed.values())]
    cells = []
    for cell in spec['cells']:
        by_seed = runs.get(cell['name'], {})
        if not by_seed:
            continue
        seeds = sorted(by_seed)
        row = dict(
            name=cell['name'],
            config=cell['config'],
            baseline=cell['baseline'],
            depends_on=cell['depends_on'],
            seeds=seeds,
            values={m: [_metric(by_seed[s], m) for s in seeds]
                    for m in present},
            seconds={
                key: mean_std([by_seed[s].get(key, float('nan'))
                               for s in seeds])['mean']
                for key in ('train_seconds', 'test_seconds',
                            'train_cpu_seconds', 'test_cpu_seconds')
            })
        row['mean'], row['std'] = {}, {}
        for m in present:
            stats = mean_std(row['values'][m])
            row['mean'][m], row['std'][m] = stats['mean'], stats['std']
        row['difference'] = None
        base = runs.get(cell['baseline']) if cell['baseline'] else None
        if base:
            paired = [s for s in seeds if s in base]
            row['difference'] = dict(seeds=paired)
            for m in present:
                row['difference'][m] = paired_difference(
                    [_metric(by_seed[s], m) for s in paired],
                    [_metric(base[s], m) for s in paired], confidence)
        cells.append(row)
    return dict(
        spec=spec['path'],
        work_root=spec['work_root'],
        metrics=present,
        confidence=confidence,
        cells=cells)


def _json_safe(value):
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_safe(v) for v in value]
    return value


def csv_rows(results):
    """One row per cell: means, stds and differences side by side."""
    rows = []
    for cell in results['cells']:
        row = dict(name=cell['name'], config=cell['config'],
                   baseline=cell['baseline'] or '',
                   seeds=' '.join(map(str, cell['seeds'])))
        for m in results['metrics']:
            row[f'{m}_mean'] = cell['mean'][m]
            row[f'{m}_std'] = cell['std'][m]
            diff = (cell['difference'] or {}).get(m) or {}
            row[f'{m}_diff'] = diff.get('mean', float('nan'))
            row[f'{m}_diff_low'] = diff.get('low', float('nan'))
            row[f'{m}_diff_high'] = diff.get('high', float('nan'))
        row['train_seconds'] = cell['seconds']['train_seconds']
        row['test_seconds'] = cell['seconds']['test_seconds']
        rows.append(row)
    return rows


def write_results(results, prefix):
    """Write ``{prefix}.json`` and ``{prefix}.csv``; returns the paths
    (non-finite numbers become null / empty)."""
    os.makedirs(osp.dirname(osp.abspath(prefix)), exist_ok=True)
    paths = dict(json=f'{prefix}.json', csv=f'{prefix}.csv')
    with open(paths['json'], 'w', encoding='utf-8') as f:
        json.dump(_json_safe(results), f, indent=1)
        f.write('\n')
    rows = csv_rows(results)
    with open(paths['csv'], 'w', newline='', encoding='utf-8') as f:
        if rows:
            writer = csv.DictWriter(f, fieldnames=list(rows[0]))
            writer.writeheader()
            for row in rows:
                writer.writerow({
                    k: ('' if isinstance(v, float) and not math.isfinite(v)
                        else (f'{v:.6f}' if isinstance(v, float) else v))
                    for k, v in row.items()
                })
    return paths


def read_results(path):
    """A results JSON with null read back as NaN."""

    def nan(value):
        if value is None:
            return float('nan')
        if isinstance(value, dict):
            return {k: (v if k in ('baseline', 'depends_on', 'difference')
                        and v is None else nan(v))
                    for k, v in value.items()}
        if isinstance(value, list):
            return [nan(v) for v in value]
        return value

    data = _read_json(path)
    data['cells'] = [nan(c) for c in data['cells']]
    return data


# ---------------------------------------------------------- tables, plots


def _fmt(value, signed=False):
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return '—'
    return f'{value:+.3f}' if signed else f'{value:.3f}'


def markdown_tables(results):
    """Markdown: per IoU type, each cell's AP / APr / APc / APf as
    mean ± std over seeds and the paired difference of AP and APr to its
    baseline with the confidence interval."""
    level = round(100 * results['confidence'])
    out = []
    for iou in IOU_TYPES:
        metrics = [f'{iou}_{g}' for g in GROUPS
                   if f'{iou}_{g}' in results['metrics']]
        if not metrics:
            continue
        diffs = [m for m in (f'{iou}_AP', f'{iou}_APr') if m in metrics]
        header = (['method', 'seeds'] + [m.split('_')[1] for m in metrics] +
                  ['baseline'] +
                  [f'Δ{m.split("_")[1]} [{level}% CI]' for m in diffs])
        lines = [f'{iou}:', '', '| ' + ' | '.join(header) + ' |',
                 '|' + '|'.join(['---'] * len(header)) + '|']
        for cell in results['cells']:
            row = [cell['name'], str(len(cell['seeds']))]
            for m in metrics:
                mean, std = cell['mean'][m], cell['std'][m]
                row.append(_fmt(mean) if std is None or math.isnan(std) else
                           f'{_fmt(mean)} ± {_fmt(std)}')
            row.append(cell['baseline'] or '—')
            for m in diffs:
                diff = (cell['difference'] or {}).get(m)
                if not diff:
                    row.append('—')
                    continue
                text = _fmt(diff['mean'], True)
                if not math.isnan(diff['low']):
                    text += (f" [{_fmt(diff['low'], True)}, "
                             f"{_fmt(diff['high'], True)}]")
                row.append(text)
            lines.append('| ' + ' | '.join(row) + ' |')
        out.append('\n'.join(lines))
    return '\n\n'.join(out) + '\n'


def plot_groups(results, out):
    """Bars of AP, APr, APc, APf per cell with one-std error bars, a panel
    per IoU type; saved to ``out``."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    ious = [i for i in IOU_TYPES
            if any(m.startswith(i) for m in results['metrics'])]
    if not ious or not results['cells']:
        raise StudyError('the results hold no metric to plot')
    cells = results['cells']
    fig, axes = plt.subplots(1, len(ious), figsize=(7 * len(ious), 4.5),
                             squeeze=False)
    width = 0.8 / len(cells)
    for ax, iou in zip(axes[0], ious):
        for k, cell in enumerate(cells):
            xs = [g + (k - (len(cells) - 1) / 2) * width
                  for g in range(len(GROUPS))]
            means = [cell['mean'].get(f'{iou}_{g}', math.nan)
                     for g in GROUPS]
            stds = [cell['std'].get(f'{iou}_{g}', math.nan) for g in GROUPS]
            stds = [0.0 if s is None or math.isnan(s) else s for s in stds]
            # tab20: ten colours would repeat in a study of 13 cells
            ax.bar(xs, means, width, yerr=stds, capsize=2,
                   color=plt.cm.tab20(k % 20),
                   label=f"{cell['name']} (n={len(cell['seeds'])})")
        ax.set_xticks(range(len(GROUPS)))
        ax.set_xticklabels(GROUPS)
        ax.set_ylabel(f'{iou} AP (mean ± std over seeds)')
        ax.set_ylim(0, 1)
        ax.grid(True, axis='y', alpha=0.3)
        ax.set_title(iou)
    axes[0][-1].legend(fontsize=7, loc='upper left', bbox_to_anchor=(1, 1))
    fig.tight_layout()
    os.makedirs(osp.dirname(osp.abspath(out)), exist_ok=True)
    fig.savefig(out, dpi=120)
    plt.close(fig)
    return out


def _plot_tool():
    spec = importlib.util.spec_from_file_location('plot_per_class_ap',
                                                  PLOT_TOOL)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def plot_per_class(spec, cells, seed, iou_type, out, metric='AP'):
    """Per-class AP against training images of chosen cells, one panel
    each (plot_per_class_ap.py's panels), from their per-class tables."""
    tool = _plot_tool()
    from lt_mm.core.evaluation.per_class_ap import read_per_class_table
    by_name = {c['name']: c for c in spec['cells']}
    tables = []
    for name in cells:
        if name not in by_name:
            raise StudyError(f'{name!r} is not a cell of the study')
        path = osp.join(work_dir(spec['work_root'], by_name[name], seed),
                        f'{PER_CLASS_PREFIX}_{iou_type}.csv')
        if not osp.exists(path):
            raise StudyError(f'{path} is missing: run {name} seed {seed} '
                             'first')
        tables.append((name, path))
    fig, axes = tool.plt.subplots(1, len(tables),
                                  figsize=(6 * len(tables), 4.5),
                                  squeeze=False)
    for ax, (name, path) in zip(axes[0], tables):
        tool.plot_panel(ax, read_per_class_table(path), metric,
                        f'{name} (seed {seed}, {iou_type})')
    fig.tight_layout()
    os.makedirs(osp.dirname(osp.abspath(out)), exist_ok=True)
    fig.savefig(out, dpi=120)
    tool.plt.close(fig)
    return out


# --------------------------------------------------------------------- CLI


def parse_args(args=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    sub = parser.add_subparsers(dest='command', required=True)

    def spec_args(p):
        p.add_argument('spec', help='study spec (.py, .json or .yaml)')
        p.add_argument('--work-root', help="overrides the spec's work_root")

    p = sub.add_parser('run', help='train and test the unfinished cells')
    spec_args(p)
    p.add_argument('--cells', nargs='+', help='only these cells')
    p.add_argument('--seeds', nargs='+', type=int, help='only these seeds')
    p.add_argument('--dry-run', action='store_true',
                   help='list what would run, run nothing')
    p.add_argument('--threads', type=int,
                   help='OMP_NUM_THREADS of the tools (1 is much faster '
                   'on CPUs that other jobs share)')
    p.add_argument('--cfg-options', nargs='+', default=[],
                   help='key=value options for both tools of every cell '
                   '(recorded: a finished cell counts only with the same)')
    p = sub.add_parser('aggregate', help='write the results JSON and CSV')
    spec_args(p)
    p.add_argument('--out', required=True,
                   help='output prefix: writes PREFIX.json and PREFIX.csv')
    p = sub.add_parser('table', help='Markdown tables of a results JSON')
    p.add_argument('results', help='PREFIX.json of aggregate')
    p.add_argument('--out', help='write here instead of printing')
    p = sub.add_parser('plot', help='per-group AP with error bars')
    p.add_argument('results', help='PREFIX.json of aggregate')
    p.add_argument('--out', required=True, help='output PNG')
    p = sub.add_parser('per-class',
                       help='per-class AP against training images')
    spec_args(p)
    p.add_argument('--cells', nargs='+', required=True)
    p.add_argument('--seed', type=int, default=0)
    p.add_argument('--iou-type', choices=IOU_TYPES, default='bbox')
    p.add_argument('--metric', choices=['AP', 'AP50'], default='AP')
    p.add_argument('--out', required=True, help='output PNG')
    return parser.parse_args(args)


def main(args=None):
    args = parse_args(args)
    try:
        if args.command == 'table':
            text = markdown_tables(read_results(args.results))
            if args.out:
                with open(args.out, 'w', encoding='utf-8') as f:
                    f.write(text)
                print(f'saved {args.out}')
            else:
                print(text, end='')
            return
        if args.command == 'plot':
            print(f'saved {plot_groups(read_results(args.results), args.out)}')
            return
        spec = load_spec(args.spec, args.work_root)
        if args.command == 'run':
            report = run_study(spec, args.cells, args.seeds,
                               args.cfg_options, args.dry_run,
                               threads=args.threads)
            failed = [f'{c} seed {s}' for c, s, what in report
                      if what == 'failed']
            if failed:
                raise StudyError(f'{len(failed)} cell(s) failed: '
                                 + ', '.join(failed))
        elif args.command == 'aggregate':
            results = aggregate(spec, collect(spec))
            paths = write_results(results, args.out)
            print(f"saved {paths['json']} and {paths['csv']} "
                  f"({len(results['cells'])} cells)")
        else:
            print('saved ' + plot_per_class(spec, args.cells, args.seed,
                                            args.iou_type, args.out,
                                            args.metric))
    except StudyError as e:
        sys.exit(f'[study] error: {e}')


if __name__ == '__main__':
    main()
