import math

import torch
import torch.nn.functional as F

from lt_mm.core import seesaw_logits


def ce(logits, label):
    return -logits[label] + math.log(sum(math.exp(z) for z in logits))


def test_mitigation_by_hand():
    # class 0 is seen 100 times, class 1 10 times, class 2 once
    counts = torch.tensor([100., 10., 1.])
    z = torch.tensor([[1.0, 2.0, 0.5], [1.0, 2.0, 0.5]])
    labels = torch.tensor([0, 2])
    out = seesaw_logits(z, labels, counts, p=0.8, q=0)
    # head sample: the rarer classes' logits shrink by (N_j / N_i)^0.8
    expect_head = [1.0, 2.0 + 0.8 * math.log(0.1), 0.5 + 0.8 * math.log(0.01)]
    # tail sample: every other class is more frequent, M = 1
    expect_tail = [1.0, 2.0, 0.5]
    torch.testing.assert_close(out, torch.tensor([expect_head, expect_tail]))
    loss = F.cross_entropy(out, labels, reduction='none')
    torch.testing.assert_close(
        loss, torch.tensor([ce(expect_head, 0), ce(expect_tail, 2)]))


def test_compensation_by_hand():
    # sigma_j / sigma_0 = e^(z_j - z_0) = e^1, e^2 > 1: log C = 2 * (z_j - z_0)
    z = torch.tensor([[0.0, 1.0, 2.0]])
    out = seesaw_logits(z, torch.tensor([0]), torch.ones(3), p=0, q=2.0)
    torch.testing.assert_close(out, torch.tensor([[0.0, 3.0, 6.0]]))
    # a confident correct prediction is not compensated
    z = torch.tensor([[5.0, 1.0, 2.0]])
    out = seesaw_logits(z, torch.tensor([0]), torch.ones(3), p=0, q=2.0)
    torch.testing.assert_close(out, z)


def test_compensation_eps_bounds_the_true_class_probability():
    # sigma_0 ~ e^-20 is clamped to eps = 0.01
    z = torch.tensor([[-20.0, 0.0]])
    out = seesaw_logits(z, torch.tensor([0]), torch.ones(2), p=0, q=1.0,
                        eps=0.01)
    sigma_1 = torch.softmax(z, 1)[0, 1].item()
    torch.testing.assert_close(out[0, 1], torch.tensor(math.log(sigma_1 /
                                                                0.01)))


def test_gradient_is_softmax_of_adjusted_logits_minus_onehot():
    torch.manual_seed(0)
    z = torch.randn(6, 5, dtype=torch.float64, requires_grad=True)
    labels = torch.tensor([0, 1, 2, 3, 4, 0])
    counts = torch.tensor([50., 20., 5., 2., 1.], dtype=torch.float64)
    out = seesaw_logits(z, labels, counts)
    F.cross_entropy(out, labels, reduction='sum').backward()
    expected = out.detach().softmax(1) - F.one_hot(labels, 5)
    torch.testing.assert_close(z.grad, expected)


def test_gradcheck_mitigation():
    torch.manual_seed(0)
    z = torch.randn(4, 5, dtype=torch.float64, requires_grad=True)
    labels = torch.tensor([0, 2, 4, 1])
    counts = torch.tensor([50., 20., 5., 2., 1.], dtype=torch.float64)
    assert torch.autograd.gradcheck(
        lambda x: F.cross_entropy(
            seesaw_logits(x, labels, counts, q=0), labels), (z, ))


def test_half_precision_logits_computed_in_float32():
    z = (torch.randn(8, 10) * 30).half()
    out = seesaw_logits(z, torch.arange(8), torch.arange(10.) + 1)
    assert out.dtype == torch.float32 and torch.isfinite(out).all()
