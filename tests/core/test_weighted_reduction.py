"""The weighted-mean reduction of class-weighted classification losses,
``sum_i w_{y_i} l_i / sum_i w_{y_i}``: by hand, against
``F.cross_entropy(weight=w)`` (the call of kaidic/LDAM-DRW, losses.py L45 and
cifar_train.py L211), with soft targets, gradients and two ranks."""
import math
import os
import socket

import pytest
import torch
import torch.distributed as dist
import torch.multiprocessing as mp
import torch.nn.functional as F

from lt_mm.core.losses.soft_target import as_soft_target, soft_cross_entropy
from lt_mm.core.losses.weighted_reduction import (class_weighted_mean,
                                                  label_weights,
                                                  reduce_class_weighted)

# p = softmax([0, log 3]) = [1/4, 3/4]
Z = torch.tensor([[0.0, math.log(3)], [0.0, math.log(3)], [0.0, 0.0]])
LABELS = torch.tensor([0, 1, 1])
W = torch.tensor([3.0, 1.0])


def test_three_samples_by_hand():
    """Three samples: losses log 4, log 4/3, log 2 with weights 3, 1, 1:
    (3 log 4 + log 4/3 + log 2) / 5, not the same sum over N = 3."""
    target = as_soft_target(LABELS, 2)
    losses = soft_cross_entropy(Z, target, W)
    torch.testing.assert_close(
        losses, torch.tensor([3 * math.log(4), math.log(4 / 3),
                              math.log(2)]))
    expect = (3 * math.log(4) + math.log(4 / 3) + math.log(2)) / 5
    loss = reduce_class_weighted(losses, target, W)
    assert loss.item() == pytest.approx(expect)
    assert loss.item() != pytest.approx(losses.sum().item() / 3)
    torch.testing.assert_close(loss, F.cross_entropy(Z, LABELS, weight=W))


def test_equals_torch_cross_entropy_with_weight():
    g = torch.Generator().manual_seed(0)
    z = torch.randn(16, 6, generator=g)
    labels = torch.randint(0, 6, (16, ), generator=g)
    w = torch.rand(6, generator=g) * 3
    target = as_soft_target(labels, 6)
    torch.testing.assert_close(
        reduce_class_weighted(soft_cross_entropy(z, target, w), target, w),
        F.cross_entropy(z, labels, weight=w))


def test_soft_target_weighs_its_label_mixture():
    """A mixup target lam e_a + (1 - lam) e_b weighs lam w_a + (1 - lam) w_b:
    the weighted mean of the batch expanded to one row per (sample, label)
    with row weight t_ij."""
    lam = 0.7
    y_a, y_b = torch.tensor([0, 1, 1]), torch.tensor([1, 0, 1])
    target = lam * as_soft_target(y_a, 2) + (1 - lam) * as_soft_target(
        y_b, 2)
    torch.testing.assert_close(
        label_weights(target, W),
        torch.tensor([lam * 3 + 0.3, 0.7 + 0.3 * 3, 1.0]))
    # expanded batch: rows (i, a_i) of weight lam, (i, b_i) of 1 - lam
    z2 = torch.cat([Z, Z])
    y2 = torch.cat([y_a, y_b])
    row = torch.cat([torch.full((3, ), lam), torch.full((3, ), 1 - lam)])
    per_row = F.cross_entropy(z2, y2, reduction='none')
    expect = (row * W[y2] * per_row).sum() / (row * W[y2]).sum()
    loss = reduce_class_weighted(soft_cross_entropy(Z, target, W), target, W)
    torch.testing.assert_close(loss, expect)


def test_sample_weights_and_zero_weights():
    target = as_soft_target(LABELS, 2)
    losses = soft_cross_entropy(Z, target, W)
    s = torch.tensor([1.0, 0.0, 2.0])
    expect = (3 * math.log(4) + 2 * math.log(2)) / (3 + 2)
    assert reduce_class_weighted(losses, target, W, s).item() == \
        pytest.approx(expect)
    z = Z.clone().requires_grad_()
    out = reduce_class_weighted(soft_cross_entropy(z, target, W), target, W,
                                torch.zeros(3))
    out.backward()
    assert out.item() == 0 and torch.equal(z.grad, torch.zeros_like(z))
    with pytest.raises(ValueError, match='per-sample'):
        reduce_class_weighted(losses, target, W, torch.ones(2))
    with pytest.raises(ValueError, match='class weights'):
        label_weights(target, torch.ones(3))
    with pytest.raises(ValueError, match=r'\(N, \)'):
        class_weighted_mean(losses, torch.ones(2))


def test_gradcheck():
    g = torch.Generator().manual_seed(1)
    t = torch.rand(5, 4, generator=g, dtype=torch.float64)
    t[t < 0.4] = 0
    t[:, 0] += 0.2
    t = t / t.sum(1, keepdim=True)
    w = torch.rand(4, generator=g, dtype=torch.float64) + 0.1
    z = torch.randn(5, 4, generator=g, dtype=torch.float64,
                    requires_grad=True)
    assert torch.autograd.gradcheck(
        lambda x: reduce_class_weighted(soft_cross_entropy(x, t, w), t, w),
        (z, ))


def _free_port():
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def _rank_gradient(rank, port, z, labels, w, out):
    os.environ.update(MASTER_ADDR='127.0.0.1', MASTER_PORT=str(port))
    dist.init_process_group('gloo', rank=rank, world_size=2)
    part = slice(0, 3) if rank == 0 else slice(3, 8)  # unequal halves
    x = z[part].clone().requires_grad_()
    target = as_soft_target(labels[part], z.shape[1])
    loss = reduce_class_weighted(soft_cross_entropy(x, target, w), target,
                                 w, sync=True)
    loss.backward()
    grad = torch.zeros_like(z)
    grad[part] = x.grad / 2  # DDP averages the ranks' gradients
    dist.all_reduce(grad)
    torch.save(grad, f'{out}.{rank}')
    dist.destroy_process_group()


def test_two_ranks_take_the_step_of_one_process(tmp_path):
    """Each rank divides by the mean of the ranks' weight sums, so the
    DDP-averaged gradient equals that of F.cross_entropy(weight=w) over the
    joint batch (the authors' one nn.DataParallel loss)."""
    g = torch.Generator().manual_seed(2)
    z = torch.randn(8, 5, generator=g)
    labels = torch.tensor([0, 0, 0, 1, 2, 3, 4, 4])
    w = torch.tensor([0.2, 0.5, 1.0, 1.3, 2.0])
    out = str(tmp_path / 'grad')
    mp.spawn(_rank_gradient, args=(_free_port(), z, labels, w, out),
             nprocs=2)
    joint = z.clone().requires_grad_()
    F.cross_entropy(joint, labels, weight=w).backward()
    for rank in range(2):
        torch.testing.assert_close(torch.load(f'{out}.{rank}'), joint.grad)
