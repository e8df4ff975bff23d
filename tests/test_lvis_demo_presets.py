# Copyright (c) lt_mm contributors. All rights reserved.
"""The demo generator's presets: 'default' unchanged, 'hard' as specified.

The LVIS frequency groups follow Gupta et al., "LVIS: A Dataset for Large
Vocabulary Instance Segmentation", CVPR 2019, Sec. 4 (rare: 1-10 training
images, common: 11-100, frequent: > 100); lvis-api evaluates APr / APc /
APf by each category's ``frequency`` field (lvis-dataset/lvis-api,
lvis/eval.py L107-L112 ``_prepare_freq_group`` and L542
``img_count_lbl = ["r", "c", "f"]``), so the field must follow the rule.
"""
import hashlib
import importlib.util
import itertools
import json
import os.path as osp
from collections import Counter, defaultdict

import numpy as np
import pytest

from lt_mm.datasets import lvis_demo

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
CLI = osp.join(ROOT, 'tools', 'dataset_converters', 'lvis_demo.py')

# sha256 of the default set's annotation files (seed 0, all defaults),
# recorded with the generator before the presets existed (commit e4d32b1).
# The JSON holds every box, so any change in what the generator draws, and
# in which order, changes these.
DEFAULT_TRAIN_SHA256 = ('5abd6d6d2c7f3ab22d0b6a11cbe2878c'
                        'bce49c11e9ed92a937ab720e80498465')
DEFAULT_VAL_SHA256 = ('54ac978caf403e1378f017f0b9cb87bd'
                      '6ce43c745f262c90d28bfcfd7b29a9c8')


def _sha256(path):
    with open(path, 'rb') as f:
        return hashlib.sha256(f.read()).hexdigest()


def _load(path):
    with open(path, encoding='utf-8') as f:
        return json.load(f)


def _lvis_group(image_count):
    # the LVIS rule, written independently of the generator
    assert image_count >= 1
    return 'r' if image_count <= 10 else 'c' if image_count <= 100 else 'f'


@pytest.fixture(scope='module')
def hard_set(tmp_path_factory):
    """The hard preset with its defaults, made through the CLI's main()."""
    spec = importlib.util.spec_from_file_location('lvis_demo_cli', CLI)
    cli = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(cli)
    root = tmp_path_factory.mktemp('lvis_demo_hard')
    cli.main(['--preset', 'hard', '--out', str(root)])
    paths = dict(
        train=osp.join(root, 'annotations', 'lvis_v1_train.json'),
        val=osp.join(root, 'annotations', 'lvis_v1_val.json'))
    return dict(root=str(root), paths=paths, train=_load(paths['train']),
                val=_load(paths['val']))


def test_default_preset_writes_the_same_files_as_before(demo_data):
    """The session's default set (tests/conftest.py: all defaults) has the
    annotation files of the generator before presets, byte for byte (a
    regression guard: it passes on the old generator by construction)."""
    ann = osp.join(str(demo_data), 'annotations')
    assert _sha256(osp.join(ann, 'lvis_v1_train.json')) == \
        DEFAULT_TRAIN_SHA256
    assert _sha256(osp.join(ann, 'lvis_v1_val.json')) == DEFAULT_VAL_SHA256
    assert lvis_demo.class_names() == lvis_demo.class_names(20)
    assert lvis_demo.train_image_targets() == \
        lvis_demo.train_image_targets(20, 400, preset='default')


def test_hard_set_loads_in_lvis_api_and_lt_mm(hard_set):
    from lvis import LVIS
    from mmdet.registry import DATASETS
    from mmengine.registry import init_default_scope

    import lt_mm  # noqa: F401
    names = lvis_demo.class_names(preset='hard')
    for split, num_images in (('train', 300), ('val', 100)):
        api = LVIS(hard_set['paths'][split])
        assert len(api.get_img_ids()) == num_images
        assert api.get_cat_ids() == list(range(1, 49))
        assert [c['name'] for c in api.load_cats(api.get_cat_ids())] == \
            list(names)
    init_default_scope('mmdet')
    dataset = DATASETS.build(
        dict(type='lt_mm.LVISDataset', data_root=hard_set['root'] + '/',
             ann_file='annotations/lvis_v1_train.json',
             data_prefix=dict(img=''), pipeline=[]))
    assert len(dataset) == 300
    assert dataset.metainfo['classes'] == names
    cats = sorted(hard_set['train']['categories'], key=lambda c: c['id'])
    assert dataset.metainfo['frequency'] == tuple(c['frequency'] for c in cats)
    info = hard_set['train']['info']['generator']
    assert info == dict(seed=0, num_classes=48, train_images=300,
                        val_images=100, image_size=128, preset='hard')


def test_hard_frequency_groups_follow_the_lvis_rule(hard_set):
    from lt_mm.core.class_statistics import frequency_groups
    images_of, instances = defaultdict(set), Counter()
    for a in hard_set['train']['annotations']:
        images_of[a['category_id']].add(a['image_id'])
        instances[a['category_id']] += 1
    cats = sorted(hard_set['train']['categories'], key=lambda c: c['id'])
    counts = [len(images_of[c['id']]) for c in cats]
    for cat, count in zip(cats, counts):
        assert cat['image_count'] == count
        assert cat['instance_count'] == instances[cat['id']]
        assert cat['frequency'] == _lvis_group(count), cat
    assert list(frequency_groups(np.array(counts))) == \
        [c['frequency'] for c in cats]
    # the validation file carries the training statistics, as LVIS v1's
    assert hard_set['val']['categories'] == hard_set['train']['categories']


def test_hard_set_has_a_steep_tail(hard_set):
    cats = hard_set['train']['categories']
    assert 40 <= len(cats) <= 60
    groups = Counter(c['frequency'] for c in cats)
    assert groups == Counter(r=20, c=20, f=8)
    rare = sorted(c['image_count'] for c in cats if c['frequency'] == 'r')
    # as in LVIS, rare classes have 1-5 training images (not up to 10)
    assert rare[0] == 1 and rare[-1] == 5, rare
    assert Counter(rare)[1] >= 4
    head = max(c['image_count'] for c in cats)
    assert head == 150  # half of the 300 training images
    # every class, rare ones included, is evaluated on several instances
    val = Counter(a['category_id'] for a in hard_set['val']['annotations'])
    assert min(val[c['id']] for c in cats) >= 5


def test_hard_set_has_look_alikes_of_frequent_classes(hard_set):
    """Each look-alike is rare and shares colour or shape with a frequent or
    common class, the other attribute being near: a colour nearer to its
    model's than any two base colours are to each other, or a shape that
    overlaps its model's more than any other base shape."""
    from PIL import Image, ImageDraw

    def mask(shape):
        template = dict(lvis_demo.SHAPES + lvis_demo.LOOKALIKE_SHAPES)[shape]
        im = Image.new('L', (200, 200), 0)
        ImageDraw.Draw(im).polygon([(x * 199, y * 199) for x, y in template],
                                   fill=1)
        return np.asarray(im, dtype=bool)

    def iou(a, b):
        return (a & b).sum() / (a | b).sum()

    rgb = dict(lvis_demo.COLOURS + lvis_demo.LOOKALIKE_COLOURS)
    base_gap = min(
        np.linalg.norm(np.subtract(a, b))
        for (_, a), (_, b) in itertools.combinations(lvis_demo.COLOURS, 2))
    cats = {c['name']: c for c in hard_set['train']['categories']}
    pairs = lvis_demo.look_alikes('hard')
    assert len(pairs) == 12
    models = Counter()
    for rare, (model, shared) in pairs.items():
        assert cats[rare]['frequency'] == 'r'
        assert cats[model]['frequency'] in ('f', 'c')
        assert f'looks like {model}' in cats[rare]['def']
        models[cats[model]['frequency']] += 1
        (r_colour, r_shape), (m_colour, m_shape) = (
            n.split('_') for n in (rare, model))
        if shared == 'shape':
            assert r_shape == m_shape and r_colour != m_colour
            gap = np.linalg.norm(np.subtract(rgb[r_colour], rgb[m_colour]))
            assert gap < base_gap, (rare, gap)
        else:
            assert shared == 'colour'
            assert r_colour == m_colour and r_shape != m_shape
            overlap = iou(mask(r_shape), mask(m_shape))
            others = [iou(mask(r_shape), mask(s)) for s, _ in lvis_demo.SHAPES
                      if s != m_shape]
            assert overlap > max(others), (rare, overlap, max(others))
    # every frequent class has a rare look-alike
    assert models['f'] == 8
    assert {m for m, _ in pairs.values()} >= {
        n for n, c in cats.items() if c['frequency'] == 'f'}


def test_hard_preset_argument_errors(tmp_path):
    with pytest.raises(ValueError, match='unknown preset'):
        lvis_demo.generate_lvis_demo(str(tmp_path / 'a'), preset='harder')
    with pytest.raises(ValueError, match='num_classes must be 48'):
        lvis_demo.generate_lvis_demo(str(tmp_path / 'b'), preset='hard',
                                     num_classes=20)
    # 1703 (image, class) pairs do not fit 6 classes x 250 images
    with pytest.raises(ValueError, match='train_images'):
        lvis_demo.generate_lvis_demo(str(tmp_path / 'c'), preset='hard',
                                     train_images=250)
    assert not (tmp_path / 'a').exists() and not (tmp_path / 'c').exists()
    assert sum(lvis_demo.train_image_targets(preset='hard')) == 1703
