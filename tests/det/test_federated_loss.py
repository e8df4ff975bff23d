"""lt_mm.FederatedLoss as the ``loss_cls`` of mmdet's bbox head, against the
authors' code (xingyizhou/CenterNet2 at bfc8b72):

- centernet/modeling/roi_heads/fed_loss.py L6-L13: sampling weights
  image_count ** 0.5; L15-L31: present labels (background index counted)
  plus a draw without replacement up to 50 indices.
- centernet/modeling/roi_heads/custom_fast_rcnn.py L33-L37: classifier bias
  -log((1 - p) / p), p = 0.01 (centernet/config.py L47); L83-L110: BCE over
  the C class logits, masked, ``sum / B``, zero for an empty batch;
  L96-L100: each GPU draws on its own proposals; L160-L170: sigmoid scores
  (the (C + 1)-th column is dropped by detectron2's
  ``fast_rcnn_inference_single_image``).
- centernet/config.py L53-L55: FED_LOSS_NUM_CAT 50, FED_LOSS_FREQ_WEIGHT
  0.5, MULT_PROPOSAL_SCORE False (set only by configs/Base-CenterNet2.yaml
  L25 for CenterNet2's own first stage).
"""
import inspect
import math
import os.path as osp
from functools import partial

import numpy as np
import pytest
import torch
import torch.nn as nn
from mmengine.config import Config

from lt_mm.core import ClassStatistics
from lt_mm.datasets.samplers import RepeatFactorSampler
from lt_mm.det import FederatedLoss
from .loss_helpers import (build_bbox_head, buffers_after_joint_batches,
                           buffers_after_two_ranks, lvis_batch)
from .test_lvis_configs import built_loss, load

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
C = 1203
PRIOR_BIAS = -4.59511985013459  # -log(0.99 / 0.01)


def statistics(image_counts):
    image_counts = np.asarray(image_counts, dtype=np.int64)
    return ClassStatistics(
        instance_counts=image_counts * 3,
        image_counts=image_counts,
        num_images=100000,
        frequency=np.array(['f'] * len(image_counts)))


def lvis_counts(num_classes=C):
    return (1e5 / np.arange(1, num_classes + 1)).astype(np.int64)


def federated(num_classes=C, image_counts=None, **kwargs):
    loss = FederatedLoss(num_classes=num_classes, **kwargs)
    loss.set_class_statistics(
        statistics(lvis_counts(num_classes)
                   if image_counts is None else image_counts))
    return loss


def bce(z, y):
    p = 1 / (1 + math.exp(-z))
    return -math.log(p) if y else -math.log(1 - p)


def test_loss_by_hand():
    """Counts 10, 0, 4, 0: class 0 and background present (2 of 3 indices),
    the one place left can only go to class 2 (class 1 and 3 have no
    image). Loss = sum over RoIs of BCE on classes 0 and 2, / 3 RoIs."""
    loss = federated(4, [10, 0, 4, 0], num_sample_cats=3)
    z = torch.tensor([[0.5, -1.0, 2.0, 0.3], [1.0, 0.0, -0.5, 4.0],
                      [-2.0, 0.3, 0.7, -1.0]])
    labels = torch.tensor([0, 4, 4])
    expected = (bce(0.5, 1) + bce(2.0, 0) + bce(1.0, 0) + bce(-0.5, 0) +
                bce(-2.0, 0) + bce(0.7, 0)) / 3
    assert loss(z, labels).item() == pytest.approx(expected, rel=1e-6)


def test_one_draw_follows_image_count_to_the_half():
    """FED_LOSS_FREQ_WEIGHT 0.5: with one place left (class 0 and background
    present, 3 indices), counts 1, 4, 9, 16, 100 are drawn 1, 2, 3, 4, 10
    times in 20. 10000 draws from torch's seeded generator; chi-square with
    4 degrees of freedom under its 0.1% quantile 18.47 (the counts
    themselves as weights would give ~3000)."""
    loss = federated(6, [25, 1, 4, 9, 16, 100], num_sample_cats=3)
    labels = torch.tensor([0, 6, 6])
    torch.manual_seed(0)
    counts = torch.zeros(6)
    for _ in range(10000):
        trained = loss.trained_classes(labels)
        assert trained[0] and int(trained.sum()) == 2
        counts += trained.float()
    expected = [10000 * w / 20 for w in (1, 2, 3, 4, 10)]
    chi2 = sum((o - e)**2 / e for o, e in zip(counts[1:].tolist(), expected))
    assert chi2 < 18.47


def test_49_foreground_classes_with_background_rois():
    loss = federated()
    logits, labels = lvis_batch(0, 512, C, 0, bg_fraction=0.95)
    assert (labels == C).any() and len(labels[labels < C].unique()) < 49
    torch.manual_seed(0)
    trained = loss.trained_classes(labels)
    assert int(trained.sum()) == 49
    assert trained[labels[labels < C]].all()


def test_untrained_classes_get_no_gradient():
    loss = federated()
    logits, labels = lvis_batch(1, 256, C, 0)
    logits.requires_grad_()
    torch.manual_seed(3)
    trained = loss.trained_classes(labels)
    torch.manual_seed(3)
    loss(logits, labels).backward()
    assert int(trained.sum()) == 49
    assert (logits.grad[:, ~trained] == 0).all()
    assert (logits.grad[:, trained] != 0).all()


def test_stock_head_starts_at_the_prior_and_its_first_loss_by_hand():
    """A Shared2FCBBoxHead with this loss: C outputs, bias -4.595 after
    init_weights. Zero features: every logit is the bias; RoIs of classes 0
    and 5 and two background RoIs train 49 classes: (2 (pos + 48 neg) +
    2 x 49 neg) / 4, pos = -log 0.01, neg = -log 0.99."""
    head = build_bbox_head(C, dict(type='lt_mm.FederatedLoss',
                                   num_classes=C))
    assert head.fc_cls.out_features == C
    head.init_weights()
    assert torch.equal(head.fc_cls.bias,
                       torch.full_like(head.fc_cls.bias, PRIOR_BIAS))
    head.loss_cls.set_class_statistics(statistics(lvis_counts()))
    logits = head.fc_cls(torch.zeros(4, 16))
    pos, neg = -math.log(0.01), -math.log(0.99)
    value = head.loss_cls(logits, torch.tensor([0, 5, C, C])).item()
    assert value == pytest.approx((2 * (pos + 48 * neg) + 2 * 49 * neg) / 4,
                                  rel=1e-5)  # 2.79


def test_head_predicts_sigmoid_scores():
    """mmdet's bbox head takes get_activation: (N, C + 1) scores, the
    sigmoids and a zero background column that NMS leaves out."""
    head = build_bbox_head(5, dict(type='lt_mm.FederatedLoss', num_classes=5))
    torch.manual_seed(0)
    cls_score = torch.randn(6, 5) * 3
    rois = torch.cat([torch.zeros(6, 1), torch.rand(6, 2) * 50,
                      50 + torch.rand(6, 2) * 50], 1)
    bbox_pred = torch.zeros(6, 20)
    meta = dict(img_shape=(128, 128), scale_factor=(1., 1.))
    raw, = head.predict_by_feat((rois, ), (cls_score, ), (bbox_pred, ),
                                [meta], rcnn_test_cfg=None)
    torch.testing.assert_close(raw.scores[:, :5], cls_score.sigmoid())
    assert (raw.scores[:, 5] == 0).all()
    test_cfg = Config(dict(score_thr=0.0, nms=dict(type='nms',
                                                   iou_threshold=1.0),
                           max_per_img=100))
    det, = head.predict_by_feat((rois, ), (cls_score, ), (bbox_pred, ),
                                [meta], rcnn_test_cfg=test_cfg)
    assert len(det) == 30
    torch.testing.assert_close(det.scores.sort().values,
                               cls_score.sigmoid().flatten().sort().values)


def test_statistics_are_buffers_and_a_resume_draws_the_same():
    """The image counts travel in the checkpoint; the draw uses torch's
    default generator, whose state lt_mm.RNGStateHook saves and restores, so
    the resumed step trains the same classes with the same loss."""
    a = federated(50)
    batches = [lvis_batch(s, 128, 50, 0, bg_fraction=0.9) for s in range(3)]
    torch.manual_seed(0)
    a(*batches[0])
    state, rng = a.state_dict(), torch.get_rng_state()
    assert state['image_counts'].dtype == torch.float64
    assert state['image_counts'].tolist() == lvis_counts(50).tolist()
    assert bool(state['has_statistics'])
    uninterrupted = [a(*b) for b in batches[1:]]

    b = FederatedLoss(num_classes=50)  # no statistics hook on resume
    b.load_state_dict(state)
    torch.set_rng_state(rng)
    resumed = [b(*batch) for batch in batches[1:]]
    for x, y in zip(uninterrupted, resumed):
        torch.testing.assert_close(x, y, rtol=0, atol=0)


class RecordedFederatedLoss(nn.Module):
    """Two federated losses on the same batches, synchronised or not; the
    class set of every step is kept in a buffer that the gloo harness
    saves. The global generator is seeded alike in every process."""

    def __init__(self, seed):
        super().__init__()
        torch.manual_seed(seed)
        self.synced = federated(sync_ranks=True)
        self.local = federated()
        self.register_buffer('synced_sets', torch.zeros(0, C, dtype=bool))
        self.register_buffer('local_sets', torch.zeros(0, C, dtype=bool))

    def forward(self, logits, labels):
        self.synced_sets = torch.cat(
            [self.synced_sets, self.synced.trained_classes(labels)[None]])
        self.local_sets = torch.cat(
            [self.local_sets, self.local.trained_classes(labels)[None]])


def test_sync_ranks_trains_one_class_set_equal_to_one_process(tmp_path):
    """sync_ranks=True: both gloo ranks train the same classes, the set one
    process draws on the joint batch. Default: each rank draws on its own
    RoIs (the authors' per-GPU draw), so the ranks' sets differ."""
    batches = [[lvis_batch(10 * s + r, 128, C, 0, bg_fraction=0.9)
                for r in range(2)] for s in range(3)]
    make = partial(RecordedFederatedLoss, 7)
    ranks = buffers_after_two_ranks(make, batches, tmp_path)
    joint = buffers_after_joint_batches(make, batches)
    assert ranks[0]['synced_sets'].shape == (3, C)
    assert torch.equal(ranks[0]['synced_sets'], ranks[1]['synced_sets'])
    assert torch.equal(ranks[0]['synced_sets'], joint['synced_sets'])
    for step, step_batches in enumerate(batches):
        union = torch.cat([b[1] for b in step_batches])
        union = union[union < C].unique()
        assert ranks[0]['synced_sets'][step, union].all()
        assert int(ranks[0]['synced_sets'][step].sum()) == 49
        for rank in range(2):
            own = step_batches[rank][1]
            assert ranks[rank]['local_sets'][step, own[own < C]].all()
    assert not torch.equal(ranks[0]['local_sets'], ranks[1]['local_sets'])


@pytest.mark.parametrize('labels', [
    torch.full((16, ), 20),
    torch.zeros((0, ), dtype=torch.long),
])
def test_all_background_and_empty_batches(labels):
    loss = federated(20)
    z = torch.randn(len(labels), 20, requires_grad=True)
    out = loss(z, labels)
    out.backward()
    assert torch.isfinite(out) and torch.isfinite(z.grad).all()
    if not len(labels):
        assert out.item() == 0 and out.requires_grad


def test_fp16_logits():
    loss = federated(50)
    logits, labels = lvis_batch(0, 256, 50, 0)
    logits = (logits * 10).half().requires_grad_()
    out = loss(logits, labels)
    out.backward()
    assert out.dtype == torch.float32
    assert torch.isfinite(out) and torch.isfinite(logits.grad).all()


def test_bad_input_is_named():
    with pytest.raises(RuntimeError, match='ClassStatisticsHook'):
        FederatedLoss(num_classes=3)(torch.zeros(2, 3), torch.tensor([0, 3]))
    with pytest.raises(ValueError, match='num_classes=3 but the training'):
        FederatedLoss(num_classes=3).set_class_statistics(
            statistics([1, 2, 3, 4]))
    with pytest.raises(ValueError, match='expects 3 logits'):
        federated(3)(torch.zeros(2, 4), torch.tensor([0, 3]))
    with pytest.raises(ValueError, match='num_sample_cats'):
        FederatedLoss(num_classes=3, num_sample_cats=0)
    with pytest.raises(ValueError, match='freq_weight'):
        FederatedLoss(num_classes=3, freq_weight=-1)
    with pytest.raises(ValueError, match='use_sigmoid=True'):
        FederatedLoss(num_classes=3, use_sigmoid=False)
    with pytest.raises(ValueError, match='num_classes=20 but .* has 10'):
        build_bbox_head(20, dict(type='lt_mm.FederatedLoss', num_classes=10))


def test_lvis_config_follows_the_centernet2_fed_recipe():
    """configs/LVIS_CenterNet2_R50_Fed_1x.yaml L9-L17 (sigmoid CE, fed loss,
    RepeatFactorTrainingSampler t = 0.001, whose rounding is stochastic),
    configs/Base-CenterNet2.yaml L44-L55 (16 images, lr 0.02, 1x,
    multi-scale 640-800), centernet/config.py L47, L53-L54 (p 0.01, 50
    classes, weight 0.5)."""
    cfg = load('federated_mask_rcnn_r50.py')
    loss = built_loss(cfg)
    assert isinstance(loss, FederatedLoss)
    assert (loss.num_sample_cats, loss.freq_weight, loss.prior_prob,
            loss.sync_ranks) == (50, 0.5, 0.01, False)
    sampler = cfg.train_dataloader.sampler
    assert (sampler.type, sampler.repeat_thr) == ('lt_mm.RepeatFactorSampler',
                                                  0.001)
    rounding = sampler.get('rounding', inspect.signature(
        RepeatFactorSampler).parameters['rounding'].default)
    assert rounding == 'stochastic'
    assert cfg.train_cfg.max_epochs == 12
    assert (cfg.train_dataloader.batch_size,
            cfg.auto_scale_lr.base_batch_size,
            cfg.optim_wrapper.optimizer.lr) == (2, 16, 0.02)
    resize, = [t for t in cfg.train_dataloader.dataset.pipeline
               if t.type == 'RandomChoiceResize']
    assert [s for _, s in resize.scales] == list(range(640, 801, 32))
    assert cfg.default_hooks.class_statistics.type == \
        'lt_mm.ClassStatisticsHook'


def test_demo_config_swaps_only_the_loss():
    demo = Config.fromfile(
        osp.join(ROOT, 'configs', 'demo', 'federated_mask_rcnn.py'))
    base = Config.fromfile(osp.join(ROOT, 'configs', 'demo', 'mask_rcnn.py'))
    loss = demo.model.roi_head.bbox_head.pop('loss_cls')
    base.model.roi_head.bbox_head.pop('loss_cls')
    assert demo.model == base.model
    assert demo.train_dataloader == base.train_dataloader
    assert (loss.type, loss.num_classes, loss.num_sample_cats) == (
        'lt_mm.FederatedLoss', 20, 11)
