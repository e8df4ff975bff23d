"""configs/demo/hard/: the demo method configs on the hard demo set.

Each hard method config is the hard base (hard/mask_rcnn.py) plus exactly
what the demo method config changes over the demo base (mask_rcnn.py), so a
method reads the same on both sets; the exceptions are the settings the
demo configs scale to their data set, scaled again here, and the first
stage's checkpoint path. Settings follow the demo configs, which follow
the authors' recipes (see the README's method table and each config's
first comment); the scaling rules are the demo configs' (RFS t and EQL
lambda: LVIS v1's ~100 / ~110 of 100k images taken on 300 images; BAGS
bins: four non-empty groups; SimCal: an instance threshold between the
common and frequent classes, episodes covering half the set).
"""
import functools
import os
import os.path as osp

import pytest
from mmengine.config import Config

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
DEMO = osp.join(ROOT, 'configs', 'demo')
HARD = osp.join(DEMO, 'hard')
MISSING = object()

# key -> (demo value, hard value) where the hard config scales a setting
SCALED = {
    'eql_mask_rcnn.py': {
        'model.roi_head.bbox_head.loss_cls.lambda_': (0.275, 0.367),
    },
    # random sampling: as many steps as the baseline's repeat factors take
    'eqlv2_mask_rcnn.py': {
        **{key: (5, 6) for key in (
            'max_epochs', 'train_cfg.max_epochs', 'train_cfg.val_interval',
            'param_scheduler[1].end', 'default_hooks.checkpoint.interval')},
        # the demo decays in steps, the hard base over a cosine
        'param_scheduler[1].T_max': (MISSING, 6),
    },
    'bags_mask_rcnn.py': {
        'model.roi_head.bbox_head.loss_cls.bins[1]': (50, 35),
        'model.roi_head.bbox_head.loss_cls.bins[2]': (150, 100),
    },
    # the classes present in a batch plus 3% of the absent ones
    'federated_mask_rcnn.py': {
        'model.roi_head.bbox_head.loss_cls.num_sample_cats': (11, 22),
    },
    # tuned on each set's seed-0 baseline
    'norcal_mask_rcnn.py': {
        'model.roi_head.bbox_head.loss_cls.gamma': (0.25, 1.0),
    },
    'simcal_mask_rcnn.py': {
        'model.roi_head.instance_threshold': (120, 100),
        'train_dataloader.sampler.episodes_per_epoch': (25, 19),
    },
}


def flatten(value, prefix=''):
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


def lists(value, prefix=''):
    """{'a.b': list} of every list in a config (mmengine replaces a list
    that a child config sets, it never merges it)."""
    out = {}
    if isinstance(value, dict):
        for key, item in value.items():
            out.update(lists(item, f'{prefix}.{key}' if prefix else key))
    elif isinstance(value, (list, tuple)):
        out[prefix] = value
        for i, item in enumerate(value):
            out.update(lists(item, f'{prefix}[{i}]'))
    return out


@functools.lru_cache(maxsize=None)
def loaded(path):
    return Config.fromfile(path).to_dict()


def resolved(path):
    return flatten(loaded(path))


# the base configs (the one-stage detector has its own) and their methods
BASES = ('mask_rcnn.py', 'atss.py')


def base_of(name):
    return 'atss.py' if name.endswith('atss.py') else 'mask_rcnn.py'


def hard_configs():
    return sorted(f for f in os.listdir(HARD) if f.endswith('.py'))


def test_every_hard_config_has_a_demo_counterpart():
    assert set(BASES) <= set(hard_configs())
    for name in hard_configs():
        assert osp.isfile(osp.join(DEMO, name)), name


@pytest.mark.parametrize('base', BASES)
def test_hard_base_is_the_demo_base_on_the_hard_set(base):
    demo = resolved(osp.join(DEMO, base))
    hard = resolved(osp.join(HARD, base))
    assert hard['num_classes'] == 48
    heads = [k for k in hard if k.endswith('head.num_classes')]
    assert heads and all(hard[k] == 48 for k in heads)
    assert hard['lvis_demo.preset'] == 'hard'
    root = 'data/lvis_demo_hard/'
    for key in ('train_dataloader.dataset.data_root',
                'val_dataloader.dataset.data_root',
                'test_dataloader.dataset.data_root'):
        assert hard[key] == root, key
    for key in ('val_evaluator.ann_file', 'test_evaluator.ann_file'):
        assert hard[key] == root + 'annotations/lvis_v1_val.json'
    assert not [k for k, v in hard.items()
                if isinstance(v, str) and 'data/lvis_demo/' in v]
    # classes in fewer than 100 of the 300 images repeat, as t = 0.25 does
    # on the 400 demo images
    assert hard['train_dataloader.sampler.repeat_thr'] == 0.333
    assert demo['train_dataloader.sampler.repeat_thr'] * 400 == 100
    # the model, pipelines, optimizer and evaluator are the demo's
    same = [k for k in demo if k.startswith(
        ('model.', 'train_pipeline', 'test_pipeline', 'optim_wrapper'))]
    assert same and all(
        hard[k] == demo[k] for k in same if not k.endswith('num_classes'))
    if base == 'atss.py':
        # the one-stage schedule is the demo's
        same = [k for k in demo if k.startswith(('param_scheduler', 'max'))]
        assert same and all(hard[k] == demo[k] for k in same)
    epochs = hard['max_epochs']
    assert hard['train_cfg.max_epochs'] == epochs
    assert hard['default_hooks.checkpoint.interval'] == epochs


@pytest.mark.parametrize(
    'name', [n for n in hard_configs() if n not in BASES])
def test_hard_method_config_is_the_hard_base_plus_the_demo_change(name):
    base = base_of(name)
    demo_base = resolved(osp.join(DEMO, base))
    hard_base = resolved(osp.join(HARD, base))
    demo = resolved(osp.join(DEMO, name))
    hard = resolved(osp.join(HARD, name))
    scaled = SCALED.get(name, {})

    def on_hard_set(key, value):
        if value == demo_base['data_root']:
            return hard_base['data_root']
        if key.endswith('num_classes') and value == demo_base['num_classes']:
            return hard_base['num_classes']
        return value

    # lists the method replaces: their items are the method's, whatever the
    # base has
    base_lists = lists(loaded(osp.join(DEMO, base)))
    method_lists = lists(loaded(osp.join(DEMO, name)))
    replaced = tuple(path + '[' for path, value in method_lists.items()
                     if base_lists.get(path) != value)
    keys = set(demo) | set(hard) | set(demo_base) | set(hard_base)
    wrong = {}
    for key in sorted(keys):
        if key == 'load_from':
            continue
        demo_value = demo.get(key, MISSING)
        if (demo_value != demo_base.get(key, MISSING)
                or key.startswith(replaced)):
            expected = on_hard_set(key, demo_value)  # the method's change
        else:
            expected = hard_base.get(key, MISSING)
        if key in scaled:
            assert (demo_value, hard.get(key)) == scaled[key], key
            continue
        if hard.get(key, MISSING) != expected:
            wrong[key] = (hard.get(key, MISSING), expected)
    assert not wrong, wrong
    if demo['load_from']:
        # second stages load the hard baseline's last checkpoint
        assert hard['load_from'] == (
            'work_dirs/demo/hard/mask_rcnn/'
            f"epoch_{hard_base['max_epochs']}.pth")
