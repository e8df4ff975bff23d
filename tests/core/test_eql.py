import math

import torch

from lt_mm.core import (class_weighted_bce, eql_bce, eqlv2_gradient_sums,
                        eqlv2_weights)


def sigmoid(x):
    return 1 / (1 + math.exp(-x))


def test_eql_bce_equals_the_weighted_sum_of_the_paper():
    torch.manual_seed(0)
    num_classes = 5
    tail = torch.tensor([False, False, True, True, True])
    z = torch.randn(8, num_classes, dtype=torch.float64) * 4
    labels = torch.tensor([0, 2, 5, 4, 1, 5, 3, 0])  # 5 is background
    targets = torch.eye(num_classes + 1, dtype=z.dtype)[labels, :-1]
    foreground = (labels < num_classes).to(z)[:, None]
    # w_j = 1 - E(r) T(f_j) (1 - y_j)
    w = 1 - foreground * tail.to(z)[None, :] * (1 - targets)
    explicit = (torch.nn.functional.binary_cross_entropy_with_logits(
        z, targets, reduction='none') * w).sum(1)
    torch.testing.assert_close(eql_bce(z, labels, tail), explicit)
    z.requires_grad_()
    assert torch.autograd.gradcheck(
        lambda x: eql_bce(x, labels, tail).sum(), (z, ))


def test_eqlv2_weights_start_at_one():
    pos_w, neg_w = eqlv2_weights(torch.zeros(4), torch.zeros(4))
    torch.testing.assert_close(pos_w, torch.ones(4))
    torch.testing.assert_close(neg_w, torch.ones(4))


def test_eqlv2_one_step_by_hand():
    # C = 2 plus objectness; all logits 0 so every |gradient| is 0.5.
    # RoI 0 is class 0, RoI 1 background (objectness target 1).
    pos, neg = eqlv2_gradient_sums(torch.full((2, 3), 0.5),
                                   torch.tensor([0, 2]),
                                   torch.ones(3), torch.ones(3), torch.ones(2))
    torch.testing.assert_close(pos, torch.tensor([0.5, 0.0, 0.5]))
    torch.testing.assert_close(neg, torch.tensor([0.5, 1.0, 0.5]))
    pos_w, neg_w = eqlv2_weights(pos[:2], neg[:2], gamma=12, mu=0.8,
                                 alpha=4)
    # g = [1.0, 0.0]
    q = [sigmoid(12 * (1.0 - 0.8)), sigmoid(12 * (0.0 - 0.8))]
    torch.testing.assert_close(neg_w, torch.tensor(q))
    torch.testing.assert_close(pos_w, torch.tensor([1 + 4 * (1 - x)
                                                    for x in q]))


def explicit_weighted_bce(z, labels, pos_w, neg_w, row_w):
    targets = torch.eye(z.size(1), dtype=z.dtype)[labels]
    w = (pos_w * targets + neg_w * (1 - targets)) * row_w[:, None]
    return torch.nn.functional.binary_cross_entropy_with_logits(
        z, targets, reduction='none') * w, targets


def test_class_weighted_bce_equals_the_explicit_sum():
    torch.manual_seed(0)
    z = torch.randn(6, 4, dtype=torch.float64) * 5
    labels = torch.tensor([0, 1, 3, 3, 2, 0])
    pos_w = torch.rand(4, dtype=torch.float64) + 1
    neg_w = torch.rand(4, dtype=torch.float64)
    explicit, _ = explicit_weighted_bce(z, labels, pos_w, neg_w,
                                        torch.ones(6, dtype=torch.float64))
    loss, prob = class_weighted_bce(z, labels, pos_w, neg_w)
    torch.testing.assert_close(loss, explicit.sum(1))
    torch.testing.assert_close(prob, torch.sigmoid(z))
    z.requires_grad_()
    assert torch.autograd.gradcheck(
        lambda x: class_weighted_bce(x, labels, pos_w, neg_w)[0], (z, ))
    # the backward scales by the incoming per-row gradient
    row_w = torch.rand(6, dtype=torch.float64)
    assert torch.autograd.gradcheck(
        lambda x: class_weighted_bce(x, labels, pos_w, neg_w)[0] * row_w,
        (z, ))


def test_eqlv2_gradient_sums_are_the_bce_gradients():
    torch.manual_seed(0)
    z = torch.randn(5, 4, requires_grad=True)
    labels = torch.tensor([0, 1, 3, 3, 2])
    pos_w, neg_w, row_w = torch.rand(4) + 1, torch.rand(4), torch.rand(5)
    loss, targets = explicit_weighted_bce(z, labels, pos_w, neg_w, row_w)
    loss.sum().backward()
    pos, neg = eqlv2_gradient_sums(torch.sigmoid(z.detach()), labels, pos_w,
                                   neg_w, row_w)
    torch.testing.assert_close(pos, (z.grad.abs() * targets).sum(0))
    torch.testing.assert_close(neg, (z.grad.abs() * (1 - targets)).sum(0))
