"""The configs inherit the hosts' own bases and keep only what differs.

mmdet 3.3 and mmpretrain 1.2 install their configs under
``<package>/.mim/configs``; ``_base_ = 'mmdet::...'`` reaches them. Host
files compared against (open-mmlab/mmdetection v3.3.0 and
open-mmlab/mmpretrain v1.2.0):

- mmdet ``configs/_base_/models/mask-rcnn_r50_fpn.py``,
  ``configs/_base_/datasets/lvis_v1_instance.py`` (on
  ``lvis_v0.5_instance.py``: ``ClassBalancedDataset``, ``oversample_thr``
  1e-3, L48-L49), ``configs/_base_/schedules/schedule_{1x,2x}.py``,
  ``configs/_base_/default_runtime.py``;
- mmdet ``configs/lvis/mask-rcnn_r50_fpn_sample1e-3_ms-1x_lvis-v1.py``
  L1-L13 (1203 classes, score_thr 1e-4, 300 detections) and
  ``configs/seesaw_loss/``
  ``mask-rcnn_r50_fpn_seesaw-loss_sample1e-3-ms-2x_lvis-v1.py``
  L1-L38 (``NormedLinear``, temperature 20; ``SeesawLoss`` p 0.8, q 2.0;
  2x, ``val_interval`` 24);
- mmpretrain ``configs/_base_/models/resnext50_32x4d.py`` and
  ``configs/_base_/default_runtime.py``.
"""
import ast
import glob
import importlib
import os.path as osp

import pytest
from mmengine.config import Config
from mmengine.registry import HOOKS

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
CONFIGS = osp.join(ROOT, 'configs')
BASES = osp.join(CONFIGS, '_base_')
HOSTS = ('mmdet', 'mmpretrain')

MMDET_RUNTIME = 'mmdet::_base_/default_runtime.py'
MMPRETRAIN_RUNTIME = 'mmpretrain::_base_/default_runtime.py'
MASK_RCNN = 'mmdet::_base_/models/mask-rcnn_r50_fpn.py'
RETINANET = 'mmdet::_base_/models/retinanet_r50_fpn.py'
LVIS_DATA = 'mmdet::_base_/datasets/lvis_v1_instance.py'
MMDET_LVIS = 'mmdet::lvis/mask-rcnn_r50_fpn_sample1e-3_ms-1x_lvis-v1.py'
MMDET_SEESAW = ('mmdet::seesaw_loss/'
                'mask-rcnn_r50_fpn_seesaw-loss_sample1e-3-ms-2x_lvis-v1.py')


def host_path(name):
    """The installed file of 'mmdet::x.py' (mmengine's own lookup)."""
    package, path = name.split('::')
    root = osp.dirname(importlib.import_module(package).__file__)
    return osp.join(root, '.mim', 'configs', path)


def base_strings(path):
    """The strings of a config file's ``_base_`` assignment."""
    tree = ast.parse(open(path).read())
    for node in tree.body:
        if (isinstance(node, ast.Assign) and len(node.targets) == 1
                and getattr(node.targets[0], 'id', None) == '_base_'):
            value = ast.literal_eval(node.value)
            return [value] if isinstance(value, str) else list(value)
    return []


def host_bases_reached(path):
    """Every host config that a file's ``_base_`` chain names."""
    reached = set()
    for base in base_strings(path):
        if '::' in base:
            reached.add(base)
        else:
            reached |= host_bases_reached(
                osp.normpath(osp.join(osp.dirname(path), base)))
    return reached


def flatten(value, prefix=''):
    """{'a.b[0].c': leaf} of a resolved config, ``_scope_`` left out (mmengine
    adds it to every typed dict read from another package's base)."""
    out = {}
    if isinstance(value, dict):
        for key, item in value.items():
            if key != '_scope_':
                out.update(flatten(item, f'{prefix}.{key}' if prefix else key))
    elif isinstance(value, (list, tuple)) and value:
        for i, item in enumerate(value):
            out.update(flatten(item, f'{prefix}[{i}]'))
    else:
        out[prefix] = value
    return out


def resolved(path):
    if '::' in path:
        path = host_path(path)
    return flatten(Config.fromfile(path).to_dict())


def own_leaves(path):
    """{'a.b': literal} that a config file writes itself (not inherited):
    its top-level assignments, dict(...) / {...} / lists walked, names of its
    own earlier assignments followed; ``{{_base_.x}}`` references skipped."""
    tree = ast.parse(open(path).read())
    assigned = {}

    def walk(node, prefix, out):
        if isinstance(node, ast.Name) and node.id in assigned:
            walk(assigned[node.id], prefix, out)
        elif (isinstance(node, ast.Call)
              and getattr(node.func, 'id', None) == 'dict'):
            for kw in node.keywords:
                if kw.arg is not None:
                    walk(kw.value, f'{prefix}.{kw.arg}', out)
        elif isinstance(node, ast.Dict):
            for key, item in zip(node.keys, node.values):
                if isinstance(key, ast.Constant):
                    walk(item, f'{prefix}.{key.value}', out)
        elif isinstance(node, (ast.List, ast.Tuple)) and node.elts:
            for i, item in enumerate(node.elts):
                walk(item, f'{prefix}[{i}]', out)
        else:
            try:
                out[prefix] = ast.literal_eval(node)
            except ValueError:
                pass  # a {{_base_.x}} reference or an expression

    out = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            name = getattr(node.targets[0], 'id', None)
            if name and name != '_base_':
                walk(node.value, name, out)
                assigned[name] = node.value
    return out


def config_files(folder):
    return sorted(glob.glob(osp.join(CONFIGS, folder, '*.py')))


def base_files():
    return sorted(
        osp.relpath(f, BASES)
        for f in glob.glob(osp.join(BASES, '**', '*.py'), recursive=True))


LVIS_CONFIGS = config_files('lvis') + config_files('demo')
CLS_CONFIGS = (
    config_files('cifar100_lt') + config_files('digits_lt') +
    config_files('imagenet_lt'))


@pytest.mark.parametrize(
    'path', LVIS_CONFIGS, ids=lambda p: osp.relpath(p, CONFIGS))
def test_lvis_configs_reach_mmdets_mask_rcnn_lvis_bases(path):
    """mmdet's LVIS Mask R-CNN is model + LVIS v1 data + schedule + runtime
    (lvis/mask-rcnn_r50_fpn_sample1e-3_ms-1x_lvis-v1.py L1-L5); every LVIS
    and demo config inherits those four host files, not copies of them (the
    one-stage ATSS configs mmdet's RetinaNet model: mmdet has no ATSS model
    base)."""
    reached = host_bases_reached(path)
    model = RETINANET if 'atss' in osp.basename(path) else MASK_RCNN
    assert {model, LVIS_DATA, MMDET_RUNTIME} <= reached, reached
    schedules = reached & {
        'mmdet::_base_/schedules/schedule_1x.py',
        'mmdet::_base_/schedules/schedule_2x.py'
    }
    assert len(schedules) == 1, reached


@pytest.mark.parametrize(
    'path', CLS_CONFIGS, ids=lambda p: osp.relpath(p, CONFIGS))
def test_classification_configs_reach_mmpretrains_bases(path):
    """The runtime of every classification config is mmpretrain's; the
    ImageNet-LT ResNeXt-50 is mmpretrain's resnext50_32x4d.py. (ResNet-32,
    the long-tailed datasets and the LT schedules have no host base.)"""
    reached = host_bases_reached(path)
    assert MMPRETRAIN_RUNTIME in reached, reached
    if '/imagenet_lt/' in path:
        assert 'mmpretrain::_base_/models/resnext50_32x4d.py' in reached


@pytest.mark.parametrize('name', base_files())
def test_no_base_copies_a_host_base(name):
    """A file of configs/_base_ that inherits a host base writes none of the
    host's values again; one that does not inherit one does not repeat 85 %
    of any host base of its kind. The copies this replaced repeated 88-100 %
    (mmpretrain's ResNeXt-50 14 of 16 values, mmdet's Mask R-CNN 145 of 149,
    schedules 23 of 24, runtimes 21 of 22 and 23 of 23); lt_mm's own bases
    (ResNet-32, the long-tailed datasets and schedules) repeat at most 73 %
    of any host base."""
    path = osp.join(BASES, name)
    hosts = [b for b in base_strings(path) if '::' in b]
    if hosts:
        host = {}
        for base in hosts:
            host.update(resolved(base))
        restated = {
            key: value
            for key, value in own_leaves(path).items()
            if key in host and host[key] == value
        }
        assert not restated, f'{name} restates its host base: {restated}'
        return
    ours = resolved(path)
    kind = osp.dirname(name)  # models / datasets / schedules, or the runtime
    for package in HOSTS:
        folder = osp.dirname(host_path(f'{package}::_base_/{kind}/x.py'))
        pattern = osp.join(folder, '**', '*.py') if kind else osp.join(
            folder, 'default_runtime.py')
        for host_file in glob.glob(pattern, recursive=True):
            host = flatten(Config.fromfile(host_file).to_dict())
            same = sum(
                key in ours and ours[key] == value
                for key, value in host.items())
            assert same < 0.85 * len(host), (
                f'{name} repeats {same} of the {len(host)} values of '
                f'{host_file}: inherit it instead')


def test_lvis_runtime_is_mmdets_plus_lt_mm_hooks():
    """configs/_base_/default_runtime.py is mmdet's runtime; lt_mm adds hooks
    (merged by key) and may replace a host hook only by a subclass."""
    path = osp.join(BASES, 'default_runtime.py')
    assert base_strings(path) == [MMDET_RUNTIME]
    ours, host = Config.fromfile(path), Config.fromfile(
        host_path(MMDET_RUNTIME))
    assert_runtime_extends(ours, host)
    assert ours.custom_imports.imports == ['lt_mm']


def test_classification_runtime_is_mmpretrains_plus_lt_mm_hooks():
    """configs/_base_/cls_runtime.py is mmpretrain's runtime, checkpoints
    every 10 epochs (3 kept) and lt_mm's hooks."""
    path = osp.join(BASES, 'cls_runtime.py')
    assert base_strings(path) == [MMPRETRAIN_RUNTIME]
    ours, host = Config.fromfile(path), Config.fromfile(
        host_path(MMPRETRAIN_RUNTIME))
    checkpoint = ours.default_hooks.checkpoint
    assert (checkpoint.interval, checkpoint.max_keep_ckpts) == (10, 3)
    ours.default_hooks.checkpoint.interval = host.default_hooks.checkpoint[
        'interval']
    assert_runtime_extends(ours, host, extra_hook_args={'max_keep_ckpts'})


def assert_runtime_extends(ours, host, extra_hook_args=()):
    ours, host = ours.to_dict(), host.to_dict()
    for key, value in host.items():
        if key != 'default_hooks':
            assert flatten(ours[key]) == flatten(value), key
    hooks = ours['default_hooks']
    for key, hook in host['default_hooks'].items():
        mine = dict(hooks[key])
        if mine['type'] != hook['type']:
            mine_cls, host_cls = (
                HOOKS.get(h['type']) for h in (mine, hook))
            assert issubclass(mine_cls, host_cls), key
        args = {k: v for k, v in mine.items() if k not in extra_hook_args}
        assert flatten(args, key).keys() == flatten(hook, key).keys(), key
        assert {k: v for k, v in flatten(args, key).items()
                if not k.endswith('.type')} == {
                    k: v for k, v in flatten(hook, key).items()
                    if not k.endswith('.type')}, key
    added = set(hooks) - set(host['default_hooks'])
    assert added and all(hooks[k]['type'].startswith('lt_mm.')
                         for k in added if hooks[k] is not None)


def split_differences(ours, host):
    """The leaf paths on which two flattened configs disagree."""
    return sorted(k for k in ours.keys() | host.keys()
                  if ours.get(k, '<missing>') != host.get(k, '<missing>'))


def test_seesaw_config_is_mmdets_seesaw_config_with_lt_mm_parts():
    """configs/lvis/seesaw_mask_rcnn_r50.py against mmdet's Seesaw config
    (seesaw_loss/mask-rcnn_r50_fpn_seesaw-loss_sample1e-3-ms-2x_lvis-v1.py):
    the same model but for the classifier and the loss (lt_mm's, with the
    same p, q and scale), the same schedule, pipelines and evaluation
    data; the repeat factors (oversample_thr 1e-3, ceil(r) copies) come from
    lt_mm.RepeatFactorSampler instead of ClassBalancedDataset."""
    path = osp.join(CONFIGS, 'lvis', 'seesaw_mask_rcnn_r50.py')
    assert {MASK_RCNN, LVIS_DATA, MMDET_RUNTIME,
            'mmdet::_base_/schedules/schedule_2x.py'
            } <= host_bases_reached(path)
    ours, host = resolved(path), resolved(MMDET_SEESAW)

    model = split_differences(
        {k: v for k, v in ours.items() if k.startswith('model.')},
        {k: v for k, v in host.items() if k.startswith('model.')})
    assert model == [
        'model.roi_head.bbox_head.cls_predictor_cfg.scale',
        'model.roi_head.bbox_head.cls_predictor_cfg.tempearture',
        'model.roi_head.bbox_head.cls_predictor_cfg.type',
        'model.roi_head.bbox_head.loss_cls.type',
        # mmdet's SeesawLoss is merged onto the base's CrossEntropyLoss and
        # keeps its use_sigmoid=False; lt_mm's is softmax-only, without one
        'model.roi_head.bbox_head.loss_cls.use_sigmoid',
    ]
    assert host['model.roi_head.bbox_head.loss_cls.use_sigmoid'] is False
    assert ours['model.roi_head.bbox_head.cls_predictor_cfg.scale'] == host[
        'model.roi_head.bbox_head.cls_predictor_cfg.tempearture'] == 20
    assert (ours['model.roi_head.bbox_head.loss_cls.type'],
            ours['model.roi_head.bbox_head.cls_predictor_cfg.type']) == (
                'lt_mm.SeesawLoss', 'lt_mm.NormedLinear')

    for prefix in ('optim_wrapper', 'param_scheduler', 'train_cfg',
                   'val_cfg', 'test_cfg', 'auto_scale_lr', 'val_dataloader',
                   'test_dataloader', 'val_evaluator', 'env_cfg',
                   'visualizer', 'log_processor'):
        differences = split_differences(
            {k: v for k, v in ours.items() if k.startswith(prefix)},
            {k: v for k, v in host.items() if k.startswith(prefix)})
        allowed = {
            'val_dataloader': ['val_dataloader.dataset.type'],
            'test_dataloader': ['test_dataloader.dataset.type'],
            'val_evaluator': ['val_evaluator.type'],
        }.get(prefix, [])
        assert differences == allowed, prefix
    assert ours['val_dataloader.dataset.type'] == 'lt_mm.LVISDataset'
    assert ours['val_evaluator.type'] == 'lt_mm.LVISMetric'

    # the training data: mmdet's wrapped dataset, unwrapped
    inner = 'train_dataloader.dataset.dataset.'
    train = {
        k.replace(inner, 'train_dataloader.dataset.'): v
        for k, v in host.items()
        if k.startswith('train_dataloader.')
        and k != 'train_dataloader.dataset.type'
        and k != 'train_dataloader.dataset.oversample_thr'
    }
    differences = split_differences(
        {k: v for k, v in ours.items() if k.startswith('train_dataloader.')},
        train)
    assert differences == [
        'train_dataloader.dataset.type',
        'train_dataloader.sampler.repeat_thr',
        'train_dataloader.sampler.rounding',
        'train_dataloader.sampler.type',
    ]
    assert ours['train_dataloader.sampler.repeat_thr'] == host[
        'train_dataloader.dataset.oversample_thr'] == 0.001
    assert (ours['train_dataloader.sampler.type'],
            ours['train_dataloader.sampler.rounding'],
            ours['train_dataloader.dataset.type']) == (
                'lt_mm.RepeatFactorSampler', 'ceil', 'lt_mm.LVISDataset')


def test_random_1x_baseline_is_mmdets_lvis_config_without_repeat_factors():
    """configs/lvis/mask_rcnn_r50_random_1x.py (the 1x configs' base) has
    the model and schedule of mmdet's
    lvis/mask-rcnn_r50_fpn_sample1e-3_ms-1x_lvis-v1.py, evaluated once at
    the end (val_interval 12, not 1), and samples at random."""
    ours = resolved(osp.join(CONFIGS, 'lvis', 'mask_rcnn_r50_random_1x.py'))
    host = resolved(MMDET_LVIS)
    for prefix in ('model', 'optim_wrapper', 'param_scheduler', 'train_cfg',
                   'auto_scale_lr'):
        differences = split_differences(
            {k: v for k, v in ours.items() if k.startswith(prefix)},
            {k: v for k, v in host.items() if k.startswith(prefix)})
        assert differences == ([
            'train_cfg.val_interval'
        ] if prefix == 'train_cfg' else []), prefix
    assert ours['train_cfg.val_interval'] == ours['train_cfg.max_epochs'] == 12
    assert ours['train_dataloader.sampler.type'] == 'DefaultSampler'
    assert ours['train_dataloader.dataset.type'] == 'lt_mm.LVISDataset'
