"""The Federated Loss math (lt_mm.core.losses.federated) against the
authors' code, xingyizhou/CenterNet2 at bfc8b72:

- centernet/modeling/roi_heads/fed_loss.py L15-L31 (``get_fed_loss_inds``):
  the present labels, background index C included (L18), fill up to
  ``num_sample_cats`` (L21, L28) with ``torch.multinomial(prob,
  replacement=False)`` over C + 1 indices where background and the present
  classes have probability 0 (L19-L20, L24, L27-L29);
  L6-L13: prob = image_count ** 0.5.
- centernet/modeling/roi_heads/custom_fast_rcnn.py L101-L109: BCE over the
  C class logits times the 0/1 class mask, ``sum / B``.
(Detic: detic/modeling/utils.py L16-L28 and
detic/modeling/roi_heads/detic_fast_rcnn.py L197-L229, the same.)
"""
import math

import pytest
import torch
import torch.nn.functional as F

from lt_mm.core.losses import (federated_bce, federated_classes,
                               present_classes, sampling_keys,
                               select_federated_classes)

C = 1203


def bce(z, y):
    p = 1 / (1 + math.exp(-z))
    return -math.log(p) if y else -math.log(1 - p)


def lvis_weights():
    """image_count ** 0.5 with LVIS-like counts (100k / rank)."""
    return (1e5 / torch.arange(1, C + 1)).floor().pow(0.5)


def authors_draw(labels, weights, num_sample_cats, generator):
    """The authors' selection (fed_loss.py L15-L31) with torch.multinomial,
    as a (C, ) mask."""
    num_classes = len(weights)
    present = torch.unique(labels)
    chosen = torch.zeros(num_classes + 1, dtype=torch.bool)
    chosen[present] = True
    if len(present) < num_sample_cats:
        prob = torch.cat([weights.float(), torch.zeros(1)])
        prob[present] = 0
        more = torch.multinomial(prob, num_sample_cats - len(present),
                                 replacement=False, generator=generator)
        chosen[more] = True
    return chosen[:num_classes]


def test_loss_by_hand_with_fixed_classes():
    """C = 3, classes 0 and 1 trained, class 2 not: each RoI sums the BCE of
    classes 0 and 1 (background RoI: targets 0)."""
    z = torch.tensor([[0.5, -1.0, 2.0], [1.0, 0.0, -0.5], [-2.0, 0.3, 0.7]],
                     dtype=torch.float64)
    labels = torch.tensor([0, 3, 1])
    trained = torch.tensor([True, True, False])
    expected = torch.tensor([
        bce(0.5, 1) + bce(-1.0, 0),
        bce(1.0, 0) + bce(0.0, 0),
        bce(-2.0, 0) + bce(0.3, 1),
    ], dtype=torch.float64)
    torch.testing.assert_close(federated_bce(z, labels, trained), expected)


def test_loss_equals_the_authors_masked_bce_sum():
    torch.manual_seed(0)
    z = torch.randn(16, 7, dtype=torch.float64) * 3
    labels = torch.tensor([0, 7, 3, 7, 6, 1, 7, 7, 2, 0, 7, 5, 7, 4, 7, 7])
    trained = torch.tensor([True, False, True, True, False, False, True])
    target = torch.eye(8, dtype=z.dtype)[labels, :7]
    theirs = (F.binary_cross_entropy_with_logits(z, target, reduction='none')
              * trained.to(z)).sum() / len(z)
    torch.testing.assert_close(
        federated_bce(z, labels, trained).mean(), theirs)


def test_gradcheck():
    torch.manual_seed(0)
    z = torch.randn(6, 5, dtype=torch.float64, requires_grad=True)
    labels = torch.tensor([0, 5, 2, 4, 5, 1])
    trained = torch.tensor([True, False, True, False, True])
    assert torch.autograd.gradcheck(
        lambda x: federated_bce(x, labels, trained), (z, ))


def test_untrained_classes_get_exactly_zero_gradient():
    torch.manual_seed(0)
    z = (torch.randn(8, 6) * 4).requires_grad_()
    labels = torch.tensor([0, 6, 2, 6, 6, 3, 0, 6])
    trained = torch.tensor([True, False, True, True, False, False])
    federated_bce(z, labels, trained).mean().backward()
    assert (z.grad[:, ~trained] == 0).all()
    # trained: (sigmoid(z) - t) / N
    target = torch.eye(7)[labels, :6]
    torch.testing.assert_close(
        z.grad[:, trained], ((z.detach().sigmoid() - target) / 8)[:, trained])


def test_background_index_counts_toward_num_sample_cats():
    """fed_loss.py L18, L21, L28: 5 classes + background present -> 44
    drawn, 49 foreground classes trained; without background RoIs 50."""
    weights = lvis_weights()
    fg = torch.tensor([3, 3, 17, 400, 1000, 17])
    with_bg = torch.cat([fg, torch.full((10, ), C)])
    g = torch.Generator().manual_seed(0)
    trained = federated_classes(with_bg, weights, 50, generator=g)
    assert int(trained.sum()) == 49
    assert trained[fg].all()
    trained = federated_classes(fg, weights, 50, generator=g)
    assert int(trained.sum()) == 50


def test_no_draw_when_enough_classes_are_present():
    """fed_loss.py L21: with num_sample_cats or more present, exactly the
    present classes."""
    labels = torch.tensor([0, 1, 2, 3, 5, 5])
    trained = federated_classes(labels, torch.ones(5), num_sample_cats=3)
    assert trained.tolist() == [True, True, True, True, False]


def test_draws_equal_torch_multinomial_of_the_authors():
    """From the same generator state the draw picks the classes of the
    authors' torch.multinomial (fed_loss.py L27-L29)."""
    weights = lvis_weights()
    for seed in range(30):
        g = torch.Generator().manual_seed(100 + seed)
        labels = torch.randint(0, C, (20, ), generator=g)
        labels[:seed % 3 * 5] = C  # with and without background RoIs
        ours = federated_classes(
            labels, weights, 50, generator=torch.Generator().manual_seed(seed))
        theirs = authors_draw(labels, weights, 50,
                              torch.Generator().manual_seed(seed))
        assert torch.equal(ours, theirs)


def chi_square(observed, expected):
    return sum((o - e)**2 / e for o, e in zip(observed, expected))


def test_two_draws_are_without_replacement():
    """Two places: the pair {a, b} comes with probability
    w_a / W * w_b / (W - w_a) + w_b / W * w_a / (W - w_b), W = 20, and never
    holds the present class 0. 10000 draws, chi-square with 9 degrees of
    freedom under its 0.1% quantile 27.88. (The adapter's test checks one
    draw against image_count ** 0.5.)"""
    w = [1., 2., 3., 4., 10.]
    weights = torch.tensor([25.] + [x * x for x in w]).pow(0.5)
    labels = torch.tensor([0, 6])
    g = torch.Generator().manual_seed(1)
    pairs = {}
    for _ in range(10000):
        trained = federated_classes(labels, weights, 4, generator=g)
        assert trained[0] and int(trained.sum()) == 3
        pair = tuple(i for i in range(1, 6) if trained[i])
        pairs[pair] = pairs.get(pair, 0) + 1
    total = sum(w)
    expected, observed = [], []
    for a in range(5):
        for b in range(a + 1, 5):
            p = w[a] / total * w[b] / (total - w[a]) + \
                w[b] / total * w[a] / (total - w[b])
            expected.append(10000 * p)
            observed.append(pairs.get((a + 1, b + 1), 0))
    assert sum(observed) == 10000
    assert chi_square(observed, expected) < 27.88


def test_classes_without_images_are_never_drawn():
    """Weight 0 (no training image) is never drawn; with fewer candidates
    than places all are taken, where the authors' torch.multinomial
    raises."""
    weights = torch.tensor([1., 0., 0., 2., 0.])
    labels = torch.tensor([0, 5])
    trained = federated_classes(labels, weights, 50)
    assert trained.tolist() == [True, False, False, True, False]
    with pytest.raises(RuntimeError):
        authors_draw(labels, weights, 50, torch.Generator().manual_seed(0))


def test_pieces_and_bad_input():
    labels = torch.tensor([2, 4, 2])
    assert present_classes(labels, 4).tolist() == [
        False, False, True, False, True
    ]
    keys = sampling_keys(4, torch.device('cpu'),
                         torch.Generator().manual_seed(0))
    assert keys.shape == (5, ) and (keys >= 0).all()
    with pytest.raises(ValueError, match='shape'):
        select_federated_classes(present_classes(labels, 4), torch.ones(3),
                                 keys, 3)
    with pytest.raises(ValueError, match='num_sample_cats'):
        federated_classes(labels, torch.ones(4), 0)
    with pytest.raises(ValueError, match='trained must have shape'):
        federated_bce(torch.zeros(3, 4), labels, torch.ones(3, dtype=bool))


def test_empty_batch():
    z = torch.zeros(0, 4, requires_grad=True)
    labels = torch.zeros(0, dtype=torch.long)
    trained = federated_classes(labels, torch.ones(4), 3,
                                generator=torch.Generator().manual_seed(0))
    assert int(trained.sum()) == 3  # nothing present: 3 drawn
    loss = federated_bce(z, labels, trained).sum()
    loss.backward()
    assert loss.item() == 0 and z.grad.shape == (0, 4)
