"""Inputs shaped like LVIS RoI batches, a 2-process gloo harness, a small
mmdet bbox head and RoI heads built from the demo configs."""
import copy
import os
import socket

import torch
import torch.distributed as dist
import torch.multiprocessing as mp
from mmdet.registry import MODELS
from mmengine.config import Config
from mmengine.registry import init_default_scope


def lvis_batch(seed, num_rois=1024, num_classes=1203, extra_channels=2,
               bg_fraction=0.75):
    """RoI logits and labels of one LVIS Mask R-CNN step: long-tailed
    labels among the positives, ``num_classes`` marking background."""
    g = torch.Generator().manual_seed(seed)
    logits = torch.randn(num_rois, num_classes + extra_channels,
                         generator=g) * 3
    probs = 1.0 / torch.arange(1, num_classes + 1).float()
    fg = torch.multinomial(probs, num_rois, replacement=True, generator=g)
    is_bg = torch.rand(num_rois, generator=g) < bg_fraction
    return logits, torch.where(is_bg, torch.tensor(num_classes), fg)


def build_bbox_head(num_classes, loss_cfg):
    """A small stock mmdet ``Shared2FCBBoxHead`` around ``loss_cfg``."""
    init_default_scope('mmdet')
    return MODELS.build(
        dict(
            type='Shared2FCBBoxHead',
            in_channels=8,
            fc_out_channels=16,
            roi_feat_size=7,
            num_classes=num_classes,
            loss_cls=loss_cfg))


def _free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def _worker(rank, port, make_loss, batches, out):
    os.environ.update(MASTER_ADDR='127.0.0.1', MASTER_PORT=str(port))
    dist.init_process_group('gloo', rank=rank, world_size=2)
    loss = make_loss()
    for step_batches in batches:
        loss(*step_batches[rank])
    torch.save(loss.state_dict(), f'{out}.{rank}')
    dist.destroy_process_group()


def buffers_after_two_ranks(make_loss, batches, tmp_path):
    """Run ``make_loss()`` on 2 gloo ranks; ``batches[step][rank]`` is the
    (logits, labels) of that rank. Returns both ranks' state dicts."""
    out = str(tmp_path / 'state')
    mp.spawn(_worker, args=(_free_port(), make_loss, batches, out), nprocs=2)
    return [torch.load(f'{out}.{rank}') for rank in range(2)]


def buffers_after_joint_batches(make_loss, batches):
    """The same steps in one process, each step on the ranks' joint batch."""
    loss = make_loss()
    for step_batches in batches:
        loss(torch.cat([b[0] for b in step_batches]),
             torch.cat([b[1] for b in step_batches]))
    return loss.state_dict()


def build_roi_head(config, edit=None):
    """The RoI head of a demo config with its train / test settings, built
    with a fixed seed; ``edit(head_cfg)`` may change the config first."""
    cfg = Config.fromfile(config).model
    head_cfg = copy.deepcopy(cfg.roi_head)
    if edit is not None:
        edit(head_cfg)
    head_cfg.update(train_cfg=cfg.train_cfg.rcnn, test_cfg=cfg.test_cfg.rcnn)
    torch.manual_seed(0)
    return MODELS.build(head_cfg)
