"""LOCE's math: the equilibrium loss, the mean-score update and the
per-class feature memory (lt_mm.core)."""
import math

import pytest
import torch

from lt_mm.core.feature_memory import (ClassFeatureMemory,
                                       inverse_score_probabilities,
                                       jittered_boxes)
from lt_mm.core.losses.equilibrium import (equilibrium_logits,
                                           equilibrium_loss,
                                           mean_score_statistics,
                                           update_mean_score)


def test_equilibrium_loss_by_hand():
    z = torch.tensor([[1.0, 2.0, 0.0], [0.5, -1.0, 3.0]])
    m = torch.tensor([0.5, 0.1, 0.01])
    labels = torch.tensor([1, 0])
    loss = equilibrium_loss(z, labels, m)
    for i, (row, y) in enumerate(zip(z.tolist(), labels.tolist())):
        weighted = [mj * math.exp(zj) for mj, zj in zip(m.tolist(), row)]
        assert loss[i].item() == pytest.approx(
            -math.log(weighted[y] / sum(weighted)), rel=1e-6)
    # the softmax of the shifted logits is m_j e^z_j / sum_k m_k e^z_k
    p = equilibrium_logits(z, m).softmax(-1)
    expected = m * z.exp() / (m * z.exp()).sum(-1, keepdim=True)
    assert torch.allclose(p, expected)


def test_equilibrium_loss_reduces_to_cross_entropy_for_equal_scores():
    z = torch.randn(6, 5, generator=torch.Generator().manual_seed(0))
    labels = torch.tensor([0, 1, 2, 3, 4, 4])
    loss = equilibrium_loss(z, labels, torch.full((5, ), 0.3))
    assert torch.allclose(
        loss, torch.nn.functional.cross_entropy(z, labels, reduction='none'))


def test_equilibrium_loss_gradients():
    g = torch.Generator().manual_seed(1)
    z = torch.randn(4, 6, dtype=torch.float64, generator=g,
                    requires_grad=True)
    m = torch.rand(6, dtype=torch.float64, generator=g) + 0.01
    labels = torch.tensor([0, 5, 2, 2])
    assert torch.autograd.gradcheck(
        lambda t: equilibrium_loss(t, labels, m), (z, ))
    # d loss / d z = p - onehot, p the equilibrium probabilities
    equilibrium_loss(z, labels, m).sum().backward()
    p = (m * z.detach().exp())
    p = p / p.sum(-1, keepdim=True)
    assert torch.allclose(z.grad, p - torch.eye(6, dtype=p.dtype)[labels])


def test_equilibrium_loss_checks_the_mean_scores():
    with pytest.raises(ValueError, match='one entry per logit'):
        equilibrium_loss(torch.zeros(2, 3), torch.tensor([0, 1]),
                         torch.ones(4))


def test_mean_score_statistics_by_hand():
    # GT 0 (class 0): RoIs 0.2, 0.4 -> 0.3; GT 1 (class 0): 0.6;
    # GT 7 (class 2): 0.1; memory group 9 (class 1): 0.5, 0.7 -> 0.6
    probs = torch.tensor([0.2, 0.6, 0.4, 0.1, 0.5, 0.7])
    labels = torch.tensor([0, 0, 0, 2, 1, 1])
    groups = torch.tensor([0, 1, 0, 7, 9, 9])
    sums, counts = mean_score_statistics(probs, labels, groups, 4)
    assert sums.dtype == counts.dtype == torch.float64
    assert torch.allclose(sums, torch.tensor([0.9, 0.6, 0.1, 0.0],
                                             dtype=torch.float64))
    assert counts.tolist() == [2, 1, 1, 0]


def test_mean_score_statistics_empty_and_bad_input():
    sums, counts = mean_score_statistics(torch.zeros(0),
                                         torch.zeros(0, dtype=torch.long),
                                         torch.zeros(0, dtype=torch.long), 3)
    assert sums.tolist() == counts.tolist() == [0, 0, 0]
    with pytest.raises(ValueError, match='one label'):
        mean_score_statistics(torch.tensor([0.1, 0.2]), torch.tensor([0, 1]),
                              torch.tensor([3, 3]), 2)
    with pytest.raises(ValueError, match=r'\[0, 2\)'):
        mean_score_statistics(torch.tensor([0.1]), torch.tensor([2]),
                              torch.tensor([0]), 2)


def test_update_mean_score_by_hand():
    m = torch.tensor([0.01, 0.5, 0.01, 0.01])  # 3 classes + background
    sums = torch.tensor([0.9, 0.0, 0.1], dtype=torch.float64)
    counts = torch.tensor([2.0, 0.0, 1.0], dtype=torch.float64)
    new = update_mean_score(m, sums, counts, momentum=0.9)
    # class 0: n = 2, 0.81 * 0.01 + 0.19 * 0.45; class 2: n = 1
    expected = [0.81 * 0.01 + 0.19 * 0.45, 0.5, 0.9 * 0.01 + 0.1 * 0.1, 0.01]
    assert new.tolist() == pytest.approx(expected, rel=1e-6)
    assert new.dtype == m.dtype and m.tolist()[0] == pytest.approx(0.01)
    with pytest.raises(ValueError, match='momentum'):
        update_mean_score(m, sums, counts, momentum=1.0)


def test_update_mean_score_equals_repeated_single_updates():
    """n entries at once = n single EMA steps towards their mean."""
    m = torch.tensor([0.2, 0.01], dtype=torch.float64)
    stepwise = 0.2
    for _ in range(5):
        stepwise = 0.9 * stepwise + 0.1 * 0.7
    new = update_mean_score(m, torch.tensor([5 * 0.7], dtype=torch.float64),
                            torch.tensor([5.0], dtype=torch.float64))
    assert new[0].item() == pytest.approx(stepwise)


def test_inverse_score_probabilities():
    p = inverse_score_probabilities(torch.tensor([0.5, 0.25, 0.25]), eps=0)
    assert p.tolist() == pytest.approx([0.2, 0.4, 0.4])


def test_memory_is_fifo_per_class():
    memory = ClassFeatureMemory(num_classes=3, queue_size=3)
    assert memory.is_empty() and memory.features.numel() == 0

    def feats(*values):
        return torch.tensor(values, dtype=torch.float32)[:, None, None]

    memory.push(feats(1, 2), torch.tensor([1, 1]),
                torch.tensor([[1.0] * 4, [2.0] * 4]))
    assert memory.features.shape == (3, 3, 1, 1)
    assert memory.lengths.tolist() == [0, 2, 0]
    # 3 and 4 arrive: 4 replaces the oldest (1)
    memory.push(feats(3, 5, 4), torch.tensor([1, 2, 1]),
                torch.tensor([[3.0] * 4, [5.0] * 4, [4.0] * 4]))
    assert memory.features[1, :, 0, 0].tolist() == [4, 2, 3]
    assert memory.targets[1, :, 0].tolist() == [4, 2, 3]
    assert memory.lengths.tolist() == [0, 3, 1]
    assert memory.heads.tolist() == [0, 1, 1]
    # more than Q new samples: the first Q are kept, in order after the head
    memory.push(feats(6, 7, 8, 9), torch.tensor([1, 1, 1, 1]),
                torch.zeros(4, 4))
    assert memory.features[1, :, 0, 0].tolist() == [8, 6, 7]
    assert memory.heads[1].item() == 1
    with pytest.raises(ValueError, match=r'\[0, 3\)'):
        memory.push(feats(1), torch.tensor([3]), torch.zeros(1, 4))
    with pytest.raises(ValueError, match='do not match'):
        memory.push(torch.zeros(1, 2), torch.tensor([0]), torch.zeros(1, 4))


def test_memory_sampling_follows_inverse_mean_scores():
    memory = ClassFeatureMemory(num_classes=4, queue_size=5)
    labels = torch.tensor([0, 1, 1, 2, 3])
    memory.push(labels.float()[:, None], labels, labels.float()[:, None])
    mean_score = torch.tensor([0.5, 0.25, 0.125, 0.125, 0.01])  # + bg
    g = torch.Generator().manual_seed(0)
    feats, drawn, targets = memory.sample(mean_score, num_classes=40000,
                                          num_per_class=1, generator=g)
    freq = torch.bincount(drawn, minlength=4).double() / len(drawn)
    expected = torch.tensor([1.0, 2.0, 4.0, 4.0]) / 11
    assert torch.allclose(freq, expected.double(), atol=0.01)
    # a sample's stored feature and target are its class's
    assert torch.equal(feats[:, 0], drawn.float())
    assert torch.equal(targets[:, 0], drawn.float())


def test_memory_sampling_skips_empty_queues():
    memory = ClassFeatureMemory(num_classes=3, queue_size=4)
    feats, labels, targets = memory.sample(torch.full((4, ), 0.01))
    assert len(feats) == len(labels) == len(targets) == 0  # nothing stored
    memory.push(torch.arange(3.0)[:, None], torch.tensor([2, 2, 2]),
                torch.zeros(3, 4))
    g = torch.Generator().manual_seed(1)
    feats, labels, targets = memory.sample(
        torch.tensor([1e-3, 1e-3, 1.0, 0.01]), num_classes=8,
        num_per_class=4, generator=g)
    # class 2 is drawn rarely; every draw of 0 or 1 yields nothing
    assert len(labels) % 4 == 0 and len(labels) < 32
    assert (labels == 2).all()
    # slots are drawn among the 3 stored features only
    assert set(feats[:, 0].tolist()) <= {0.0, 1.0, 2.0}


def test_memory_state_dict():
    memory = ClassFeatureMemory(num_classes=2, queue_size=2)
    memory.push(torch.ones(1, 3), torch.tensor([1]), torch.ones(1, 4))
    assert memory.state_dict() == {}  # not persistent by default
    saved = ClassFeatureMemory(2, 2, persistent=True)
    saved.push(torch.ones(1, 3), torch.tensor([1]), torch.ones(1, 4))
    restored = ClassFeatureMemory(2, 2, persistent=True)
    restored.load_state_dict(saved.state_dict())
    assert torch.equal(restored.features, saved.features)
    assert restored.lengths.tolist() == [0, 1]


def test_jittered_boxes():
    boxes = torch.tensor([[40.0, 50.0, 70.0, 110.0]])
    jittered = jittered_boxes(boxes, (200, 300),
                              generator=torch.Generator().manual_seed(0))
    assert jittered.shape == (1, 16, 4)
    shift = jittered[0] - boxes
    bound = torch.tensor([30.0, 60.0, 30.0, 60.0]) / 6
    assert (shift.abs() <= bound + 1e-5).all()
    # the 16 boxes move their corners in all 2^4 combinations of directions
    assert len({tuple(s) for s in shift.sign().tolist()}) == 16
    # clipped to the image
    edge = jittered_boxes(torch.tensor([[0.0, 0.0, 30.0, 20.0]]), (20, 30))
    assert edge[..., 0::2].min() >= 0 and edge[..., 0::2].max() <= 29
    assert edge[..., 1::2].max() <= 19
