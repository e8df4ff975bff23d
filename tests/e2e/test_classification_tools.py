"""tools/train.py and tools/test.py drive an mmpretrain config too: the
config's default_scope picks the host.

The tools run through the session's preloaded tool server
(tests/preloaded_tools.py). Its extra imports are mmdet's engine and
visualization modules: a fresh run of the tools already imports mmdet's and
mmpretrain's models, datasets and evaluation (through lt_mm), and the host is
picked from the config at run time, not from what is imported."""
import os.path as osp
import re
import sys
import textwrap

import numpy as np
import pytest
from PIL import Image

pytest.importorskip('mmpretrain')


def write_image_folder(root, rng):
    # Two trivially separable classes: dark and bright images.
    for label, low in (('dark', 0), ('bright', 160)):
        (root / label).mkdir(parents=True)
        for i in range(8):
            pixels = rng.integers(low, low + 90, (32, 32, 3), dtype=np.uint8)
            Image.fromarray(pixels).save(root / label / f'{i}.png')


def write_config(path, data_root):
    path.write_text(textwrap.dedent(f"""
        default_scope = 'mmpretrain'
        custom_imports = dict(imports=['lt_mm'], allow_failed_imports=False)
        model = dict(
            type='ImageClassifier',
            data_preprocessor=dict(
                num_classes=2, mean=[128.] * 3, std=[64.] * 3),
            backbone=dict(type='ResNet', depth=18, out_indices=(3, )),
            neck=dict(type='GlobalAveragePooling'),
            head=dict(
                type='LinearClsHead',
                num_classes=2,
                in_channels=512,
                loss=dict(type='CrossEntropyLoss')))
        dataset = dict(
            type='CustomDataset',
            data_root='{data_root}',
            pipeline=[dict(type='LoadImageFromFile'), dict(type='PackInputs')])
        train_dataloader = dict(
            batch_size=4, num_workers=0, dataset=dataset,
            sampler=dict(type='DefaultSampler', shuffle=True))
        val_dataloader = dict(
            batch_size=4, num_workers=0, dataset=dataset,
            sampler=dict(type='DefaultSampler', shuffle=False))
        test_dataloader = val_dataloader
        val_evaluator = dict(type='Accuracy', topk=(1, ))
        test_evaluator = val_evaluator
        train_cfg = dict(by_epoch=True, max_epochs=1, val_interval=1)
        val_cfg = dict()
        test_cfg = dict()
        optim_wrapper = dict(optimizer=dict(type='SGD', lr=0.01, momentum=0.9))
        default_hooks = dict(
            checkpoint=dict(type='CheckpointHook', interval=1),
            logger=dict(type='LoggerHook', interval=1))
        """))


def test_mmpretrain_config_trains_and_tests(preloaded_tools, tmp_path):
    write_image_folder(tmp_path / 'images', np.random.default_rng(0))
    config = tmp_path / 'tiny_cls.py'
    write_config(config, tmp_path / 'images')
    work_dir = tmp_path / 'work'
    preloaded_tools.run([
        sys.executable, 'tools/train.py',
        str(config), '--work-dir',
        str(work_dir)
    ])
    assert osp.exists(work_dir / 'epoch_1.pth')
    output = preloaded_tools.run([
        sys.executable, 'tools/test.py',
        str(config),
        str(work_dir / 'epoch_1.pth'), '--work-dir',
        str(work_dir), '--out',
        str(tmp_path / 'preds.pkl')
    ])
    top1 = float(re.search(r'accuracy/top1: ([\d.]+)', output).group(1))
    assert 0 <= top1 <= 100
    assert osp.getsize(tmp_path / 'preds.pkl') > 0
