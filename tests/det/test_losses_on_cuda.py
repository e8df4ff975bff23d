"""The detection losses on CUDA: the same values, gradients, accumulated
statistics and test-time scores as on the CPU, buffers on the logits'
device, and finite results under fp16 autocast."""
import copy

import numpy as np
import pytest
import torch

from lt_mm.core import ClassStatistics
from lt_mm.core.losses.acsl import acsl_weights
from lt_mm.det import (AdaptiveClassSuppressionLoss, EqualizationLoss,
                       EqualizationLossV2, EquilibriumLoss, GroupSoftmaxLoss,
                       SeesawLoss)
from .loss_helpers import lvis_batch

pytestmark = pytest.mark.skipif(
    not torch.cuda.is_available(), reason='needs CUDA')

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
}


def channels(loss, extra):
    return loss.get_cls_channels(C) - C if extra is None else extra


def total(out):
    return sum(out.values()) if isinstance(out, dict) else out


def run_steps(loss, batches, device):
    """Three training steps; returns each step's loss and logit gradient,
    and the buffers afterwards."""
    loss = loss.to(device).train()
    results = []
    for logits, labels in batches:
        x = logits.detach().to(device).requires_grad_()
        value = total(loss(x, labels.to(device)))
        value.backward()
        results.append((value.detach().cpu(), x.grad.cpu()))
    buffers = {k: v.cpu() for k, v in loss.state_dict().items()}
    return results, buffers


@pytest.mark.parametrize('name', sorted(LOSSES))
def test_cuda_matches_cpu(name):
    factory, extra, bg_fraction = LOSSES[name]
    loss = factory()
    batches = [
        lvis_batch(seed, extra_channels=channels(loss, extra),
                   bg_fraction=bg_fraction) for seed in range(3)
    ]
    cpu_results, cpu_buffers = run_steps(copy.deepcopy(loss), batches, 'cpu')
    cuda_results, cuda_buffers = run_steps(loss, batches, 'cuda')
    for (v_cpu, g_cpu), (v_cuda, g_cuda) in zip(cpu_results, cuda_results):
        torch.testing.assert_close(v_cuda, v_cpu, rtol=1e-4, atol=1e-5)
        torch.testing.assert_close(g_cuda, g_cpu, rtol=1e-4, atol=1e-6)
    assert cuda_buffers.keys() == cpu_buffers.keys()
    for key in cpu_buffers:
        torch.testing.assert_close(
            cuda_buffers[key], cpu_buffers[key], rtol=1e-4, atol=1e-6)
    # the statistics stay on the logits' device
    assert all(b.device.type == 'cuda' for b in loss.buffers())


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
        loss.cuda().get_activation(logits.cuda()).cpu(), expected,
        rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize('name', sorted(LOSSES))
def test_cuda_fp16_autocast_is_finite(name):
    factory, extra, _ = LOSSES[name]
    loss = factory().cuda().train()
    logits, labels = lvis_batch(7, extra_channels=channels(loss, extra))
    x = (logits * 4).cuda().half().requires_grad_()
    with torch.autocast('cuda', dtype=torch.float16):
        value = total(loss(x, labels.cuda()))
    value.backward()
    assert torch.isfinite(value) and torch.isfinite(x.grad).all()


@pytest.mark.parametrize('name', sorted(LOSSES))
def test_cuda_empty_batch(name):
    factory, extra, _ = LOSSES[name]
    loss = factory().cuda().train()
    x = torch.zeros(0, C + channels(loss, extra), device='cuda',
                    requires_grad=True)
    value = total(loss(x, torch.zeros(0, dtype=torch.long, device='cuda')))
    value.backward()
    assert value.item() == 0 and x.grad.shape == x.shape


def test_cuda_acsl_background_draw_counts():
    # drawn on the device without reading the background count on the host
    labels = torch.randint(0, 5, (1000, ), device='cuda')
    labels[torch.randperm(1000, device='cuda')[:800]] = 5
    weights = acsl_weights(
        torch.full((1000, 6), -5.0, device='cuda'), labels,
        torch.tensor([0, 0, 1, 2, 2], device='cuda'))
    background = labels == 5
    assert weights[background, :5].sum(0).tolist() == [8, 8, 80, 800, 800]
    assert (weights[~background, :5].sum(1) == 1).all()
