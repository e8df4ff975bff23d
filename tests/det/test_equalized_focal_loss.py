"""lt_mm.EqualizedFocalLoss as the loss_cls of mmdet's dense heads.

What it is compared with:

- the authors' loss, ModelTC/United-Perception (EOD's successor, same
  history), up/tasks/det/plugins/efl/models/losses/efl.py: focusing factor
  ``gamma_b + s (1 - pos_neg)`` (L75-L78), weight ``ff / gamma_b`` (L80),
  focal term times ``alpha_t`` (L83-L91), ``pos_neg`` starting at 1 (L44);
  the statistics: absolute gradients of the classification logits, split at
  positives and negatives (L105-L107), summed over ranks (L109-L110),
  accumulated and never reset (L112-L114), collected by a backward hook on
  the classifier's output (up/utils/general/hook_helper.py L567-L593), i.e.
  the gradient of the normalised loss (retina_post_process.py L333-L350,
  ``normalizer_override``; loss weight: up/models/losses/loss.py L50-L51);
- mmdet's FocalLoss (its CPU path, ``py_sigmoid_focal_loss``) at step 0,
  where every class has g = 1;
- autograd, for the gradients behind the statistics.
"""
import math
from functools import partial

import pytest
import torch
import torch.nn as nn
from mmdet.models.losses import FocalLoss
from mmdet.registry import MODELS
from mmdet.structures import DetDataSample
from mmengine.config import ConfigDict
from mmengine.registry import init_default_scope
from mmengine.structures import InstanceData

from lt_mm.core.losses.equalized_focal import efl_focusing_factors
from lt_mm.core.losses.sigmoid_prior import prior_bias
from lt_mm.det import EqualizedFocalLoss
from ..nonfinite import NAN, caught
from .loss_helpers import buffers_after_two_ranks


def sigmoid(z):
    return 1 / (1 + math.exp(-z))


def hand_loss(z, labels, weights, avg_factor, gamma, alpha=0.25):
    """The authors' loss (efl.py L75-L96), element by element in float64:
    sum_i w_i sum_j (gamma_j / gamma_b) alpha_t (1 - p_t)^gamma_j
    (-log p_t) / avg_factor, gamma_b = 2; avg_factor plus float32's eps,
    as mmdet's weight_reduce_loss divides."""
    total = 0.0
    for row, label, w in zip(z.tolist(), labels.tolist(), weights.tolist()):
        for j, zj in enumerate(row):
            p = sigmoid(zj)
            p_t, a_t = (p, alpha) if j == label else (1 - p, 1 - alpha)
            total += w * (gamma[j] / 2) * a_t * (1 - p_t)**gamma[j] * \
                -math.log(p_t)
    return total / (avg_factor + torch.finfo(torch.float32).eps)


def batch(seed, n=12, c=4, bg=0.5):
    g = torch.Generator().manual_seed(seed)
    z = torch.randn(n, c, generator=g, dtype=torch.float64) * 2 - 2
    labels = torch.randint(0, c, (n, ), generator=g)
    labels[torch.rand(n, generator=g) < bg] = c
    weights = (torch.rand(n, generator=g) > 0.2).double()
    return z, labels, weights


def test_loss_by_hand_from_given_statistics():
    """pos = [1, 0, 3, 0], neg = [4, 5, 1, 0]: g = [1/4, 0, 1, 1 (none
    yet)], gamma = [8, 10, 2, 2], weights [4, 5, 1, 1]."""
    loss = EqualizedFocalLoss(num_classes=4).eval()
    loss.pos_grad.copy_(torch.tensor([1.0, 0.0, 3.0, 0.0]))
    loss.neg_grad.copy_(torch.tensor([4.0, 5.0, 1.0, 0.0]))
    gamma, weight = loss.focusing_factors()
    torch.testing.assert_close(gamma, torch.tensor(
        [8.0, 10.0, 2.0, 2.0], dtype=torch.float64), rtol=0, atol=1e-9)
    torch.testing.assert_close(weight, gamma / 2)
    z = torch.tensor([[0.5, -1.0, 2.0, -3.0], [1.0, 0.0, -0.5, 0.2]])
    labels = torch.tensor([0, 4])  # class 0; background
    weights = torch.tensor([1.0, 0.5])
    out = loss(z, labels, weights, avg_factor=2.0)
    expect = hand_loss(z, labels, weights, 2.0, [8.0, 10.0, 2.0, 2.0])
    assert out.item() == pytest.approx(expect, rel=1e-6)


@pytest.mark.parametrize('avg_factor', [1.0, 7.0])
def test_step_zero_is_mmdets_focal_loss(avg_factor):
    """No statistics yet: g = 1 for every class (the authors' pos_neg starts
    at 1), so value and gradient are mmdet's FocalLoss (gamma 2, alpha
    0.25) with the same label weights and avg_factor (which dense heads
    always pass; without one mmdet averages over N x C elements, lt_mm's
    losses over the N anchors)."""
    g = torch.Generator().manual_seed(0)
    z = (torch.randn(64, 7, generator=g) * 3).requires_grad_()
    labels = torch.randint(0, 8, (64, ), generator=g)
    weights = torch.rand(64, generator=g)
    ours = EqualizedFocalLoss(num_classes=7)
    assert ours.focusing_factors()[0].tolist() == [2.0] * 7
    ref = FocalLoss(use_sigmoid=True, gamma=2.0, alpha=0.25)
    a = ours(z, labels, weights, avg_factor=avg_factor)
    b = ref(z, labels, weights, avg_factor=avg_factor)
    torch.testing.assert_close(a, b)
    ga, = torch.autograd.grad(a, z)
    gb, = torch.autograd.grad(b, z)
    torch.testing.assert_close(ga, gb)


def test_scale_zero_stays_mmdets_focal_loss_after_updates():
    ours, ref = EqualizedFocalLoss(num_classes=4, scale_factor=0.0), \
        FocalLoss(use_sigmoid=True)
    for step in range(2):
        z, labels, _ = batch(step)
        z = z.float().requires_grad_()
        a = ours(z, labels, avg_factor=3.0)
        b = ref(z, labels, avg_factor=3.0)
        a.backward()
        torch.testing.assert_close(a, b)


def test_gradcheck_with_statistics():
    loss = EqualizedFocalLoss(num_classes=4)
    loss.pos_grad.copy_(torch.tensor([1.0, 0.0, 3.0, 0.2]))
    loss.neg_grad.copy_(torch.tensor([4.0, 5.0, 1.0, 2.0]))
    loss.eval()  # no update inside gradcheck
    z, labels, weights = batch(1)
    z.requires_grad_()
    assert torch.autograd.gradcheck(
        lambda x: loss(x, labels, weights, avg_factor=3.0), (z, ))


def test_statistics_follow_the_gradients_step_by_step():
    """Three steps of two calls each (two FPN levels): every call of step t
    uses gamma from the autograd gradients of steps 0 .. t - 1 (the loss
    value checked against the authors' formula), and after step t's
    backward the buffers hold the sums of |gradient| over steps 0 .. t at
    positive and negative labels."""
    c = 4
    loss = EqualizedFocalLoss(num_classes=c, loss_weight=1.5)
    pos = torch.zeros(c, dtype=torch.float64)
    neg = torch.zeros(c, dtype=torch.float64)
    for step in range(3):
        gamma, _ = efl_focusing_factors(pos, neg, 2.0, 8.0)
        levels = [batch(10 * step + k, bg=0.3) for k in range(2)]
        avg_factor = 3.0 + step
        before = loss.pos_grad.clone()
        outputs = []
        for z, labels, weights in levels:
            z.requires_grad_()
            out = loss(z, labels, weights, avg_factor=avg_factor)
            expect = 1.5 * hand_loss(z, labels, weights, avg_factor,
                                     gamma.tolist())
            assert out.item() == pytest.approx(expect, rel=1e-9)
            # held back until the step's backward pass
            torch.testing.assert_close(loss.pos_grad, before, rtol=0,
                                       atol=0)
            outputs.append(out)
        sum(outputs).backward()
        for z, labels, _ in levels:
            grad = z.grad.abs()
            for i, label in enumerate(labels.tolist()):
                for j in range(c):
                    if j == label:
                        pos[j] += grad[i, j]
                    else:
                        neg[j] += grad[i, j]
        torch.testing.assert_close(loss.pos_grad, pos, rtol=1e-12, atol=0)
        torch.testing.assert_close(loss.neg_grad, neg, rtol=1e-12, atol=0)
    assert (pos > 0).all()  # non-trivial: every class was a positive
    assert int(loss.statistics_guard.updates) == 6


def test_a_class_seen_only_as_negative_gets_gamma_b_plus_s():
    """After one update every class has negative gradients; a class with no
    positive has g = 0 (efl.py L114): gamma 2 + 8 = 10."""
    loss = EqualizedFocalLoss(num_classes=3)
    z = torch.zeros(4, 3, requires_grad=True)
    loss(z, torch.tensor([0, 3, 3, 0])).backward()
    gamma, weight = loss.focusing_factors()
    assert gamma[1:].tolist() == [10.0, 10.0]
    assert weight[1:].tolist() == [5.0, 5.0]
    g0 = float(loss.pos_grad[0] / (loss.neg_grad[0] + 1e-10))
    assert gamma[0].item() == pytest.approx(2 + 8 * (1 - min(1.0, g0)))


def test_zero_positives_and_empty_input():
    loss = EqualizedFocalLoss(num_classes=5)
    z = torch.randn(16, 5, requires_grad=True)
    out = loss(z, torch.full((16, ), 5), avg_factor=1.0)
    out.backward()
    assert torch.isfinite(out) and torch.isfinite(z.grad).all()
    assert loss.pos_grad.tolist() == [0.0] * 5 and (loss.neg_grad > 0).all()
    before = loss.neg_grad.clone()
    empty = torch.zeros(0, 5, requires_grad=True)
    out = loss(empty, torch.zeros(0, dtype=torch.long), avg_factor=1.0)
    out.backward()
    assert out.item() == 0.0 and empty.grad.shape == (0, 5)
    torch.testing.assert_close(loss.neg_grad, before, rtol=0, atol=0)
    assert int(loss.statistics_guard.updates) == 2


def test_an_output_without_backward_adds_its_statistics_at_once():
    """A training-mode call without a graph (no_grad) adds its sums at once;
    evaluation mode adds nothing."""
    loss = EqualizedFocalLoss(num_classes=4)
    z, labels, _ = batch(0)
    with torch.no_grad():
        loss(z, labels)
    assert loss.neg_grad.sum() > 0
    before = loss.state_dict()
    loss.eval()
    loss(z.requires_grad_(), labels).backward()
    for key, value in loss.state_dict().items():
        torch.testing.assert_close(value, before[key], rtol=0, atol=0)


def test_bad_input_says_what_is_wrong():
    loss = EqualizedFocalLoss(num_classes=4)
    with pytest.raises(ValueError, match='expects 4 logits'):
        loss(torch.zeros(2, 5), torch.zeros(2, dtype=torch.long))
    with pytest.raises(ValueError, match=r'labels must lie in \[0, 4\]'):
        loss(torch.zeros(2, 4), torch.tensor([0, 5]))
    with pytest.raises(ValueError, match='one weight per anchor'):
        loss(torch.zeros(2, 4), torch.tensor([0, 4]), torch.ones(2, 4))
    with pytest.raises(ValueError, match='use_sigmoid=True'):
        EqualizedFocalLoss(num_classes=4, use_sigmoid=False)


def test_nonfinite_rows_stay_out_of_the_statistics():
    loss = EqualizedFocalLoss(num_classes=4)
    z, labels, _ = batch(0)
    z = z.float()
    z[3, 1] = NAN
    _, warned = caught(lambda: loss(z.requires_grad_(), labels).backward())
    assert len(warned) == 1
    assert torch.isfinite(loss.pos_grad).all()
    assert torch.isfinite(loss.neg_grad).all()
    assert int(loss.statistics_guard.skipped_rows) == 1


class _TrainStep(nn.Module):
    """One training step of the loss on a rank: forward, then backward
    unless the step runs without a graph. Its state dict is the loss's."""

    def __init__(self, num_classes):
        super().__init__()
        self.loss = EqualizedFocalLoss(num_classes=num_classes)

    def forward(self, z, labels, avg_factor, with_grad):
        with torch.set_grad_enabled(with_grad):
            z = z.clone().requires_grad_(with_grad)
            out = self.loss(z, labels, avg_factor=avg_factor)
        if with_grad:
            out.backward()

    def state_dict(self, *args, **kwargs):
        return self.loss.state_dict(*args, **kwargs)


def test_two_ranks_sum_their_statistics_and_agree(tmp_path):
    """2 gloo processes; rank 1 gets an empty batch at step 1 and runs step
    2 without a graph (no backward pass): the collectives run in the
    forward pass, so nothing hangs, and both ranks hold the same sums: those
    of one process that runs both ranks' batches in each step."""
    c = 6
    steps = []
    for s in range(3):
        ranks = []
        for r in range(2):
            z, labels, _ = batch(10 * s + r, n=20, c=c, bg=0.6)
            if (s, r) == (1, 1):
                z, labels = z[:0], labels[:0]
            ranks.append((z.float(), labels, 4.0, (s, r) != (2, 1)))
        steps.append(ranks)
    states = buffers_after_two_ranks(partial(_TrainStep, c), steps, tmp_path)
    joint = EqualizedFocalLoss(num_classes=c)
    for ranks in steps:
        outs = [joint(z.clone().requires_grad_(), labels, avg_factor=a)
                for z, labels, a, _ in ranks]
        sum(outs).backward()
    for key in ('pos_grad', 'neg_grad', 'statistics_guard.updates'):
        torch.testing.assert_close(states[0][key], states[1][key], rtol=0,
                                   atol=0)
    for key in ('pos_grad', 'neg_grad'):
        assert states[0][key].dtype == torch.float64
        torch.testing.assert_close(states[0][key], joint.state_dict()[key],
                                   rtol=1e-12, atol=0)
    assert (states[0]['pos_grad'] > 0).any()


def test_resume_continues_identically():
    a = EqualizedFocalLoss(num_classes=4)
    for step in range(2):
        z, labels, weights = batch(step)
        a(z.requires_grad_(), labels, weights).backward()
    state = a.state_dict()
    assert {'pos_grad', 'neg_grad', 'statistics_guard.updates',
            'statistics_guard.skipped_rows'} <= set(state)
    assert state['pos_grad'].dtype == torch.float64
    b = EqualizedFocalLoss(num_classes=4)
    b.load_state_dict(state)
    z, labels, weights = batch(7)
    outs = [loss(z.clone().requires_grad_(), labels, weights)
            for loss in (a, b)]
    for out in outs:
        out.backward()
    assert outs[0].item() == outs[1].item()
    for key, value in a.state_dict().items():
        torch.testing.assert_close(b.state_dict()[key], value, rtol=0, atol=0)


LOSS = dict(type='lt_mm.EqualizedFocalLoss', num_classes=5, use_sigmoid=True,
            gamma=2.0, alpha=0.25, loss_weight=1.0)


def atss_head(loss_cls=LOSS):
    """A small mmdet ATSSHead with the improved baseline's two anchors per
    location (scales 6, 8) and top-18 ATSS candidates."""
    init_default_scope('mmdet')
    return MODELS.build(
        dict(
            type='ATSSHead',
            num_classes=5,
            in_channels=8,
            feat_channels=8,
            stacked_convs=1,
            norm_cfg=dict(type='GN', num_groups=4, requires_grad=True),
            anchor_generator=dict(
                type='AnchorGenerator',
                ratios=[1.0],
                scales=[6, 8],
                strides=[8, 16, 32, 64, 128]),
            bbox_coder=dict(
                type='DeltaXYWHBBoxCoder',
                target_means=[.0, .0, .0, .0],
                target_stds=[0.1, 0.1, 0.2, 0.2]),
            loss_cls=loss_cls,
            loss_bbox=dict(type='GIoULoss', loss_weight=1.0),
            loss_centerness=dict(
                type='CrossEntropyLoss', use_sigmoid=True, loss_weight=1.0),
            train_cfg=ConfigDict(
                assigner=dict(type='ATSSAssigner', topk=18),
                allowed_border=-1,
                pos_weight=-1,
                debug=False)))


def retina_head(loss_cls=LOSS):
    init_default_scope('mmdet')
    return MODELS.build(
        dict(
            type='RetinaHead',
            num_classes=5,
            in_channels=8,
            feat_channels=8,
            stacked_convs=1,
            anchor_generator=dict(
                type='AnchorGenerator',
                octave_base_scale=4,
                scales_per_octave=3,
                ratios=[0.5, 1.0, 2.0],
                strides=[8, 16, 32, 64, 128]),
            bbox_coder=dict(
                type='DeltaXYWHBBoxCoder',
                target_means=[.0, .0, .0, .0],
                target_stds=[1.0, 1.0, 1.0, 1.0]),
            loss_cls=loss_cls,
            loss_bbox=dict(type='L1Loss', loss_weight=1.0),
            train_cfg=ConfigDict(
                assigner=dict(
                    type='MaxIoUAssigner',
                    pos_iou_thr=0.5,
                    neg_iou_thr=0.4,
                    min_pos_iou=0,
                    ignore_iof_thr=-1),
                sampler=dict(type='PseudoSampler'),
                allowed_border=-1,
                pos_weight=-1,
                debug=False)))


@pytest.mark.parametrize('build,classifier', [(atss_head, 'atss_cls'),
                                              (retina_head, 'retina_cls')])
def test_dense_heads_start_at_the_prior_and_score_with_sigmoids(
        build, classifier):
    """The authors' init_prior 0.001 (configs/det/efl/
    efl_improved_baseline_r50_2x_rfs.yaml L158; up/utils/model/
    initializer.py init_bias_focal): bias -6.907 after init_weights, where
    mmdet's FocalLoss leaves the heads' own 0.01 (-4.595); C outputs per
    anchor scored with sigmoids (retina_post_process.py L265-L271 applies
    sigmoid to the class logits)."""
    head = build()
    head.init_weights()
    bias = getattr(head, classifier).bias
    torch.testing.assert_close(bias, torch.full_like(bias, prior_bias(0.001)))
    assert prior_bias(0.001) == pytest.approx(-6.9068, abs=1e-4)
    assert head.use_sigmoid_cls and head.cls_out_channels == 5
    # mmdet v3.3.0 base_dense_head.py L376-L379: sigmoid(z) unless the loss
    # claims the scores (custom_cls_channels)
    assert not getattr(head.loss_cls, 'custom_cls_channels', False)
    focal = build(dict(type='FocalLoss', use_sigmoid=True))
    focal.init_weights()
    assert getattr(focal, classifier).bias[0].item() == pytest.approx(
        prior_bias(0.01))


def _samples():
    samples = []
    for boxes, labels in (([[10., 10, 60, 50], [30, 40, 120, 100]], [1, 3]),
                          ([[0., 0, 100, 90]], [1])):
        sample = DetDataSample()
        sample.set_metainfo(
            dict(img_shape=(128, 128), pad_shape=(128, 128),
                 batch_input_shape=(128, 128)))
        sample.gt_instances = InstanceData(
            bboxes=torch.tensor(boxes), labels=torch.tensor(labels))
        samples.append(sample)
    return samples


def test_atss_head_loss_updates_the_statistics_with_the_logits_gradients():
    """mmdet's ATSSHead calls the loss once per FPN level with its
    avg_factor; after the backward pass the buffers hold, per class, the
    absolute gradient of the total loss with respect to the head's
    classification outputs (what the authors' backward hook on the
    classifier collects), positives only for the ground-truth classes."""
    torch.manual_seed(0)
    head = atss_head()
    head.init_weights()
    feats = [torch.randn(2, 8, s, s) for s in (16, 8, 4, 2, 1)]
    cls_scores, bbox_preds, centernesses = head(feats)
    for score in cls_scores:
        score.retain_grad()
    samples = _samples()
    losses = head.loss_by_feat(cls_scores, bbox_preds, centernesses,
                               [s.gt_instances for s in samples],
                               [s.metainfo for s in samples])
    loss = head.loss_cls
    assert loss.pos_grad.sum() == 0  # until the backward pass
    sum(sum(v) for v in losses.values()).backward()
    # (N, A * C, H, W): sum |grad| over images, anchors and positions
    expect = sum(
        s.grad.abs().reshape(2, 2, 5, *s.shape[-2:]).sum((0, 1, 3, 4))
        for s in cls_scores).double()
    torch.testing.assert_close(loss.pos_grad + loss.neg_grad, expect,
                               rtol=1e-6, atol=0)
    assert (loss.pos_grad > 0).tolist() == [False, True, False, True, False]
    assert int(loss.statistics_guard.updates) == 5  # one per level
    # the next step's factors: g = 0 for the classes never positive
    gamma, _ = loss.focusing_factors()
    assert gamma[[0, 2, 4]].tolist() == [10.0] * 3


def test_retina_head_loss_runs_and_updates():
    torch.manual_seed(0)
    head = retina_head()
    head.init_weights()
    feats = [torch.randn(2, 8, s, s) for s in (16, 8, 4, 2, 1)]
    samples = _samples()
    losses = head.loss(feats, samples)
    sum(sum(v) for v in losses.values()).backward()
    assert (head.loss_cls.pos_grad > 0).tolist() == [
        False, True, False, True, False
    ]
    assert (head.loss_cls.neg_grad > 0).all()
