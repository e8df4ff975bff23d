"""The detection losses on CUDA: the same values, gradients, accumulated
statistics and test-time scores as on the CPU, buffers on the logits'
device, and finite results under fp16 autocast.

Every device below is ``DEVICE``; with ``DEVICE = 'cpu'`` (and the skip
mark dropped) the file runs on a machine without a GPU, each comparison
then CPU against CPU, which checks the tests themselves."""
import copy

import numpy as np
import pytest
import torch

from lt_mm.core import ClassStatistics
from lt_mm.core.losses.acsl import acsl_weights
from lt_mm.core.losses.federated import (present_classes, sampling_keys,
                                         select_federated_classes)
from lt_mm.det import (AdaptiveClassSuppressionLoss, EqualizationLoss,
                       EqualizationLossV2, EqualizedFocalLoss,
                       EquilibriumLoss, FederatedLoss, GroupSoftmaxLoss,
                       NorCalCalibration, SeesawLoss)
from .loss_helpers import lvis_batch

pytestmark = pytest.mark.skipif(
    not torch.cuda.is_available(), reason='needs CUDA')

DEVICE = 'cuda'
C = 1203


def lvis_statistics(c=C):
    image_counts = (1e5 / np.arange(1, c + 1)).astype(np.int64)
    frequency = ['f'] * (c * 405 // 1203) + ['c'] * (c * 461 // 1203)
    return ClassStatistics(image_counts, image_counts * 3, 100000,
                           frequency + ['r'] * (c - len(frequency)))


def with_statistics(loss):
    loss.set_class_statistics(lvis_statistics())
    return loss


class Equilibrium(EquilibriumLoss):
    """EquilibriumLoss with the mean scores LOCERoIHead would bind."""

    def forward(self, cls_score, labels, *args, **kwargs):
        mean_score = torch.linspace(0.9, 0.01, C + 1, device=cls_score.device)
        return super().forward(
            cls_score, labels, *args, mean_score=mean_score, **kwargs)


# name: (factory, extra channels, background fraction). ACSL's background
# RoIs and BAGS's "others" are drawn at random on the logits' device, so
# ACSL gets foreground RoIs only and BAGS keeps every "others" sample.
LOSSES = {
    'SeesawLoss': (lambda: SeesawLoss(num_classes=C), 2, 0.75),
    'EqualizationLoss':
    (lambda: with_statistics(EqualizationLoss(num_classes=C)), 0, 0.75),
    'EqualizationLossV2': (lambda: EqualizationLossV2(num_classes=C), 1, 0.75),
    'AdaptiveClassSuppressionLoss':
    (lambda: with_statistics(AdaptiveClassSuppressionLoss(num_classes=C)), 1,
     0.0),
    'GroupSoftmaxLoss':
    (lambda: with_statistics(GroupSoftmaxLoss(num_classes=C, others_ratio=1e4)),
     None, 0.75),
    'EquilibriumLoss': (lambda: Equilibrium(num_classes=C), 1, 0.75),
    # C + 1 indices: every class is trained, so the random draw of the
    # negatives decides nothing (a draw given the same keys is below)
    'FederatedLoss': (lambda: with_statistics(
        FederatedLoss(num_classes=C, num_sample_cats=C + 1)), None, 0.75),
}


def channels(loss, extra):
    return loss.get_cls_channels(C) - C if extra is None else extra


def total(out):
    return sum(out.values()) if isinstance(out, dict) else out


def to_device(value, device):
    return value.to(device) if isinstance(value, torch.Tensor) else value


def run_steps(loss, batches, device):
    """Training steps, one per ``(logits, labels, *more arguments)`` of
    ``batches``; returns each step's loss and logit gradient, and the
    buffers afterwards."""
    loss = loss.to(device).train()
    results = []
    for logits, *args in batches:
        x = logits.detach().to(device).requires_grad_()
        value = total(loss(x, *(to_device(a, device) for a in args)))
        value.backward()
        results.append((value.detach().cpu(), x.grad.cpu()))
    buffers = {k: v.cpu() for k, v in loss.state_dict().items()}
    return results, buffers


def assert_steps_match(cpu, cuda, buffer_atol=1e-6):
    """The CPU's and the device's values and gradients step by step, and
    their buffers, to 1e-4."""
    (cpu_results, cpu_buffers), (cuda_results, cuda_buffers) = cpu, cuda
    for (v_cpu, g_cpu), (v_cuda, g_cuda) in zip(cpu_results, cuda_results):
        torch.testing.assert_close(v_cuda, v_cpu, rtol=1e-4, atol=1e-5)
        torch.testing.assert_close(g_cuda, g_cpu, rtol=1e-4, atol=1e-6)
    assert cuda_buffers.keys() == cpu_buffers.keys()
    for key in cpu_buffers:
        torch.testing.assert_close(
            cuda_buffers[key], cpu_buffers[key], rtol=1e-4, atol=buffer_atol)


@pytest.mark.parametrize('name', sorted(LOSSES))
def test_cuda_matches_cpu(name):
    factory, extra, bg_fraction = LOSSES[name]
    loss = factory()
    batches = [
        lvis_batch(seed, extra_channels=channels(loss, extra),
                   bg_fraction=bg_fraction) for seed in range(3)
    ]
    cpu = run_steps(copy.deepcopy(loss), batches, 'cpu')
    assert_steps_match(cpu, run_steps(loss, batches, DEVICE))
    # the statistics stay on the logits' device
    assert all(b.device.type == DEVICE for b in loss.buffers())


@pytest.mark.parametrize('name', sorted(LOSSES))
def test_cuda_test_time_scores_match_cpu(name):
    factory, extra, _ = LOSSES[name]
    loss = factory()
    logits, _ = lvis_batch(5, extra_channels=channels(loss, extra))
    get_activation = getattr(loss, 'get_activation', None)
    if get_activation is None:  # mmdet's plain softmax (EquilibriumLoss)
        pytest.skip(f'{name} keeps mmdet\'s softmax scores')
    expected = loss.get_activation(logits)
    torch.testing.assert_close(
        loss.to(DEVICE).get_activation(logits.to(DEVICE)).cpu(), expected,
        rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize('name', sorted(LOSSES))
def test_cuda_fp16_autocast_is_finite(name):
    factory, extra, _ = LOSSES[name]
    loss = factory().to(DEVICE).train()
    logits, labels = lvis_batch(7, extra_channels=channels(loss, extra))
    x = (logits * 4).to(DEVICE).half().requires_grad_()
    with torch.autocast(DEVICE, dtype=torch.float16):
        value = total(loss(x, labels.to(DEVICE)))
    value.backward()
    assert torch.isfinite(value) and torch.isfinite(x.grad).all()


@pytest.mark.parametrize('name', sorted(LOSSES))
def test_cuda_empty_batch(name):
    factory, extra, _ = LOSSES[name]
    loss = factory().to(DEVICE).train()
    x = torch.zeros(0, C + channels(loss, extra), device=DEVICE,
                    requires_grad=True)
    value = total(loss(x, torch.zeros(0, dtype=torch.long, device=DEVICE)))
    value.backward()
    assert value.item() == 0 and x.grad.shape == x.shape


def test_cuda_acsl_background_draw_counts():
    # drawn on the device without reading the background count on the host
    labels = torch.randint(0, 5, (1000, ), device=DEVICE)
    labels[torch.randperm(1000, device=DEVICE)[:800]] = 5
    weights = acsl_weights(
        torch.full((1000, 6), -5.0, device=DEVICE), labels,
        torch.tensor([0, 0, 1, 2, 2], device=DEVICE))
    background = labels == 5
    assert weights[background, :5].sum(0).tolist() == [8, 8, 80, 800, 800]
    assert (weights[~background, :5].sum(1) == 1).all()


def dense_batch(seed, num_anchors=4096, num_pos=80):
    """One FPN level as mmdet's ATSSHead hands it to ``loss_cls``: (N, C)
    logits, long-tailed labels on a few positive anchors and background C
    elsewhere, a tenth of the anchors weighted 0, ``avg_factor`` the
    positives (a float, as the head passes it)."""
    g = torch.Generator().manual_seed(seed)
    logits = torch.randn(num_anchors, C, generator=g) * 2 - 4
    probs = 1.0 / torch.arange(1, C + 1).float()
    labels = torch.full((num_anchors, ), C)
    pos = torch.randperm(num_anchors, generator=g)[:num_pos]
    labels[pos] = torch.multinomial(probs, num_pos, True, generator=g)
    weights = (torch.rand(num_anchors, generator=g) > 0.1).float()
    return logits, labels, weights, float(num_pos)


def test_cuda_efl_matches_cpu_over_three_steps():
    """Values, gradients and the gradient statistics ``pos_grad`` /
    ``neg_grad`` over three steps, the later two with class-dependent
    focusing factors from the earlier steps' statistics (ModelTC/
    United-Perception, up/tasks/det/plugins/efl/models/losses/efl.py
    L75-L80 and L98-L116): after the first step a class seen only as a
    negative has g = 0, gamma_b + s = 2 + 8 = 10, weight 5."""
    loss = EqualizedFocalLoss(num_classes=C)
    batches = [dense_batch(seed) for seed in range(3)]
    cpu = run_steps(copy.deepcopy(loss), batches, 'cpu')
    # the statistics are sums of tiny gradients: relative tolerance only
    assert_steps_match(cpu, run_steps(loss, batches, DEVICE), buffer_atol=0)
    assert loss.pos_grad.device.type == DEVICE
    assert loss.pos_grad.dtype == torch.float64
    gamma, weight = loss.focusing_factors()
    # a positive anchor of weight 0 adds no gradient
    seen = torch.cat([b[1][b[2] > 0] for b in batches])
    never_positive = torch.ones(C, dtype=torch.bool)
    never_positive[seen[seen < C]] = False
    assert (gamma.cpu()[never_positive] == 10).all()
    assert (weight.cpu()[never_positive] == 5).all()
    assert (gamma.cpu()[~never_positive] < 10).all()


def test_cuda_efl_fp16_autocast_is_finite():
    """Two steps under autocast, the second with focusing factors up to 10
    from the first's statistics: finite losses, gradients and
    statistics."""
    loss = EqualizedFocalLoss(num_classes=C).to(DEVICE).train()
    for seed in range(2):
        logits, labels, weights, avg_factor = dense_batch(seed)
        x = (logits * 4).to(DEVICE).half().requires_grad_()
        with torch.autocast(DEVICE, dtype=torch.float16):
            value = loss(x, labels.to(DEVICE), weights.to(DEVICE),
                         avg_factor)
        value.backward()
        assert torch.isfinite(value) and torch.isfinite(x.grad).all()
    assert torch.isfinite(loss.pos_grad).all()
    assert torch.isfinite(loss.neg_grad).all() and (loss.neg_grad > 0).all()


def test_cuda_efl_empty_level():
    loss = EqualizedFocalLoss(num_classes=C).to(DEVICE).train()
    x = torch.zeros(0, C, device=DEVICE, requires_grad=True)
    value = loss(x, torch.zeros(0, dtype=torch.long, device=DEVICE),
                 torch.zeros(0, device=DEVICE), 1.0)
    value.backward()
    assert value.item() == 0 and x.grad.shape == x.shape
    assert loss.pos_grad.abs().sum().item() == 0
    assert loss.neg_grad.abs().sum().item() == 0


class GivenClasses(FederatedLoss):
    """FederatedLoss training a given class set instead of its own draw."""

    def __init__(self, trained, **kwargs):
        super().__init__(**kwargs)
        self.given = trained

    def trained_classes(self, labels):
        return self.given.to(labels.device)


def few_classes_batch(seed):
    """RoIs of fewer than 49 foreground classes, background among them."""
    logits, labels = lvis_batch(seed, extra_channels=0, bg_fraction=0.97)
    present = labels[labels < C].unique()
    assert (labels == C).any() and len(present) < 49
    return logits, labels, present


def test_cuda_federated_draw_given_the_same_keys_matches_cpu():
    """At the authors' 50 indices (xingyizhou/CenterNet2, centernet/
    config.py L53) negatives are drawn. Given the same Exp(1) keys of
    ``torch.multinomial``'s draw (fed_loss.py L24-L29), the device selects
    the CPU's classes: the present ones and negatives up to 50 indices with
    the background's, 49 foreground classes; the loss over that class set
    (custom_fast_rcnn.py L101-L109) has the CPU's values and gradients and
    no gradient outside it."""
    logits, labels, present_fg = few_classes_batch(3)
    weights = torch.as_tensor(lvis_statistics().image_counts).float()**0.5
    keys = sampling_keys(C, torch.device('cpu'),
                         torch.Generator().manual_seed(0))
    selected = {}
    for device in ('cpu', DEVICE):
        present = present_classes(labels.to(device), C)
        selected[device] = select_federated_classes(
            present, weights.to(device), keys.to(device), 50).cpu()
    trained = selected['cpu']
    assert torch.equal(selected[DEVICE], trained)
    assert int(trained.sum()) == 49 and trained[present_fg].all()

    loss = with_statistics(GivenClasses(trained, num_classes=C))
    batches = [(logits, labels)]
    cpu = run_steps(copy.deepcopy(loss), batches, 'cpu')
    on_device = run_steps(loss, batches, DEVICE)
    assert_steps_match(cpu, on_device)
    grad = on_device[0][0][1]
    assert (grad[:, ~trained] == 0).all() and (grad[:, trained] != 0).all()


def test_cuda_federated_draws_on_the_device():
    """The module's own draw (the device's generator, ranked on the device)
    trains the present classes and fills 50 indices with the background's:
    49 foreground classes (CenterNet2 fed_loss.py L18-L29); with C + 1
    indices, as in LOSSES above, every class."""
    _, labels, present_fg = few_classes_batch(4)
    loss = with_statistics(FederatedLoss(num_classes=C)).to(DEVICE)
    trained = loss.trained_classes(labels.to(DEVICE))
    assert trained.device.type == DEVICE
    assert int(trained.sum()) == 49 and trained.cpu()[present_fg].all()
    every = LOSSES['FederatedLoss'][0]().to(DEVICE)
    assert bool(every.trained_classes(labels.to(DEVICE)).all())


NORCAL_WRAPPED = {
    'CrossEntropyLoss': dict(type='CrossEntropyLoss', use_sigmoid=False),
    'SeesawLoss': dict(type='lt_mm.SeesawLoss', num_classes=C),
}


@pytest.mark.parametrize('name', sorted(NORCAL_WRAPPED))
def test_cuda_norcal_scores_match_cpu(name):
    """NorCal's test scores on the device are the CPU's and the authors'
    (tydpan/NorCal, projects/NorCal/norcal/roi_heads.py L102-L107: the
    wrapped model's foreground scores divided by N_j ** gamma, background
    kept, each RoI renormalised), computed here in float64; half logits
    give float32 scores that sum to 1."""
    loss = NorCalCalibration(
        loss=NORCAL_WRAPPED[name], gamma=0.5, num_classes=C)
    loss.set_class_statistics(lvis_statistics())
    logits, _ = lvis_batch(5, extra_channels=loss.get_cls_channels(C) - C)
    model_scores = loss.train().get_activation(logits).double()
    counts = torch.as_tensor(lvis_statistics().image_counts).double()
    hand = model_scores.clone()
    hand[:, :C] /= counts**0.5
    hand /= hand.sum(1, keepdim=True)
    loss.eval()
    torch.testing.assert_close(
        loss.get_activation(logits).double(), hand, rtol=1e-4, atol=1e-6)
    loss.to(DEVICE)
    assert loss.log_weights.device.type == DEVICE
    torch.testing.assert_close(
        loss.get_activation(logits.to(DEVICE)).cpu().double(), hand,
        rtol=1e-4, atol=1e-6)
    half = loss.get_activation(logits.to(DEVICE).half())
    assert half.dtype == torch.float32 and torch.isfinite(half).all()
    torch.testing.assert_close(half.sum(1).cpu(), torch.ones(len(logits)))
