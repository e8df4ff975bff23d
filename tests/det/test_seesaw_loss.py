from functools import partial

import pytest
import torch
from mmdet.models.losses import SeesawLoss as MMDetSeesawLoss
from mmdet.registry import MODELS
from mmengine.registry import init_default_scope

from lt_mm.det import NormedConv2d, NormedLinear, SeesawLoss
from .loss_helpers import (buffers_after_joint_batches,
                           buffers_after_two_ranks, lvis_batch)

C = 1203


def test_equals_mmdet_seesaw_over_steps():
    ours, ref = SeesawLoss(num_classes=C), MMDetSeesawLoss(num_classes=C)
    for step in range(4):
        logits, labels = lvis_batch(step)
        a = logits.clone().requires_grad_()
        b = logits.clone().requires_grad_()
        avg = float(labels.numel())
        out = ours(a, labels, torch.ones(len(labels)), avg_factor=avg)
        exp = ref(b, labels, torch.ones(len(labels)), avg_factor=avg)
        for key in ('loss_cls_classes', 'loss_cls_objectness'):
            torch.testing.assert_close(out[key], exp[key], atol=1e-5,
                                       rtol=1e-5)
        sum(out.values()).backward()
        sum(exp.values()).backward()
        torch.testing.assert_close(a.grad, b.grad, atol=1e-5, rtol=1e-5)
        torch.testing.assert_close(ours.cum_samples.float(),
                                   ref.cum_samples[:C])
    torch.testing.assert_close(
        ours.get_activation(logits), ref.get_activation(logits))
    acc, acc_ref = ours.get_accuracy(logits, labels), ref.get_accuracy(
        logits, labels)
    for key in acc_ref:
        torch.testing.assert_close(acc[key], acc_ref[key])


def test_test_time_scores():
    loss = SeesawLoss(num_classes=4)
    logits = torch.randn(7, 6)
    scores = loss.get_activation(logits)
    assert scores.shape == (7, 5)
    torch.testing.assert_close(scores.sum(1), torch.ones(7))
    obj = logits[:, 4:].softmax(1)
    torch.testing.assert_close(scores[:, 4], obj[:, 1])
    torch.testing.assert_close(scores[:, :4],
                               logits[:, :4].softmax(1) * obj[:, :1])


@pytest.mark.parametrize('labels', [
    torch.full((16, ), 5),  # every RoI background: no positives
    torch.zeros((0, ), dtype=torch.long),  # no RoIs at all
])
def test_degenerate_batches_are_finite(labels):
    loss = SeesawLoss(num_classes=5)
    logits = torch.randn(len(labels), 7, requires_grad=True)
    out = loss(logits, labels, avg_factor=max(len(labels), 1))
    total = sum(out.values())
    total.backward()
    assert torch.isfinite(total)
    assert out['loss_cls_classes'] == 0
    assert torch.isfinite(logits.grad).all()


def test_fp16_logits_give_finite_loss_and_gradients():
    logits, labels = lvis_batch(0, num_rois=256, num_classes=50)
    logits = (logits * 10).half().requires_grad_()
    out = SeesawLoss(num_classes=50)(logits, labels, avg_factor=256.)
    total = sum(out.values())
    total.backward()
    assert torch.isfinite(total) and torch.isfinite(logits.grad).all()


def test_counts_are_a_buffer_and_resume_continues_identically():
    a = SeesawLoss(num_classes=30)
    for step in range(3):
        a(*lvis_batch(step, 128, 30))
    b = SeesawLoss(num_classes=30)
    b.load_state_dict(a.state_dict())
    assert 'cum_samples' in a.state_dict()
    torch.testing.assert_close(b.cum_samples, a.cum_samples)
    logits, labels = lvis_batch(9, 128, 30)
    torch.testing.assert_close(a(logits, labels), b(logits, labels))


def test_wrong_channel_count_is_named():
    loss = SeesawLoss(num_classes=10)
    with pytest.raises(ValueError, match='12 logits'):
        loss(torch.randn(4, 11), torch.zeros(4, dtype=torch.long))
    with pytest.raises(ValueError, match='num_classes=20'):
        loss.get_cls_channels(20)


def test_normed_predictors_build_from_mmdet_head_configs():
    init_default_scope('mmdet')
    head = MODELS.build(
        dict(
            type='Shared2FCBBoxHead',
            in_channels=8,
            fc_out_channels=16,
            roi_feat_size=7,
            num_classes=10,
            cls_predictor_cfg=dict(type='lt_mm.NormedLinear', scale=20)))
    assert isinstance(head.fc_cls, NormedLinear)
    mask_head = MODELS.build(
        dict(
            type='FCNMaskHead',
            num_convs=1,
            in_channels=8,
            conv_out_channels=8,
            num_classes=10,
            predictor_cfg=dict(type='lt_mm.NormedConv2d', scale=20)))
    assert isinstance(mask_head.conv_logits, NormedConv2d)
    assert mask_head(torch.randn(2, 8, 14, 14)).shape == (2, 10, 28, 28)


def test_normed_predictors_equal_mmdet():
    from mmdet.models.layers import NormedConv2d as RefConv
    from mmdet.models.layers import NormedLinear as RefLinear
    ours, ref = NormedLinear(16, 7), RefLinear(16, 7, tempearture=20)
    ref.load_state_dict(ours.state_dict())
    x = torch.randn(5, 16)
    torch.testing.assert_close(ours(x), ref(x))
    ours, ref = NormedConv2d(8, 3, 1), RefConv(8, 3, 1, tempearture=20)
    ref.load_state_dict(ours.state_dict())
    x = torch.randn(2, 8, 5, 5)
    torch.testing.assert_close(ours(x), ref(x))


def test_counts_agree_across_ranks_and_equal_one_process(tmp_path):
    batches = [[lvis_batch(10 * step + rank, 64, 40) for rank in range(2)]
               for step in range(3)]
    make_loss = partial(SeesawLoss, num_classes=40)
    ranks = buffers_after_two_ranks(make_loss, batches, tmp_path)
    joint = buffers_after_joint_batches(make_loss, batches)
    torch.testing.assert_close(ranks[0]['cum_samples'],
                               ranks[1]['cum_samples'])
    torch.testing.assert_close(ranks[0]['cum_samples'], joint['cum_samples'])
