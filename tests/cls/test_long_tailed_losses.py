"""Classification losses: hand-computed cases, gradients, soft targets and
equality with mmpretrain where the methods coincide."""
import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from mmpretrain.models.losses import FocalLoss as MMPretrainFocalLoss
from mmpretrain.models.losses import SeesawLoss as MMPretrainSeesawLoss

from lt_mm.core import ClassStatistics
from lt_mm.core.losses.class_balanced_weights import (
    class_balanced_weights, inverse_frequency_weights)
from lt_mm.core.losses.focal import sigmoid_focal_loss, softmax_focal_loss
from lt_mm.core.losses.label_aware_smoothing import (
    label_aware_smoothing_factors, label_aware_smoothing_loss)
from lt_mm.core.losses.ldam import ldam_loss, ldam_margins
from lt_mm.core.losses.logit_adjustment import adjust_logits, log_class_prior
from lt_mm.core.losses.soft_target import as_soft_target, soft_cross_entropy
from lt_mm.core.losses.softmax_eql import (sample_suppression,
                                           softmax_eql_loss, tail_classes)
from lt_mm.registry import MODELS

COUNTS = [40, 20, 10, 5, 2, 1]


def statistics(counts=COUNTS):
    labels = [[c] for c, n in enumerate(counts) for _ in range(n)]
    return ClassStatistics.from_labels(labels, len(counts))


def build(type_, **kwargs):
    loss = MODELS.build(dict(type='lt_mm.' + type_, **kwargs))
    if hasattr(loss, 'set_class_statistics'):
        loss.set_class_statistics(statistics())
    return loss


# every adapter, deterministic (SEQL with gamma 1 suppresses every tail
# class), with the published defaults otherwise
ADAPTERS = {
    'SoftmaxFocalLoss': dict(),
    'WeightedSoftmaxLoss': dict(num_classes=6),
    'ClassBalancedLoss': dict(num_classes=6),
    'ClassBalancedLoss-sigmoid': dict(num_classes=6, loss_type='sigmoid'),
    'ClassBalancedLoss-focal': dict(num_classes=6, loss_type='focal'),
    'LogitAdjustmentLoss': dict(num_classes=6),
    'BalancedSoftmaxLoss': dict(num_classes=6),
    'LDAMLoss': dict(num_classes=6),
    'LDAMLoss-drw': dict(num_classes=6),
    'ClassBalancedLoss-normalized': dict(num_classes=6,
                                         normalize_by_weights=True),
    'SoftmaxEQLLoss': dict(num_classes=6, gamma=1.0, lambda_=0.1),
    'ClsSeesawLoss': dict(num_classes=6),
    'ClsEquilibriumLoss': dict(num_classes=6),
    'LabelAwareSmoothingLoss': dict(num_classes=6),
}


STATEFUL = ('ClsSeesawLoss', 'ClsEquilibriumLoss')


def adapter(name):
    loss = build(name.split('-')[0], **ADAPTERS[name])
    if name == 'LDAMLoss-drw':  # DRW's phase: class-balanced weights
        loss.set_deferred_reweighting(0.9999)
    return loss


# ---------------------------------------------------------------- core math


def test_class_balanced_weights_by_hand():
    # beta 0.5: (1 - b) / (1 - b^n) = 2/3 for n = 2, 1 for n = 1; sum -> 2
    torch.testing.assert_close(
        class_balanced_weights([2, 1], 0.5),
        torch.tensor([0.8, 1.2], dtype=torch.float64))
    # beta 0: uniform
    torch.testing.assert_close(class_balanced_weights([100, 1], 0.0),
                               torch.ones(2, dtype=torch.float64))
    # beta close to 1 tends to inverse frequency; a class with no sample
    # counts as one
    w = class_balanced_weights([1000, 10, 0], 0.9999)
    assert w.sum().item() == pytest.approx(3)
    assert w[2] == w.max() and torch.isfinite(w).all()
    torch.testing.assert_close(
        inverse_frequency_weights([1, 4]),
        torch.tensor([1.6, 0.4], dtype=torch.float64))
    with pytest.raises(ValueError, match='beta'):
        class_balanced_weights([1, 2], 1.0)


def test_softmax_focal_by_hand():
    # p = [1/4, 3/4]; label 0, gamma 1: (1 - 1/4) * -log(1/4)
    z = torch.tensor([[0.0, math.log(3)]])
    target = as_soft_target(torch.tensor([0]), 2)
    torch.testing.assert_close(
        softmax_focal_loss(z, target, gamma=1.0),
        torch.tensor([0.75 * math.log(4)]))
    # gamma 0 is the cross-entropy
    torch.testing.assert_close(softmax_focal_loss(z, target, gamma=0.0),
                               torch.tensor([math.log(4)]))


def test_sigmoid_focal_by_hand():
    z = torch.tensor([[0.0, math.log(3)]])  # sigma = [1/2, 3/4]
    target = as_soft_target(torch.tensor([0]), 2)
    # channel 0 positive: (1 - 1/2) * -log(1/2); channel 1 negative:
    # (3/4) * -log(1/4)
    expect = 0.5 * math.log(2) + 0.75 * math.log(4)
    torch.testing.assert_close(sigmoid_focal_loss(z, target, gamma=1.0),
                               torch.tensor([expect]))
    torch.testing.assert_close(
        sigmoid_focal_loss(z, target, gamma=0.0),
        F.binary_cross_entropy_with_logits(z, target, reduction='none').sum(
            1))


def test_logit_adjustment_by_hand():
    # pi = [3/4, 1/4]: CE([log 3/4, log 1/4], 1) = log 4 for zero logits
    log_prior = log_class_prior([3, 1])
    z = adjust_logits(torch.zeros(1, 2), log_prior, 1.0)
    loss = soft_cross_entropy(z, as_soft_target(torch.tensor([1]), 2))
    torch.testing.assert_close(loss, torch.tensor([math.log(4)]))
    torch.testing.assert_close(
        log_prior, torch.tensor([math.log(0.75), math.log(0.25)],
                                dtype=torch.float64))


def test_ldam_by_hand():
    # m ~ n^(-1/4): [16, 1] -> [1/2, 1] * max_m / 1
    margins = ldam_margins([16, 1], max_m=0.5)
    torch.testing.assert_close(margins,
                               torch.tensor([0.25, 0.5], dtype=torch.float64))
    # s = 2, label 1: logits [1, 1] -> [1, 1 - 2 * 0.5]
    loss = ldam_loss(torch.ones(1, 2), as_soft_target(torch.tensor([1]), 2),
                     margins, scale=2.0)
    torch.testing.assert_close(loss, torch.tensor([math.log(math.e + 1)]))


def test_softmax_eql_by_hand():
    counts = [99, 1]  # class 1 has frequency 0.01 < 0.05: tail
    tail = tail_classes(counts, 0.05)
    assert tail.tolist() == [False, True]
    z = torch.tensor([[0.0, 2.0], [0.0, 2.0]])
    target = as_soft_target(torch.tensor([0, 1]), 2)
    suppressed = sample_suppression(tail, 2, gamma=1.0)
    loss = softmax_eql_loss(z, target, suppressed)
    # the head sample ignores the tail logit; the tail sample is plain CE
    torch.testing.assert_close(
        loss, torch.tensor([0.0, math.log(1 + math.exp(-2))]))
    # gamma 0 never suppresses
    assert not sample_suppression(tail, 5, gamma=0.0).any()


def test_label_aware_smoothing_by_hand():
    eps = label_aware_smoothing_factors([1, 2, 3], 0.4, 0.1, 'concave')
    torch.testing.assert_close(
        eps,
        torch.tensor([0.1, 0.1 + 0.3 * math.sin(math.pi / 4), 0.4],
                     dtype=torch.float64))
    linear = label_aware_smoothing_factors([1, 2, 3], 0.4, 0.1, 'linear')
    torch.testing.assert_close(
        linear, torch.tensor([0.1, 0.25, 0.4], dtype=torch.float64))
    # p = [1/4, 3/4]; label 0 with eps 0.1: target [0.95, 0.05]
    z = torch.tensor([[0.0, math.log(3)]])
    loss = label_aware_smoothing_loss(z, as_soft_target(torch.tensor([0]),
                                                        2),
                                      torch.tensor([0.1, 0.4]))
    expect = -0.95 * math.log(0.25) - 0.05 * math.log(0.75)
    torch.testing.assert_close(loss, torch.tensor([expect]))
    # equal class sizes: every class is a head class
    assert label_aware_smoothing_factors([5, 5]).tolist() == [0.4, 0.4]


def test_targets_are_checked():
    with pytest.raises(ValueError, match='lie in'):
        as_soft_target(torch.tensor([0, 3]), 3)
    with pytest.raises(ValueError, match='shape'):
        as_soft_target(torch.zeros(2, 4), 3)
    with pytest.raises(ValueError, match='integers'):
        as_soft_target(torch.tensor([0.0, 1.0]), 3)


def _soft_target(n, c, seed):
    g = torch.Generator().manual_seed(seed)
    t = torch.rand(n, c, generator=g, dtype=torch.float64)
    t[t < 0.5] = 0  # sparse, as mixup targets are
    t[torch.arange(n), torch.arange(n) % c] += 0.3
    return t / t.sum(1, keepdim=True)


@pytest.mark.parametrize('name', [
    'softmax_focal', 'sigmoid_focal', 'ldam', 'softmax_eql', 'las',
    'logit_adjustment'
])
def test_core_gradcheck(name):
    counts = torch.tensor(COUNTS, dtype=torch.float64)
    weights = class_balanced_weights(counts, 0.99)
    target = _soft_target(5, 6, seed=1)
    suppressed = sample_suppression(tail_classes(counts, 0.1), 5, 0.5,
                                    torch.Generator().manual_seed(0))
    fns = {
        'softmax_focal': lambda z: softmax_focal_loss(z, target, 1.5,
                                                      weights),
        'sigmoid_focal': lambda z: sigmoid_focal_loss(z, target, 2.0,
                                                      weights),
        'ldam': lambda z: ldam_loss(z, target, ldam_margins(counts), 3.0,
                                    weights),
        'softmax_eql': lambda z: softmax_eql_loss(z, target, suppressed),
        'las': lambda z: label_aware_smoothing_loss(
            z, target, label_aware_smoothing_factors(counts)),
        'logit_adjustment': lambda z: soft_cross_entropy(
            adjust_logits(z, log_class_prior(counts)), target),
    }
    z = torch.randn(5, 6, dtype=torch.float64,
                    generator=torch.Generator().manual_seed(2),
                    requires_grad=True)
    assert torch.autograd.gradcheck(fns[name], (z, ))


# ----------------------------------------------------------------- adapters


@pytest.mark.parametrize('name', sorted(ADAPTERS))
def test_one_hot_target_equals_class_indices(name):
    z = torch.randn(8, 6, generator=torch.Generator().manual_seed(3))
    labels = torch.tensor([0, 1, 2, 3, 4, 5, 0, 1])
    hard = adapter(name)(z, labels, avg_factor=8)
    soft = adapter(name)(z, F.one_hot(labels, 6).float(), avg_factor=8)
    torch.testing.assert_close(hard, soft)


@pytest.mark.parametrize('name', sorted(ADAPTERS))
def test_mixed_target_is_the_mixup_criterion(name):
    # a mixup target lam * y_a + (1 - lam) * y_b gives
    # lam * L(y_a) + (1 - lam) * L(y_b)
    z = torch.randn(8, 6, generator=torch.Generator().manual_seed(4))
    y_a = torch.tensor([0, 1, 2, 3, 4, 5, 0, 1])
    y_b = torch.tensor([5, 5, 0, 0, 1, 2, 3, 1])
    lam = 0.7
    mixed = lam * F.one_hot(y_a, 6).float() + (1 - lam) * F.one_hot(y_b,
                                                                     6)
    loss = adapter(name)
    if name in STATEFUL:  # compared at fixed state: testing does not update
        loss.eval()
    if name == 'ClsSeesawLoss':
        loss.cum_samples.copy_(torch.tensor(COUNTS, dtype=torch.float64))

    def criterion(t):
        return loss(z, t, reduction_override='none')
    torch.testing.assert_close(
        criterion(mixed), lam * criterion(y_a) + (1 - lam) * criterion(y_b))


@pytest.mark.parametrize('name', sorted(ADAPTERS))
def test_adapter_gradcheck(name):
    loss = adapter(name).double()
    if name == 'ClsSeesawLoss':
        # the compensation factor is built from the detached softmax (as
        # the authors do), so only q = 0 makes the loss a function whose
        # numerical gradient autograd must match; fixed counts likewise
        loss.q = 0.0
        loss.cum_samples.copy_(torch.tensor(COUNTS, dtype=torch.float64))
    if name in STATEFUL:  # fixed state: the loss is a function of z alone
        loss.eval()
    target = _soft_target(5, 6, seed=5)
    z = torch.randn(5, 6, dtype=torch.float64,
                    generator=torch.Generator().manual_seed(6),
                    requires_grad=True)
    assert torch.autograd.gradcheck(lambda x: loss(x, target), (z, ))


@pytest.mark.parametrize('name', sorted(ADAPTERS))
def test_weights_reduction_and_empty_batch(name):
    loss = adapter(name).eval()
    z = torch.randn(4, 6, generator=torch.Generator().manual_seed(7))
    labels = torch.tensor([0, 3, 5, 1])
    per_sample = loss(z, labels, reduction_override='none')
    assert per_sample.shape == (4, ) and torch.isfinite(per_sample).all()
    weight = torch.tensor([1.0, 0.0, 2.0, 1.0])
    # the mean over the batch, or the weighted mean of
    # F.cross_entropy(weight=w) for the losses that normalise by the
    # class weights (per_sample carries them)
    class_weights = loss.class_weights() if loss.normalize_by_weights \
        else None
    total = 4 if class_weights is None else (
        weight * class_weights.float()[labels]).sum()
    torch.testing.assert_close(
        loss(z, labels, weight=weight, avg_factor=4),
        (per_sample * weight).sum() / total)
    torch.testing.assert_close(loss(z, labels, reduction_override='sum'),
                               per_sample.sum())
    empty = torch.zeros(0, 6, requires_grad=True)
    out = loss(empty, torch.zeros(0, dtype=torch.long), avg_factor=0)
    out.backward()
    assert out.item() == 0 and empty.grad.shape == (0, 6)


@pytest.mark.parametrize('name', [
    n for n in sorted(ADAPTERS)
    if n.split('-')[0] not in ('SoftmaxFocalLoss', 'ClsSeesawLoss',
                               'ClsEquilibriumLoss')
])
def test_missing_statistics_is_a_clear_error(name):
    loss = MODELS.build(dict(type='lt_mm.' + name.split('-')[0],
                             **ADAPTERS[name]))
    with pytest.raises(RuntimeError, match='ClassStatisticsHook'):
        loss(torch.zeros(2, 6), torch.tensor([0, 1]))
    with pytest.raises(ValueError, match='num_classes=6'):
        loss.set_class_statistics(statistics([3, 2, 1]))


@pytest.mark.parametrize('name', [
    n for n in sorted(ADAPTERS)
    # DRW's switch is no state: DRWHook sets it from the epoch number
    if n.split('-')[0] not in ('SoftmaxFocalLoss', ) and n != 'LDAMLoss-drw'
])
def test_state_is_a_buffer_that_checkpoints_carry(name):
    loss = adapter(name)
    if name in ('ClsSeesawLoss', 'ClsEquilibriumLoss'):
        loss.train()(torch.randn(3, 6), torch.tensor([0, 0, 4]))
    state = loss.state_dict()
    key = {'ClsSeesawLoss': 'cum_samples',
           'ClsEquilibriumLoss': 'mean_score'}.get(name, 'class_counts')
    assert state[key].dtype == torch.float64
    fresh = MODELS.build(dict(type='lt_mm.' + name.split('-')[0],
                              **ADAPTERS[name]))
    fresh.load_state_dict(state)
    z = torch.randn(4, 6, generator=torch.Generator().manual_seed(8))
    labels = torch.tensor([0, 3, 5, 1])
    torch.testing.assert_close(
        fresh.eval()(z, labels), loss.eval()(z, labels))
    # the state follows the module to another device or dtype, and the
    # loss is computed where the logits are
    assert {b.device for b in loss.to('cpu').buffers()} == {z.device}


@pytest.mark.skipif(not torch.cuda.is_available(), reason='needs CUDA')
@pytest.mark.parametrize('name', sorted(ADAPTERS))
def test_state_on_the_logits_device(name):
    loss = adapter(name).cuda().train()
    z = torch.randn(4, 6, device='cuda', requires_grad=True)
    out = loss(z, torch.tensor([0, 3, 5, 1], device='cuda'))
    out.backward()
    assert out.device.type == 'cuda' and torch.isfinite(z.grad).all()
    mixed = F.one_hot(torch.tensor([0, 3, 5, 1]), 6).float().cuda() * 0.5
    mixed[:, 2] += 0.5
    assert loss(z, mixed).device.type == 'cuda'


def test_balanced_softmax_is_logit_adjustment_with_tau_one():
    z = torch.randn(8, 6, generator=torch.Generator().manual_seed(9))
    labels = torch.randint(0, 6, (8, ), generator=torch.Generator())
    # CE(z + log n) by hand
    expect = F.cross_entropy(
        z + torch.tensor(COUNTS, dtype=torch.float).log(), labels)
    torch.testing.assert_close(build('BalancedSoftmaxLoss', num_classes=6)(
        z, labels), expect)
    torch.testing.assert_close(
        build('LogitAdjustmentLoss', num_classes=6, tau=1.0)(z, labels),
        expect)


def test_weighted_and_class_balanced_softmax_weight_the_label():
    z = torch.randn(8, 6, generator=torch.Generator().manual_seed(10))
    labels = torch.tensor([0, 1, 2, 3, 4, 5, 5, 0])
    w = 1 / torch.tensor(COUNTS, dtype=torch.float)
    w = w * 6 / w.sum()
    torch.testing.assert_close(
        build('WeightedSoftmaxLoss', num_classes=6)(z, labels),
        F.cross_entropy(z, labels, weight=w))
    cb = class_balanced_weights(COUNTS, 0.9).float()
    expect = (F.cross_entropy(z, labels, reduction='none') *
              cb[labels]).mean()
    torch.testing.assert_close(
        build('ClassBalancedLoss', num_classes=6, beta=0.9)(z, labels),
        expect)


def test_ldam_matches_the_reference_formula_and_drw():
    # the authors' form: CE(s * (cos - m_y e_y)) on cosines
    cos = torch.rand(8, 6, generator=torch.Generator().manual_seed(11)) * 2 - 1
    labels = torch.tensor([0, 1, 2, 3, 4, 5, 5, 0])
    m = torch.tensor(COUNTS, dtype=torch.float).pow(-0.25)
    m = m * 0.5 / m.max()
    shifted = cos - F.one_hot(labels, 6) * m[None, :]
    loss = build('LDAMLoss', num_classes=6, max_m=0.5, scale=30.0)
    torch.testing.assert_close(loss(30 * cos, labels),
                               F.cross_entropy(30 * shifted, labels))
    loss.set_deferred_reweighting(0.9999)
    cb = class_balanced_weights(COUNTS, 0.9999).float()
    # kaidic/LDAM-DRW losses.py L45: F.cross_entropy(s * output, target,
    # weight=per_cls_weights), the mean weighted by the batch's weights
    torch.testing.assert_close(
        loss(30 * cos, labels),
        F.cross_entropy(30 * shifted, labels, weight=cb))


def test_softmax_eql_is_cross_entropy_outside_training_and_random_inside():
    loss = build('SoftmaxEQLLoss', num_classes=6, gamma=0.5, lambda_=0.1)
    z = torch.randn(64, 6, generator=torch.Generator().manual_seed(12))
    labels = torch.zeros(64, dtype=torch.long)  # head samples
    torch.testing.assert_close(loss.eval()(z, labels),
                               F.cross_entropy(z, labels))
    torch.manual_seed(0)
    per_sample = loss.train()(z, labels, reduction_override='none')
    ce = F.cross_entropy(z, labels, reduction='none')
    # some samples lose a tail logit (lower loss), some keep all
    assert (per_sample < ce - 1e-6).any() and (per_sample - ce).abs().min(
    ) < 1e-6
    assert (per_sample <= ce + 1e-6).all()


def test_seesaw_equals_mmpretrain_values_and_gradients():
    ours = build('ClsSeesawLoss', num_classes=6).train()
    theirs = MMPretrainSeesawLoss(num_classes=6).train()
    gen = torch.Generator().manual_seed(13)
    for step in range(4):
        z = torch.randn(16, 6, generator=gen) * 3
        labels = torch.multinomial(
            torch.tensor(COUNTS, dtype=torch.float), 16, True,
            generator=gen)
        z1 = z.clone().requires_grad_()
        z2 = z.clone().requires_grad_()
        a = ours(z1, labels, avg_factor=16)
        b = theirs(z2, labels, avg_factor=16)
        a.backward()
        b.backward()
        torch.testing.assert_close(a, b)
        torch.testing.assert_close(z1.grad, z2.grad)
        torch.testing.assert_close(ours.cum_samples.float(),
                                   theirs.cum_samples)


def test_seesaw_counts_soft_targets_by_their_mass():
    loss = build('ClsSeesawLoss', num_classes=3).train()
    target = torch.tensor([[0.25, 0.75, 0.0], [0.0, 0.5, 0.5]])
    loss(torch.zeros(2, 3), target)
    assert loss.cum_samples.tolist() == [0.25, 1.25, 0.5]
    loss.eval()(torch.zeros(2, 3), target)  # testing does not count
    assert loss.cum_samples.tolist() == [0.25, 1.25, 0.5]


def test_class_balanced_focal_with_uniform_weights_is_mmpretrain_focal():
    # beta 0 gives uniform weights; mmpretrain's FocalLoss weighs positives
    # by alpha and negatives by 1 - alpha, so alpha = 0.5 halves ours
    z = torch.randn(8, 6, generator=torch.Generator().manual_seed(14)) * 2
    labels = torch.tensor([0, 1, 2, 3, 4, 5, 5, 0])
    ours = build('ClassBalancedLoss', num_classes=6, beta=0.0,
                 loss_type='focal', gamma=2.0)
    theirs = MMPretrainFocalLoss(gamma=2.0, alpha=0.5)
    z1, z2 = z.clone().requires_grad_(), z.clone().requires_grad_()
    a, b = ours(z1, labels, avg_factor=8), 2 * theirs(z2, labels,
                                                       avg_factor=8)
    a.backward()
    b.backward()
    torch.testing.assert_close(a, b)
    torch.testing.assert_close(z1.grad, z2.grad)
    # the class-balanced weights multiply each sample's loss
    cb = build('ClassBalancedLoss', num_classes=6, beta=0.99,
               loss_type='focal', gamma=2.0)
    w = class_balanced_weights(COUNTS, 0.99).float()
    per_sample = theirs(z, labels, reduction_override='none').sum(1) * 2
    torch.testing.assert_close(cb(z, labels),
                               (per_sample * w[labels]).mean())


def test_label_aware_smoothing_matches_the_authors_form():
    """dvlab-research/MiSLAS, methods.py L55-L64: (1 - eps_y) * NLL +
    eps_y * mean_j(-log p_j), averaged over the batch (no class weights)."""
    z = torch.randn(8, 6, generator=torch.Generator().manual_seed(15))
    labels = torch.tensor([0, 1, 2, 3, 4, 5, 5, 0])
    counts = np.array(COUNTS, dtype=float)
    eps = 0.1 + 0.3 * np.sin((counts - counts.min()) * np.pi /
                             (2 * (counts.max() - counts.min())))
    eps = torch.tensor(eps, dtype=torch.float)[labels]
    logp = F.log_softmax(z, 1)
    expect = ((1 - eps) * -logp.gather(1, labels[:, None])[:, 0] +
              eps * -logp.mean(1)).mean()
    torch.testing.assert_close(
        build('LabelAwareSmoothingLoss', num_classes=6)(z, labels), expect)


def test_equilibrium_loss_by_hand_and_its_running_mean_score():
    loss = build('ClsEquilibriumLoss', num_classes=3, momentum=0.9,
                 init_score=0.01)
    z = torch.tensor([[0.0, math.log(3), 0.0], [0.0, 0.0, 0.0]])
    labels = torch.tensor([0, 0])
    # m = 0.01 everywhere: the shift cancels, plain cross-entropy
    expect = F.cross_entropy(z, labels)
    torch.testing.assert_close(loss.train()(z, labels), expect)
    # class 0 had two entries, p = 1/5 and 1/3: m_0 = 0.81 m + 0.19 mean
    m0 = 0.81 * 0.01 + 0.19 * (0.2 + 1 / 3) / 2
    torch.testing.assert_close(
        loss.mean_score,
        torch.tensor([m0, 0.01, 0.01], dtype=torch.float64))
    # the next step uses log m: CE(z + log m)
    shifted = z + loss.mean_score.float().log()
    torch.testing.assert_close(loss.eval()(z, labels),
                               F.cross_entropy(shifted, labels))


# ------------------------------------------- reduction of the weighted losses
# Three samples, two classes: z = [0, log 3] (p = [1/4, 3/4]) with labels 0
# and 1, then z = [0, 0] with label 1.
Z3 = torch.tensor([[0.0, math.log(3)], [0.0, math.log(3)], [0.0, 0.0]])
Y3 = torch.tensor([0, 1, 1])


def _two_class(type_, counts, **kwargs):
    loss = MODELS.build(dict(type='lt_mm.' + type_, num_classes=2, **kwargs))
    loss.set_class_statistics(statistics(counts))
    return loss


def test_ldam_drw_divides_by_the_batch_weight_by_hand():
    """kaidic/LDAM-DRW, losses.py L45 (F.cross_entropy(s * output, target,
    weight=per_cls_weights)) and cifar_train.py L201-L206 (DRW weights):
    sum_i w_{y_i} l_i / sum_i w_{y_i}. Before the fix lt_mm divided by N."""
    loss = _two_class('LDAMLoss', [16, 1], max_m=0.5, scale=2.0)
    loss.set_deferred_reweighting(0.5)
    # margins [0.25, 0.5]; CB weights (1 - b) / (1 - b^n), b = 1/2:
    # [1/2 / (1 - 2^-16), 1], normalised to sum 2
    a = 0.5 / (1 - 0.5**16)
    w0, w1 = 2 * a / (a + 1), 2 / (a + 1)
    z = torch.tensor([[1.0, 1.0], [1.0, 1.0], [0.0, 0.0]])
    labels = torch.tensor([1, 0, 1])
    # label 1: [1, 1 - 2 * 0.5] -> log(1 + e); label 0: [1 - 2 * 0.25, 1]
    # -> log(1 + e^0.5); [0, 0] with label 1: [0, -1] -> log(1 + e)
    l_a, l_b = math.log(1 + math.e), math.log(1 + math.exp(0.5))
    expect = (w1 * l_a + w0 * l_b + w1 * l_a) / (w1 + w0 + w1)
    assert loss(z, labels, avg_factor=3).item() == pytest.approx(expect)
    assert loss(z, labels).item() != pytest.approx(
        (w1 * l_a + w0 * l_b + w1 * l_a) / 3)
    shifted = z - 2 * torch.tensor([[0.0, 0.5], [0.25, 0.0], [0.0, 0.5]])
    torch.testing.assert_close(
        loss(z, labels),
        F.cross_entropy(shifted, labels,
                        weight=torch.tensor([w0, w1])))
    # without DRW the weights are 1: the plain mean
    loss.set_deferred_reweighting(None)
    assert loss(z, labels).item() == pytest.approx((2 * l_a + l_b) / 3)


def test_weighted_softmax_divides_by_the_batch_weight_by_hand():
    """Counts [3, 1]: w ~ 1 / n = [1/2, 3/2]; the re-weighted cross-entropy
    of the long-tailed codes, F.cross_entropy(weight=w) (kaidic/LDAM-DRW
    cifar_train.py L211; Vanint/SADE-AgnosticLT model/loss.py L47-L48)."""
    loss = _two_class('WeightedSoftmaxLoss', [3, 1])
    expect = (0.5 * math.log(4) + 1.5 * math.log(4 / 3) +
              1.5 * math.log(2)) / (0.5 + 1.5 + 1.5)
    assert loss(Z3, Y3, avg_factor=3).item() == pytest.approx(expect)
    torch.testing.assert_close(
        loss(Z3, Y3), F.cross_entropy(Z3, Y3, weight=torch.tensor([0.5,
                                                                    1.5])))


def test_class_balanced_losses_divide_by_the_batch_size_by_hand():
    """richardaecn/class-balanced-loss, src/cifar_main.py: softmax L332-L335
    (tf.losses.softmax_cross_entropy with per-sample weights: its default
    SUM_BY_NONZERO_WEIGHTS divides by N), sigmoid L336-L340 and focal
    L262-L265 (divide by the number of positive labels, N); the weights
    L425-L430. Counts [3, 1], beta 1/2: (1 - b) / (1 - b^n) = [4/7, 1],
    normalised to sum 2: [8/11, 14/11]."""
    w0, w1 = 8 / 11, 14 / 11
    log2, log3, log4 = math.log(2), math.log(3), math.log(4)
    softmax = (w0 * log4 + w1 * (log4 - log3) + w1 * log2) / 3
    # sum over channels of BCE: sigma = [1/2, 3/4] and [1/2, 1/2]
    sigmoid = (w0 * (log2 + log4) + w1 * (log2 + log4 - log3) +
               w1 * 2 * log2) / 3
    # gamma 1: positives times 1 - sigma, negatives times sigma
    focal = (w0 * (0.5 * log2 + 0.75 * log4) + w1 *
             (0.5 * log2 + 0.25 * (log4 - log3)) + w1 * log2) / 3
    for loss_type, expect in (('softmax', softmax), ('sigmoid', sigmoid),
                              ('focal', focal)):
        loss = _two_class('ClassBalancedLoss', [3, 1], beta=0.5,
                          loss_type=loss_type, gamma=1.0)
        assert loss(Z3, Y3, avg_factor=3).item() == pytest.approx(expect)
    # LDAM-DRW's "Reweight" rule (cifar_train.py L192-L198, L211): the same
    # weights through F.cross_entropy(weight=w)
    loss = _two_class('ClassBalancedLoss', [3, 1], beta=0.5,
                      normalize_by_weights=True)
    torch.testing.assert_close(
        loss(Z3, Y3), F.cross_entropy(Z3, Y3, weight=torch.tensor([w0, w1])))
    assert loss(Z3, Y3).item() == pytest.approx(softmax * 3 /
                                                (w0 + 2 * w1))


@pytest.mark.parametrize('name', ['LDAMLoss-drw', 'WeightedSoftmaxLoss',
                                  'ClassBalancedLoss-normalized'])
def test_weighted_mean_of_soft_targets(name):
    """A mixup target weighs lam w_a + (1 - lam) w_b: the batch loss is the
    weighted mean over the rows (sample, label) of weight t_ij."""
    loss = adapter(name).eval()
    z = torch.randn(6, 6, generator=torch.Generator().manual_seed(16))
    y_a = torch.tensor([0, 1, 2, 3, 4, 5])
    y_b = torch.tensor([5, 5, 0, 0, 1, 2])
    lam = 0.6
    mixed = lam * F.one_hot(y_a, 6).float() + (1 - lam) * F.one_hot(y_b, 6)
    w = loss.class_weights().float()
    # per-row weighted losses of the expanded batch (they carry w)
    rows_a = loss(z, y_a, reduction_override='none')
    rows_b = loss(z, y_b, reduction_override='none')
    expect = (lam * rows_a + (1 - lam) * rows_b).sum() / (
        lam * w[y_a] + (1 - lam) * w[y_b]).sum()
    torch.testing.assert_close(loss(z, mixed), expect)
