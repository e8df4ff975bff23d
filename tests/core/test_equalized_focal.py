"""The math of Equalized Focal Loss against the authors' formula.

ModelTC/United-Perception (the EOD repository's successor, same history),
up/tasks/det/plugins/efl/models/losses/efl.py: focusing factor
``gamma_b + s (1 - pos_neg)`` (L75-L78), weight ``ff / gamma_b`` (L80),
``-log(p_t) (1 - p_t)^ff wf`` times ``alpha_t`` (L83-L91), ratio
``clamp(pos_grad / (neg_grad + 1e-10), 0, 1)`` (L114) of the absolute
gradients summed at positives and negatives (L105-L107), ``pos_neg``
starting at 1 (L44).
"""
import math

import pytest
import torch

from lt_mm.core.losses.equalized_focal import (efl_focusing_factors,
                                               efl_gradient_sums,
                                               equalized_focal_loss)
from lt_mm.core.losses.focal import (binary_focal_loss,
                                     binary_focal_loss_and_grad)


def sigmoid(z):
    return 1 / (1 + math.exp(-z))


def test_focusing_factors_by_hand():
    """g = [1 / 4, 0, min(1, 3), no statistics] -> gamma = 2 + 8 (1 - g)
    = [8, 10, 2, 2], weights gamma / 2 = [4, 5, 1, 1]."""
    pos = torch.tensor([1.0, 0.0, 3.0, 0.0], dtype=torch.float64)
    neg = torch.tensor([4.0, 5.0, 1.0, 0.0], dtype=torch.float64)
    gamma, weight = efl_focusing_factors(pos, neg, 2.0, 8.0)
    g0 = 1 / (4 + 1e-10)  # the authors' eps
    torch.testing.assert_close(
        gamma, torch.tensor([2 + 8 * (1 - g0), 10, 2, 2],
                            dtype=torch.float64), rtol=0, atol=1e-15)
    torch.testing.assert_close(weight, gamma / 2)
    # s = 4 (the authors' YOLOX configs), gamma_b = 1
    gamma, weight = efl_focusing_factors(pos, neg, 1.0, 4.0)
    torch.testing.assert_close(gamma[1:], torch.tensor(
        [5.0, 1.0, 1.0], dtype=torch.float64))
    with pytest.raises(ValueError, match='gamma_b'):
        efl_focusing_factors(pos, neg, 0.0, 8.0)


def test_zero_statistics_are_the_plain_focal_loss():
    """Before any update the authors' pos_neg is 1 (efl.py L44): gamma_b and
    weight 1 for every class, not the gamma_b + s that 0 / (0 + 1e-10) would
    give."""
    zeros = torch.zeros(5, dtype=torch.float64)
    gamma, weight = efl_focusing_factors(zeros, zeros, 2.0, 8.0)
    assert gamma.tolist() == [2.0] * 5 and weight.tolist() == [1.0] * 5


def test_loss_by_hand():
    z = [[0.5, -1.0, 2.0], [1.0, 0.0, -0.5]]
    labels = torch.tensor([1, 3])  # class 1; background
    gamma = torch.tensor([8.0, 10.0, 2.0])
    weight = gamma / 2
    alpha = 0.25
    expect = []
    for row, label in zip(z, labels.tolist()):
        total = 0.0
        for j, zj in enumerate(row):
            p = sigmoid(zj)
            if j == label:
                total += alpha * weight[j].item() * (1 - p)**gamma[j].item() \
                    * -math.log(p)
            else:
                total += (1 - alpha) * weight[j].item() * \
                    p**gamma[j].item() * -math.log(1 - p)
        expect.append(total)
    loss, _ = equalized_focal_loss(torch.tensor(z), labels, gamma, weight,
                                   alpha)
    torch.testing.assert_close(loss, torch.tensor(expect))
    # alpha None: both labels weigh 1
    loss_none, _ = equalized_focal_loss(torch.tensor(z), labels, gamma,
                                        weight, None)
    assert loss_none[1] == pytest.approx(expect[1] / (1 - alpha), rel=1e-6)


def test_gradcheck_and_returned_gradient():
    g = torch.Generator().manual_seed(0)
    z = torch.randn(7, 4, dtype=torch.float64, generator=g) * 3
    z.requires_grad_()
    labels = torch.tensor([0, 4, 2, 4, 1, 3, 3])
    gamma = torch.tensor([8.0, 10.0, 2.0, 2.5], dtype=torch.float64)
    assert torch.autograd.gradcheck(
        lambda x: equalized_focal_loss(x, labels, gamma, gamma / 2)[0],
        (z, ))
    loss, grad = equalized_focal_loss(z, labels, gamma, gamma / 2)
    autograd, = torch.autograd.grad(loss.sum(), z)
    torch.testing.assert_close(grad, autograd)


def test_binary_focal_loss_and_grad_are_finite_and_exact():
    m = torch.tensor([-200.0, -20.0, -1.0, 0.0, 3.0, 20.0, 200.0],
                     dtype=torch.float64, requires_grad=True)
    gamma = 2.0
    loss, grad = binary_focal_loss_and_grad(m, gamma)
    torch.testing.assert_close(loss, binary_focal_loss(m, gamma))
    autograd, = torch.autograd.grad(binary_focal_loss(m, gamma).sum(), m)
    torch.testing.assert_close(grad, autograd)
    q = sigmoid(3.0)
    assert grad[4].item() == pytest.approx(
        -(1 - q)**2 * ((1 - q) + 2 * q * -math.log(q)))
    loss32, grad32 = binary_focal_loss_and_grad(m.detach().float(), 10.0)
    assert torch.isfinite(loss32).all() and torch.isfinite(grad32).all()


def test_gradient_sums_split_positives_and_negatives():
    grad = torch.tensor([[-1.0, 2.0, 3.0], [4.0, -5.0, 6.0],
                         [7.0, 8.0, 9.0], [1.0, 1.0, float('nan')]])
    labels = torch.tensor([0, 1, 3, 2])  # the third row is background
    scale = torch.tensor([1.0, 0.5, 2.0, 1.0])
    keep = torch.tensor([True, True, True, False])
    pos, neg = efl_gradient_sums(grad, labels, scale, keep)
    assert pos.dtype == torch.float64
    assert pos.tolist() == [1.0, 2.5, 0.0]
    assert neg.tolist() == [2.0 + 14.0, 2.0 + 16.0, 3.0 + 3.0 + 18.0]
