import numpy as np
import pytest
import torch
import torch.nn.functional as F

from lt_mm.core.losses.group_softmax import (group_of_classes,
                                             group_softmax_losses,
                                             group_softmax_probabilities,
                                             others_weights)

GROUP = torch.tensor([0, 0, 1, 1, 1])  # 5 classes in 2 groups


def test_groups_from_instance_counts():
    counts = [0, 1, 9, 10, 99, 100, 999, 1000, 50000]
    assert group_of_classes(counts).tolist() == [0, 0, 0, 1, 1, 2, 2, 3, 3]
    with pytest.raises(ValueError, match='increase'):
        group_of_classes(counts, bins=(100, 10))


def explicit_group_losses(logits, others, labels, group, keep):
    """One softmax per group over [others, its classes], by loops."""
    losses = []
    for g in range(others.size(1)):
        members = (group == g).nonzero()[:, 0].tolist()
        total, count = 0.0, 0
        for i, y in enumerate(labels.tolist()):
            if not keep[i, g]:
                continue
            z = torch.cat([others[i, g:g + 1], logits[i, members]])
            target = members.index(y) + 1 if y in members else 0
            total = total + F.cross_entropy(z[None], torch.tensor([target]))
            count += 1
        losses.append(total / max(count, 1))
    return torch.stack([torch.as_tensor(x, dtype=logits.dtype)
                        for x in losses])


def test_group_losses_equal_the_per_group_softmax():
    torch.manual_seed(0)
    logits = torch.randn(7, 5, dtype=torch.float64) * 3
    others = torch.randn(7, 2, dtype=torch.float64)
    labels = torch.tensor([0, 3, 5, 4, 1, 5, 2])  # 5 is background
    keep = torch.ones(7, 2, dtype=torch.bool)  # ratio 100 keeps all others
    torch.testing.assert_close(
        group_softmax_losses(logits, others, labels, GROUP, 100.0),
        explicit_group_losses(logits, others, labels, GROUP, keep))
    logits.requires_grad_()
    others.requires_grad_()
    assert torch.autograd.gradcheck(
        lambda z, o: group_softmax_losses(z, o, labels, GROUP, 100.0).sum(),
        (logits, others))


def test_others_are_subsampled_to_the_ratio_and_empty_groups_drop_out():
    torch.manual_seed(0)
    in_group = torch.zeros(100, 3, dtype=torch.bool)
    in_group[:2, 0] = True  # 2 positives: 16 of the 98 others kept
    in_group[:20, 1] = True  # 20 positives: all 80 others kept
    weights = others_weights(in_group, others_ratio=8)
    assert weights[:, 0].sum() == 18 and weights[:2, 0].all()
    assert weights[:, 1].sum() == 100
    assert weights[:, 2].sum() == 0  # no positives


def test_group_without_positives_contributes_nothing():
    logits = torch.randn(4, 5, requires_grad=True)
    others = torch.randn(4, 2, requires_grad=True)
    labels = torch.tensor([0, 1, 5, 5])  # only group 0 has positives
    losses = group_softmax_losses(logits, others, labels, GROUP)
    assert losses[1] == 0
    losses.sum().backward()
    assert (logits.grad[:, 2:] == 0).all() and (others.grad[:, 1] == 0).all()


def test_probabilities_are_each_groups_softmax():
    torch.manual_seed(0)
    logits, others = torch.randn(3, 5), torch.randn(3, 2)
    probs = group_softmax_probabilities(logits, others, GROUP)
    first = torch.cat([others[:, :1], logits[:, :2]], 1).softmax(1)
    second = torch.cat([others[:, 1:], logits[:, 2:]], 1).softmax(1)
    torch.testing.assert_close(probs, torch.cat([first[:, 1:],
                                                 second[:, 1:]], 1))
    # extreme logits stay finite (each group has its own max)
    probs = group_softmax_probabilities(logits * 1e4, others * 1e4, GROUP)
    assert torch.isfinite(probs).all()
    np.testing.assert_array_less(probs.sum(1).numpy(), 2 + 1e-6)
