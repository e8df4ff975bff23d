"""The scaled demo val split and synthetic detections that the LVISMetric
tests share."""
import json

import numpy as np
import pytest

from .lvis_cases import data_samples, synthetic_detections


@pytest.fixture(scope='module')
def val_file(demo_data, tmp_path_factory):
    """The demo val split with images scaled by 1, 2 or 4 (128 to 512 px),
    so that small, medium and large objects all occur."""
    with open(demo_data / 'annotations' / 'lvis_v1_val.json') as f:
        data = json.load(f)
    scale = {}
    for n, img in enumerate(data['images']):
        scale[img['id']] = s = (1, 2, 4)[n % 3]
        img['height'] *= s
        img['width'] *= s
    for ann in data['annotations']:
        s = scale[ann['image_id']]
        ann['bbox'] = [s * v for v in ann['bbox']]
        ann['segmentation'] = [[s * v for v in poly]
                               for poly in ann['segmentation']]
        ann['area'] *= s * s
    path = tmp_path_factory.mktemp('lvis_eval') / 'val_scaled.json'
    with open(path, 'w') as f:
        json.dump(data, f)
    return str(path), data


@pytest.fixture(scope='module')
def dets(val_file):
    _, data = val_file
    dets = synthetic_detections(data, seed=1)
    # a class that is annotated but never detected
    absent = data['annotations'][0]['category_id']
    return dets.take(np.flatnonzero(dets.category_ids != absent))


@pytest.fixture(scope='module')
def samples(val_file, dets):
    return data_samples(val_file[1], dets)
