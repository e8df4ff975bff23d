"""tools/train.py and tools/test.py end to end on the demo data (CPU).

Each run trains the demo config for a few iterations on a slice of the demo
set and evaluates a slice of its val split, so the whole file takes minutes.
"""
import os.path as osp
import re
import socket
import sys

import pytest
import torch
from mmengine.config import Config

import lt_mm  # noqa: F401  (lets torch.load read mmengine checkpoints)
from .tooling import run

CONFIG = 'configs/demo/mask_rcnn.py'
LVIS_KEYS = ('AP', 'AP50', 'AP75', 'APs', 'APm', 'APl', 'APr', 'APc', 'APf')


def demo_options(data_root, config=CONFIG, epochs=2):
    """Point a demo config at ``data_root``: 16 training images, 16 test
    images and 8 for the validation that closes training."""
    root = f'{data_root}/'
    val_ann = f'{root}annotations/lvis_v1_val.json'
    train_set = 'train_dataloader.dataset'
    if 'dataset' in Config.fromfile(config).train_dataloader.dataset:
        train_set += '.dataset'  # inside a repeat-factor wrapper
    return [
        f'{train_set}.data_root={root}',
        f'{train_set}.indices=16',
        'train_dataloader.num_workers=0',
        'train_dataloader.persistent_workers=False',
        f'train_cfg.max_epochs={epochs}',
        'default_hooks.checkpoint.interval=1',
        'default_hooks.checkpoint.max_keep_ckpts=-1',
        f'val_dataloader.dataset.data_root={root}',
        'val_dataloader.dataset.indices=8', 'val_dataloader.num_workers=0',
        'val_dataloader.persistent_workers=False',
        f'test_dataloader.dataset.data_root={root}',
        'test_dataloader.dataset.indices=16', 'test_dataloader.num_workers=0',
        'test_dataloader.persistent_workers=False',
        f'val_evaluator.ann_file={val_ann}', f'test_evaluator.ann_file={val_ann}'
    ]


def train(work_dir, data_root, *extra, epochs=2, config=CONFIG):
    return run([
        sys.executable, 'tools/train.py', config, '--work-dir',
        str(work_dir), '--cfg-options',
        *demo_options(data_root, config, epochs), *extra
    ])


def parse_lvis_metrics(output):
    metrics = dict(re.findall(r'lvis/(\w+): (-?[\d.]+)', output))
    return {k: float(v) for k, v in metrics.items()}


@pytest.fixture(
    scope='module',
    params=[
        'configs/demo/mask_rcnn.py', 'configs/demo/seesaw_mask_rcnn.py',
        'configs/demo/eql_mask_rcnn.py', 'configs/demo/eqlv2_mask_rcnn.py'
    ])
def trained(request, tmp_path_factory, demo_data):
    work_dir = tmp_path_factory.mktemp('train')
    output = train(work_dir, demo_data, config=request.param)
    return request.param, work_dir, output


def test_train_writes_checkpoints(trained):
    _, work_dir, output = trained
    assert osp.exists(work_dir / 'epoch_1.pth')
    assert osp.exists(work_dir / 'epoch_2.pth')
    losses = [float(x) for x in re.findall(r' loss: ([\d.]+)', output)]
    assert losses and all(0 < x < 100 for x in losses)


def test_test_tool_reports_lvis_metrics(trained, demo_data, tmp_path):
    config, work_dir, _ = trained
    out_pkl = tmp_path / 'results.pkl'
    output = run([
        sys.executable, 'tools/test.py', config,
        str(work_dir / 'epoch_2.pth'), '--work-dir',
        str(tmp_path), '--out',
        str(out_pkl), '--show-dir', 'vis', '--cfg-options',
        *demo_options(demo_data, config),
        # after 4 iterations a cosine classifier's scores are still tiny
        'model.test_cfg.rcnn.score_thr=0.0'
    ])
    metrics = parse_lvis_metrics(output)
    for iou_type in ('bbox', 'segm'):
        for key in LVIS_KEYS:
            assert f'{iou_type}_{key}' in metrics, (iou_type, key, output[-2000:])
    assert osp.getsize(out_pkl) > 0
    # --show-dir is taken inside the run's directory, as mmdet does
    assert len(list(tmp_path.glob('*/vis/*.jpg'))) == 16


def test_resume_with_weights_only_loading(trained, demo_data, tmp_path):
    """--resume works on torch >= 2.6 without turning weights_only off, and
    restores the accumulated statistics of the losses."""
    config, work_dir, _ = trained
    output = train(tmp_path, demo_data, '--resume',
                   str(work_dir / 'epoch_1.pth'), config=config)
    assert 'resumed epoch: 1' in output
    assert osp.exists(tmp_path / 'epoch_2.pth')
    assert not osp.exists(tmp_path / 'epoch_1.pth')
    # the resumed checkpoint still loads weights-only
    ckpt = torch.load(tmp_path / 'epoch_2.pth', weights_only=True)
    assert ckpt['meta']['epoch'] == 2
    first = torch.load(work_dir / 'epoch_1.pth', weights_only=True)
    for name in ('cum_samples', 'pos_grad', 'neg_grad'):
        key = f'roi_head.bbox_head.loss_cls.{name}'
        if key in ckpt['state_dict']:
            # the resumed run starts from epoch 1's sums and adds epoch 2's
            assert (ckpt['state_dict'][key] >= first['state_dict'][key]).all()
            assert ckpt['state_dict'][key].sum() > \
                first['state_dict'][key].sum()
    tail = 'roi_head.bbox_head.loss_cls.tail'
    if tail in ckpt['state_dict']:  # EQL: the hook's statistics are saved
        assert ckpt['state_dict'][tail].any()


def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def test_distributed_training_two_cpu_processes(demo_data, tmp_path):
    """tools/dist_train.sh: 2 gloo processes on the CPU."""
    output = run([
        'bash', 'tools/dist_train.sh', CONFIG, '2', '--work-dir',
        str(tmp_path), '--cfg-options',
        *demo_options(demo_data, epochs=1)
    ], PORT=str(free_port()))
    assert 'Distributed training: True' in output
    assert osp.exists(tmp_path / 'epoch_1.pth')


def test_demo_generates_data_trains_and_prints_the_lvis_table(tmp_path):
    data_root = tmp_path / 'fresh_demo'  # missing: the demo generates it
    output = run([
        sys.executable, 'tools/demo.py', CONFIG, '--work-dir',
        str(tmp_path / 'work'), '--cfg-options', f'data_root={data_root}/',
        *demo_options(data_root, epochs=1), 'model.test_cfg.rcnn.score_thr=0.0'
    ])
    assert osp.exists(data_root / 'annotations' / 'lvis_v1_train.json')
    # the table's three lines (warnings on stderr may follow them)
    lines = output.splitlines()
    start = [i for i, line in enumerate(lines)
             if line.split() == list(LVIS_KEYS)][-1]
    bbox, segm = lines[start + 1:start + 3]
    for row, name in ((bbox, 'bbox'), (segm, 'segm')):
        values = row.split()
        assert values[0] == name and len(values) == 10
        assert all(-1 <= float(v) <= 1 for v in values[1:])
