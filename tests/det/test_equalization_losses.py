import math
from functools import partial

import numpy as np
import pytest
import torch
from mmdet.models.losses import EQLV2Loss

from lt_mm.core import ClassStatistics
from lt_mm.det import EqualizationLoss, EqualizationLossV2
from .loss_helpers import (buffers_after_joint_batches,
                           buffers_after_two_ranks, lvis_batch)

C = 1203


def eql_with_tail(num_classes, tail_classes, lambda_=0.0011):
    """An EqualizationLoss whose tail set is ``tail_classes``."""
    image_counts = np.full(num_classes, 1000)
    image_counts[list(tail_classes)] = 1
    stats = ClassStatistics(
        instance_counts=image_counts,
        image_counts=image_counts,
        num_images=10000,
        frequency=np.array(['f'] * num_classes))
    loss = EqualizationLoss(num_classes=num_classes, lambda_=lambda_)
    loss.set_class_statistics(stats)
    return loss


def bce(z, y):
    return -(y * math.log(1 / (1 + math.exp(-z))) +
             (1 - y) * math.log(1 - 1 / (1 + math.exp(-z))))


def test_eql_by_hand():
    loss = eql_with_tail(3, [1, 2])
    z = torch.tensor([[0.5, -1.0, 2.0], [1.0, 0.0, -0.5]])
    labels = torch.tensor([0, 3])  # class 0; background
    # RoI 0: only its own class counts; RoI 1 (background): all three
    expected = (bce(0.5, 1) + bce(1.0, 0) + bce(0.0, 0) + bce(-0.5, 0)) / 2
    torch.testing.assert_close(loss(z, labels), torch.tensor(expected))


def test_eql_tail_from_class_statistics():
    loss = eql_with_tail(5, [3, 4], lambda_=0.001)
    assert loss.tail.tolist() == [False, False, False, True, True]
    assert 'tail' in loss.state_dict()


def test_eql_gradcheck():
    loss = eql_with_tail(4, [2, 3]).double()
    z = torch.randn(6, 4, dtype=torch.float64, requires_grad=True)
    labels = torch.tensor([0, 2, 4, 1, 4, 3])
    assert torch.autograd.gradcheck(lambda x: loss(x, labels).double(),
                                    (z, ))


def test_eql_without_statistics_says_what_to_add():
    loss = EqualizationLoss(num_classes=3)
    with pytest.raises(RuntimeError, match='ClassStatisticsHook'):
        loss(torch.zeros(2, 3), torch.tensor([0, 3]))
    loss.eval()  # testing needs no statistics
    assert loss.get_activation(torch.zeros(2, 3)).shape == (2, 4)


def test_eql_test_time_scores_are_sigmoids_with_zero_background():
    loss = EqualizationLoss(num_classes=3)
    z = torch.randn(4, 3)
    scores = loss.get_activation(z)
    torch.testing.assert_close(scores[:, :3], z.sigmoid())
    assert (scores[:, 3] == 0).all()


def test_eqlv2_equals_mmdet_over_steps():
    ours, ref = EqualizationLossV2(num_classes=C), EQLV2Loss(num_classes=C)
    for step in range(4):
        logits, labels = lvis_batch(step, extra_channels=1)
        a = logits.clone().requires_grad_()
        b = logits.clone().requires_grad_()
        out = ours(a, labels, torch.ones(len(labels)),
                   avg_factor=len(labels))
        exp = ref(b, labels)
        torch.testing.assert_close(out, exp, rtol=1e-5, atol=1e-5)
        out.backward()
        exp.backward()
        torch.testing.assert_close(a.grad, b.grad, rtol=1e-5, atol=1e-6)
        torch.testing.assert_close(ours.pos_grad.float(), ref.pos_grad,
                                   rtol=1e-4, atol=1e-4)
        torch.testing.assert_close(ours.neg_grad.float(), ref.neg_grad,
                                   rtol=1e-4, atol=1e-3)
    torch.testing.assert_close(
        ours.get_activation(logits), ref.get_activation(logits.clone()))


def test_eqlv2_statistics_follow_the_update_step_by_step():
    """Buffers equal a direct loop over RoIs and channels of the paper's
    update: weights from the sums so far, then the step's sums added."""
    num_classes, gamma, mu, alpha = 6, 12.0, 0.8, 4.0
    loss = EqualizationLossV2(num_classes=num_classes)
    pos = [0.0] * num_classes
    neg = [0.0] * num_classes
    for step in range(3):
        logits, labels = lvis_batch(step, 20, num_classes, 1, 0.5)
        weights = []
        for j in range(num_classes):
            if neg[j] > 0:
                q = 1 / (1 + math.exp(-gamma * (pos[j] / neg[j] - mu)))
            else:
                q = 1.0
            weights.append((1 + alpha * (1 - q), q))
        for i, label in enumerate(labels.tolist()):
            for j in range(num_classes):
                p = 1 / (1 + math.exp(-logits[i, j].item()))
                if label == j:
                    pos[j] += (1 - p) * weights[j][0]
                else:
                    neg[j] += p * weights[j][1]
        loss(logits, labels)
        # float32 sums against a float64 loop
        torch.testing.assert_close(loss.pos_grad,
                                   torch.tensor(pos, dtype=torch.float64),
                                   rtol=1e-6, atol=1e-6)
        torch.testing.assert_close(loss.neg_grad,
                                   torch.tensor(neg, dtype=torch.float64),
                                   rtol=1e-6, atol=1e-6)


def test_eqlv2_gradcheck_with_fixed_statistics():
    loss = EqualizationLossV2(num_classes=4)
    loss(*lvis_batch(0, 32, 4, 1))  # non-trivial weights
    loss.eval()  # no update inside gradcheck
    z = torch.randn(6, 5, dtype=torch.float64, requires_grad=True)
    labels = torch.tensor([0, 2, 4, 1, 4, 3])
    assert torch.autograd.gradcheck(lambda x: loss(x, labels).double(),
                                    (z, ))


def test_eqlv2_test_time_scores():
    loss = EqualizationLossV2(num_classes=3)
    z = torch.randn(5, 4)
    scores = loss.get_activation(z)
    p = z.sigmoid()
    torch.testing.assert_close(scores[:, 3], p[:, 3])
    torch.testing.assert_close(scores[:, :3], p[:, :3] * (1 - p[:, 3:]))


@pytest.mark.parametrize('make_loss,extra', [
    (partial(EqualizationLossV2, num_classes=5), 1),
    (lambda: eql_with_tail(5, [3, 4]), 0),
])
@pytest.mark.parametrize('labels', [
    torch.full((16, ), 5),
    torch.zeros((0, ), dtype=torch.long),
])
def test_degenerate_batches_are_finite(make_loss, extra, labels):
    loss = make_loss()
    z = torch.randn(len(labels), 5 + extra, requires_grad=True)
    out = loss(z, labels)
    out.backward()
    assert torch.isfinite(out) and torch.isfinite(z.grad).all()


def test_fp16_logits():
    loss = EqualizationLossV2(num_classes=50)
    logits, labels = lvis_batch(0, 256, 50, 1)
    logits = (logits * 10).half().requires_grad_()
    out = loss(logits, labels)
    out.backward()
    assert torch.isfinite(out) and torch.isfinite(logits.grad).all()


def test_eqlv2_sums_agree_across_ranks_and_equal_one_process(tmp_path):
    batches = [[lvis_batch(10 * s + r, 64, 40, 1) for r in range(2)]
               for s in range(3)]
    make_loss = partial(EqualizationLossV2, num_classes=40)
    ranks = buffers_after_two_ranks(make_loss, batches, tmp_path)
    joint = buffers_after_joint_batches(make_loss, batches)
    for key in ('pos_grad', 'neg_grad'):
        torch.testing.assert_close(ranks[0][key], ranks[1][key], rtol=0,
                                   atol=0)
        # float32 sums per rank vs over the joint batch: rounding only
        torch.testing.assert_close(ranks[0][key], joint[key], rtol=1e-6,
                                   atol=0)


def test_eqlv2_resume_continues_identically():
    a = EqualizationLossV2(num_classes=30)
    for step in range(3):
        a(*lvis_batch(step, 128, 30, 1))
    b = EqualizationLossV2(num_classes=30)
    b.load_state_dict(a.state_dict())
    logits, labels = lvis_batch(9, 128, 30, 1)
    torch.testing.assert_close(a(logits, labels), b(logits, labels))
    torch.testing.assert_close(a.pos_grad, b.pos_grad)


def test_eqlv2_statistics_under_autocast():
    """``--amp`` runs the step under autocast, which casts matrix products
    to half precision: the gradient sums (one is a product) used to fail
    there (index_add_ of a half sum and a float32 source). They now equal
    the float32 step's, and the loss is finite."""
    torch.manual_seed(0)
    logits = torch.randn(32, 6)
    labels = torch.randint(0, 6, (32, ))
    plain, amp = EqualizationLossV2(num_classes=5), \
        EqualizationLossV2(num_classes=5)
    plain(logits, labels)
    with torch.autocast('cpu', dtype=torch.bfloat16):
        loss = amp(logits.clone().requires_grad_(), labels)
    assert torch.isfinite(loss)
    torch.testing.assert_close(amp.pos_grad, plain.pos_grad)
    torch.testing.assert_close(amp.neg_grad, plain.neg_grad)
