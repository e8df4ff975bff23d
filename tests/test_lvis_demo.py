# Copyright (c) lt_mm contributors. All rights reserved.
"""Tests of lt_mm.datasets.lvis_demo (synthetic LVIS v1 set) and its CLI."""
import hashlib
import json
import os
import os.path as osp
from collections import Counter, defaultdict

import numpy as np
import pytest

from lt_mm.datasets import lvis_demo

# A small configuration for the tests that do not need the default size.
SMALL = dict(num_classes=6, train_images=210, val_images=12, image_size=64)


def _load(path):
    with open(path, encoding='utf-8') as f:
        return json.load(f)


def _tree_hashes(root):
    """sha256 of every file under ``root``, keyed by relative path."""
    hashes = {}
    for dirpath, _, files in os.walk(root):
        for name in files:
            path = osp.join(dirpath, name)
            with open(path, 'rb') as f:
                hashes[osp.relpath(path, root)] = hashlib.sha256(
                    f.read()).hexdigest()
    return hashes


def _group(image_count):
    # The LVIS rule, written independently of the generator.
    if 1 <= image_count <= 10:
        return 'r'
    if 11 <= image_count <= 100:
        return 'c'
    assert image_count > 100
    return 'f'


@pytest.fixture(scope='module')
def default_set(tmp_path_factory):
    """The dataset with all default arguments, generated once."""
    root = tmp_path_factory.mktemp('lvis_demo_default')
    paths = lvis_demo.generate_lvis_demo(str(root))
    return dict(
        root=str(root),
        paths=paths,
        train=_load(paths['train']),
        val=_load(paths['val']))


def test_layout_and_lvis_api(default_set):
    from lvis import LVIS
    from PIL import Image

    root, paths = default_set['root'], default_set['paths']
    assert paths == dict(
        train=osp.join(root, 'annotations', 'lvis_v1_train.json'),
        val=osp.join(root, 'annotations', 'lvis_v1_val.json'))
    for split, folder, num_images in (('train', 'train2017', 400),
                                      ('val', 'val2017', 100)):
        api = LVIS(paths[split])
        assert len(api.get_img_ids()) == num_images
        assert api.get_cat_ids() == list(range(1, 21))
        for img in api.load_imgs(api.get_img_ids()):
            # mmdet derives the file name by stripping the COCO url prefix.
            rel = img['coco_url'].replace('http://images.cocodataset.org/',
                                          '')
            assert rel == f"{folder}/{img['id']:012d}.jpg"
            with Image.open(osp.join(root, rel)) as im:
                assert im.format == 'JPEG'
                assert im.mode == 'RGB'
                assert im.size == (img['width'], img['height']) == (128, 128)
            for key in ('flickr_url', 'date_captured', 'license',
                        'neg_category_ids', 'not_exhaustive_category_ids'):
                assert key in img
            # Every image has at least one object.
            assert api.get_ann_ids(img_ids=[img['id']])
    for key in ('info', 'licenses'):
        assert key in default_set['train'] and key in default_set['val']


def test_ids(default_set):
    train, val = default_set['train'], default_set['val']
    train_img = [i['id'] for i in train['images']]
    val_img = [i['id'] for i in val['images']]
    assert train_img == list(range(1, 401))
    # Validation ids follow the training ids.
    assert val_img == list(range(401, 501))
    ann_ids = [a['id'] for a in train['annotations'] + val['annotations']]
    assert ann_ids == list(range(1, len(ann_ids) + 1))
    for data, ids in ((train, set(train_img)), (val, set(val_img))):
        assert all(a['image_id'] in ids for a in data['annotations'])
        assert all(1 <= a['category_id'] <= 20 for a in data['annotations'])


def test_categories(default_set):
    cats = default_set['train']['categories']
    # Both files carry the same categories (training statistics).
    assert default_set['val']['categories'] == cats
    assert [c['id'] for c in cats] == list(range(1, 21))
    names = [c['name'] for c in cats]
    assert len(set(names)) == 20
    assert tuple(names) == lvis_demo.class_names(20)
    for c in cats:
        assert c['name'] == c['name'].lower()
        assert c['synset'] == c['name'] + '.n.01'
        assert c['synonyms'] == [c['name']]
        assert isinstance(c['def'], str) and c['def']
    # Every class is a distinct (shape, colour) pair.
    pairs = {tuple(n.split('_', 1)) for n in names}
    assert len(pairs) == 20


def test_statistics_and_frequency(default_set):
    train = default_set['train']
    images_of = defaultdict(set)
    instances = Counter()
    for a in train['annotations']:
        images_of[a['category_id']].add(a['image_id'])
        instances[a['category_id']] += 1
    for c in train['categories']:
        image_count = len(images_of[c['id']])
        # Every class appears in at least one training image.
        assert image_count >= 1
        assert c['image_count'] == image_count
        assert c['instance_count'] == instances[c['id']]
        assert c['instance_count'] >= c['image_count']
        assert c['frequency'] == _group(image_count)


def test_long_tail_defaults(default_set):
    cats = default_set['train']['categories']
    groups = Counter(c['frequency'] for c in cats)
    # Several classes in each LVIS group.
    assert min(groups['r'], groups['c'], groups['f']) >= 3, groups
    counts = sorted((c['image_count'] for c in cats), reverse=True)
    # Head about half of the images, tail down to one or two.
    assert 150 <= counts[0] <= 220
    assert counts[-1] <= 2
    assert counts[0] / counts[-1] >= 50


def test_val_covers_every_class(default_set):
    val = default_set['val']
    instances = Counter(a['category_id'] for a in val['annotations'])
    per_class = [instances[c] for c in range(1, 21)]
    # Near uniform: every class, rare ones included, has several instances.
    assert min(per_class) >= 5, per_class
    assert max(per_class) <= 3 * min(per_class), per_class


def test_objects_per_image(default_set):
    for split in ('train', 'val'):
        per_image = Counter(a['image_id']
                            for a in default_set[split]['annotations'])
        assert set(per_image) == {i['id'] for i in default_set[split]['images']}
        assert 1 <= min(per_image.values())
        assert max(per_image.values()) <= 5


def test_neg_and_not_exhaustive(default_set):
    num_neg, num_not_exhaustive, num_images = 0, 0, 0
    for split in ('train', 'val'):
        data = default_set[split]
        present = defaultdict(set)
        for a in data['annotations']:
            present[a['image_id']].add(a['category_id'])
        for img in data['images']:
            neg = img['neg_category_ids']
            not_exh = img['not_exhaustive_category_ids']
            assert neg == sorted(set(neg))
            assert all(1 <= c <= 20 for c in neg)
            # Negatives are truly absent from the image.
            assert not set(neg) & present[img['id']]
            assert set(not_exh) <= present[img['id']]
            assert len(not_exh) <= 1
            num_neg += len(neg)
            num_not_exhaustive += len(not_exh)
            num_images += 1
    assert num_neg > 0
    # About 10% of the images have a non-exhaustive category.
    assert 0.03 * num_images <= num_not_exhaustive <= 0.2 * num_images


def _shoelace(poly):
    xs, ys = np.array(poly[0::2]), np.array(poly[1::2])
    return abs(np.sum(xs * np.roll(ys, -1) - ys * np.roll(xs, -1))) / 2


def test_geometry(default_set):
    for split in ('train', 'val'):
        data = default_set[split]
        sizes = {i['id']: (i['width'], i['height']) for i in data['images']}
        boxes = defaultdict(list)
        for a in data['annotations']:
            assert len(a['segmentation']) == 1
            poly = a['segmentation'][0]
            assert len(poly) % 2 == 0 and len(poly) >= 6
            xs, ys = poly[0::2], poly[1::2]
            x, y, w, h = a['bbox']
            # bbox is the tight box of the polygon.
            assert x == pytest.approx(min(xs), abs=0.011)
            assert y == pytest.approx(min(ys), abs=0.011)
            assert x + w == pytest.approx(max(xs), abs=0.021)
            assert y + h == pytest.approx(max(ys), abs=0.021)
            assert a['area'] == pytest.approx(_shoelace(poly), abs=0.01)
            assert 0 < a['area'] <= w * h + 0.1
            width, height = sizes[a['image_id']]
            assert 0 <= x and x + w <= width and 0 <= y and y + h <= height
            # Objects are roughly 15-45% of the image side (10% when a
            # crowded image had to shrink one).
            side = max(w, h) / width
            assert 0.08 <= side <= 0.55, side
            boxes[a['image_id']].append((x, y, w, h))
        # Objects do not overlap.
        for image_boxes in boxes.values():
            for i, (x1, y1, w1, h1) in enumerate(image_boxes):
                for x2, y2, w2, h2 in image_boxes[i + 1:]:
                    assert (x1 + w1 <= x2 or x2 + w2 <= x1 or y1 + h1 <= y2
                            or y2 + h2 <= y1)


def test_objects_are_drawn(default_set):
    """The pixel at each box centre has the object colour, not the grey."""
    from PIL import Image

    data = default_set['val']
    root = default_set['root']
    anns = defaultdict(list)
    for a in data['annotations']:
        anns[a['image_id']].append(a)
    for img in data['images'][:20]:
        path = osp.join(root, 'val2017', f"{img['id']:012d}.jpg")
        with Image.open(path) as im:
            pixels = np.asarray(im.convert('RGB'), dtype=np.int64)
        background = pixels[0, 0]
        # The background is light grey.
        assert background.min() >= 170
        assert background.max() - background.min() <= 30
        for a in anns[img['id']]:
            x, y, w, h = a['bbox']
            centre = pixels[int(y + h / 2), int(x + w / 2)]
            assert np.abs(centre - background).max() > 60


def test_perfect_predictions_give_ap_one(default_set):
    """The LVIS evaluator runs on the val file, APr included.

    lvis-api 0.5.3 calls ``np.float`` (gone since numpy 1.24); importing
    lt_mm makes it run under numpy 2 without touching numpy itself.
    """
    from lvis import LVIS, LVISEval, LVISResults

    import lt_mm  # noqa: F401
    assert not hasattr(np, 'float')

    gt = LVIS(default_set['paths']['val'])
    results = [
        dict(
            image_id=a['image_id'],
            category_id=a['category_id'],
            bbox=a['bbox'],
            score=1.0) for a in default_set['val']['annotations']
    ]
    evaluator = LVISEval(gt, LVISResults(gt, results), iou_type='bbox')
    evaluator.run()
    metrics = evaluator.get_results()
    for key in ('AP', 'APr', 'APc', 'APf'):
        assert metrics[key] == pytest.approx(1.0), (key, metrics)


def test_same_seed_same_bytes(tmp_path):
    a = lvis_demo.generate_lvis_demo(str(tmp_path / 'a'), seed=3, **SMALL)
    b = lvis_demo.generate_lvis_demo(str(tmp_path / 'b'), seed=3, **SMALL)
    c = lvis_demo.generate_lvis_demo(str(tmp_path / 'c'), seed=4, **SMALL)
    hash_a = _tree_hashes(str(tmp_path / 'a'))
    hash_b = _tree_hashes(str(tmp_path / 'b'))
    hash_c = _tree_hashes(str(tmp_path / 'c'))
    # 210 + 12 images and two annotation files.
    assert len(hash_a) == 224
    assert hash_a == hash_b
    assert hash_a.keys() == hash_c.keys()
    assert hash_a[osp.join('annotations', 'lvis_v1_train.json')] != \
        hash_c[osp.join('annotations', 'lvis_v1_train.json')]
    differing = [k for k in hash_a if hash_a[k] != hash_c[k]]
    assert len(differing) > 200
    assert osp.relpath(a['val'], str(tmp_path / 'a')) == \
        osp.relpath(c['val'], str(tmp_path / 'c'))
    assert b['train'].startswith(str(tmp_path / 'b'))


def test_small_config_has_all_groups(tmp_path):
    paths = lvis_demo.generate_lvis_demo(str(tmp_path), seed=1, **SMALL)
    cats = _load(paths['train'])['categories']
    assert {c['frequency'] for c in cats} == {'r', 'c', 'f'}
    assert [c['id'] for c in cats] == list(range(1, 7))


def test_targets():
    targets = lvis_demo.train_image_targets(20, 400)
    assert len(targets) == 20
    assert targets == sorted(targets, reverse=True)
    assert targets[0] == 200 and targets[-1] == 1
    groups = Counter(_group(t) for t in targets)
    assert groups == Counter(r=8, c=7, f=5)


def test_class_names():
    names = lvis_demo.class_names(20)
    assert names == tuple(sorted(names))
    assert len(set(names)) == 20
    # The first classes of a smaller set are a subset of a larger one.
    assert set(lvis_demo.class_names(8)) < set(names)
    assert len(lvis_demo.class_names(64)) == 64


@pytest.mark.parametrize(
    'kwargs, message',
    [
        (dict(num_classes=65), 'distinct'),
        (dict(num_classes=2), 'num_classes'),
        (dict(num_classes=0), 'num_classes'),
        (dict(num_classes=True), 'num_classes'),
        (dict(num_classes=20.0), 'num_classes'),
        (dict(train_images=0), 'train_images'),
        (dict(train_images=150), 'train_images'),
        (dict(val_images=0), 'val_images'),
        (dict(val_images=10), 'val_images'),
        (dict(image_size=0), 'image_size'),
        (dict(image_size=16), 'image_size'),
        (dict(seed=-1), 'seed'),
        (dict(seed=None), 'seed'),
        # Too many (image, class) pairs for 4 classes per image.
        (dict(num_classes=64, train_images=400, val_images=100),
         'train_images'),
    ])
def test_bad_arguments(tmp_path, kwargs, message):
    with pytest.raises(ValueError, match=message):
        lvis_demo.generate_lvis_demo(str(tmp_path / 'out'), **kwargs)
    # Validation happens before anything is written.
    assert not (tmp_path / 'out').exists()


def test_cli(tmp_path):
    """The thin CLI in tools/dataset_converters, run as users run it."""
    import subprocess
    import sys
    out = tmp_path / 'cli'
    root = osp.dirname(osp.dirname(osp.abspath(__file__)))
    printed = subprocess.run(
        [
            sys.executable,
            osp.join(root, 'tools', 'dataset_converters', 'lvis_demo.py'),
            '--out',
            str(out), '--seed', '0', '--num-classes', '6', '--train-images',
            '210', '--val-images', '12', '--image-size', '64'
        ],
        check=True,
        capture_output=True,
        text=True).stdout
    assert 'train' in printed and 'r/c/f' in printed
    assert (out / 'annotations' / 'lvis_v1_train.json').is_file()
    assert (out / 'annotations' / 'lvis_v1_val.json').is_file()
    assert len(os.listdir(out / 'train2017')) == 210
    assert len(os.listdir(out / 'val2017')) == 12
