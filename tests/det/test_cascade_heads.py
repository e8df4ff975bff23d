"""Every classification loss in all three stages of mmdet's Cascade R-CNN
head, with no other change to the head config: training losses, the
stage-to-stage refinement (which reads the loss's test-time activation) and
prediction."""
import os.path as osp

import mmdet
import pytest
import torch
from mmdet.registry import MODELS
from mmdet.structures import DetDataSample
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmengine.structures import InstanceData

from lt_mm.core import ClassStatistics

NUM_CLASSES = 6
CASCADE = osp.join(osp.dirname(mmdet.__file__), '.mim', 'configs', '_base_',
                   'models', 'cascade-rcnn_r50_fpn.py')


def build_cascade_head(loss_cfg):
    init_default_scope('mmdet')
    model = Config.fromfile(CASCADE).model
    head = model.roi_head
    head.bbox_roi_extractor.out_channels = 16
    for stage in head.bbox_head:
        stage.update(in_channels=16, fc_out_channels=32,
                     num_classes=NUM_CLASSES)
        stage.pop('loss_cls')  # what _delete_=True does in a config
        stage.loss_cls = loss_cfg
    for stage in model.train_cfg.rcnn:
        stage.sampler.num = 64
    head.update(train_cfg=model.train_cfg.rcnn, test_cfg=model.test_cfg.rcnn)
    head = MODELS.build(head)
    stats = ClassStatistics.from_labels(
        [[c] * (3 ** c) for c in range(NUM_CLASSES)], NUM_CLASSES)
    for module in head.modules():
        if hasattr(module, 'set_class_statistics'):
            module.set_class_statistics(stats)
    return head


def inputs(num_images=2, size=64):
    g = torch.Generator().manual_seed(0)
    feats = tuple(
        torch.randn(num_images, 16, size // s, size // s, generator=g)
        for s in (4, 8, 16, 32))
    samples, proposals = [], []
    for _ in range(num_images):
        xy = torch.rand(3, 2, generator=g) * 32
        gt = torch.cat([xy, xy + 16 + torch.rand(3, 2, generator=g) * 16], 1)
        sample = DetDataSample(metainfo=dict(img_shape=(size, size),
                                             ori_shape=(size, size),
                                             scale_factor=(1.0, 1.0)))
        sample.gt_instances = InstanceData(
            bboxes=gt, labels=torch.randint(NUM_CLASSES, (3, ), generator=g))
        samples.append(sample)
        jitter = torch.randn(40, 4, generator=g) * 4
        boxes = gt.repeat(40 // 3 + 1, 1)[:40] + jitter
        proposals.append(InstanceData(bboxes=boxes.clamp(0, size),
                                      scores=torch.rand(40, generator=g)))
    return feats, proposals, samples


@pytest.mark.parametrize('loss_type', [
    'lt_mm.SeesawLoss', 'lt_mm.EqualizationLoss', 'lt_mm.EqualizationLossV2',
    'lt_mm.AdaptiveClassSuppressionLoss', 'lt_mm.GroupSoftmaxLoss'
])
def test_loss_in_every_cascade_stage(loss_type):
    torch.manual_seed(0)
    head = build_cascade_head(dict(type=loss_type, num_classes=NUM_CLASSES))
    feats, proposals, samples = inputs()
    losses = head.loss(feats, proposals, samples)
    total = sum(v for k, v in losses.items() if 'loss' in k)
    assert {k.split('.')[0] for k in losses} == {'s0', 's1', 's2'}
    assert torch.isfinite(total)
    total.backward()

    head.eval()
    feats, proposals, samples = inputs()
    with torch.no_grad():
        results = head.predict(feats, proposals, samples)
    for result in results:
        assert len(result.scores) > 0
        assert ((result.scores >= 0) & (result.scores <= 1)).all()
        assert (result.labels < NUM_CLASSES).all()
