import torch
import torch.nn.functional as F

from lt_mm.core.losses.acsl import acsl_bce, acsl_weights

LOGIT_08 = torch.logit(torch.tensor(0.8)).item()  # scores 0.8 >= xi = 0.7
LOGIT_06 = torch.logit(torch.tensor(0.6)).item()  # scores 0.6 < xi


def test_foreground_weights_by_hand():
    # C = 3 plus background; RoI 0 of class 0 confuses class 2 (0.8) but not
    # class 1 (0.6); RoI 1 of class 1 scores high on background
    logits = torch.tensor([[0.0, LOGIT_06, LOGIT_08, -5.0],
                           [LOGIT_08, -3.0, 0.0, LOGIT_08]])
    weights = acsl_weights(logits, torch.tensor([0, 1]),
                           torch.tensor([0, 1, 2]))
    torch.testing.assert_close(
        weights, torch.tensor([[1., 0., 1., 0.], [1., 1., 0., 1.]]))


def test_background_rois_suppress_each_group_on_its_fraction():
    torch.manual_seed(0)
    num_bg, groups = 1000, torch.tensor([0, 0, 1, 2, 2])  # r r c f f
    logits = torch.full((num_bg, 6), 5.0)  # high scores are ignored for bg
    weights = acsl_weights(logits, torch.full((num_bg, ), 5), groups)
    assert (weights[:, -1] == 1).all()
    # exactly int(n * ratio) RoIs per group, the same for a group's classes
    assert weights[:, :5].sum(0).tolist() == [10, 10, 100, 1000, 1000]
    assert torch.equal(weights[:, 0], weights[:, 1])
    # drawn independently: the rare RoIs are not a subset of the common ones
    assert not (weights[:, 0] <= weights[:, 2]).all()


def test_foreground_rois_take_no_part_in_the_background_draw():
    torch.manual_seed(0)
    labels = torch.randint(0, 5, (1000, ))
    labels[torch.randperm(1000)[:800]] = 5  # 800 background, interleaved
    logits = torch.full((1000, 6), -5.0)  # nothing confused
    weights = acsl_weights(logits, labels, torch.tensor([0, 0, 1, 2, 2]))
    foreground = labels < 5
    assert torch.equal(weights[foreground],
                       F.one_hot(labels[foreground], 6).float())
    assert weights[~foreground, :5].sum(0).tolist() == [8, 8, 80, 800, 800]


def test_acsl_bce_is_the_weighted_bce_sum():
    torch.manual_seed(0)
    logits = torch.randn(9, 5, dtype=torch.float64) * 3
    labels = torch.tensor([0, 4, 2, 4, 1, 3, 4, 0, 4])
    weights = acsl_weights(logits, labels, torch.tensor([0, 1, 2, 2]))
    targets = F.one_hot(labels, 5).to(logits)
    explicit = (weights * F.binary_cross_entropy_with_logits(
        logits, targets, reduction='none')).sum(1)
    torch.testing.assert_close(acsl_bce(logits, labels, weights), explicit)
    logits.requires_grad_()
    assert torch.autograd.gradcheck(
        lambda z: acsl_bce(z, labels, weights).sum(), (logits, ))


def test_no_background_rois_and_empty_batch():
    logits = torch.zeros(0, 4)
    weights = acsl_weights(logits, torch.zeros(0, dtype=torch.long),
                           torch.tensor([0, 1, 2]))
    assert weights.shape == (0, 4)
    assert acsl_bce(logits, torch.zeros(0, dtype=torch.long),
                    weights).shape == (0, )
