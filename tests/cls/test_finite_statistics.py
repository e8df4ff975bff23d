"""The classification adapters' accumulated statistics never absorb a
non-finite value: a sample whose logits (or features, for NCM) hold a NaN or
an inf is left out of ClsSeesawLoss's counts, ClsEquilibriumLoss's mean
scores and NCMClsHead's class sums, counted, and reported by one warning.

The reference updates add every sample: mmpretrain 1.2.0
mmpretrain/models/losses/seesaw_loss.py L157-L161 (``cum_samples[u_l] +=
inds_.sum()``); fcjian/LOCE, mmdet/models/roi_heads/loce_roi_head.py
L234-L253 (``m <- a^n m + (1 - a^n) mean``);
facebookresearch/classifier-balancing, run_networks.py L631-L652 (feature
mean and class centroids summed over the training features). We keep their
update for finite samples (the expected numbers below are their formulas on
the finite samples only) and deviate by leaving the non-finite ones out."""
import math

import pytest
import torch

from lt_mm.registry import MODELS
from ..nonfinite import INF, NAN, caught


def build(name, **kwargs):
    return MODELS.build(dict(type=f'lt_mm.{name}', **kwargs)).train()


def guard_counts(module):
    guard = module.statistics_guard
    return guard.skipped_rows.item(), guard.updates.item()


@pytest.mark.parametrize('bad', [NAN, INF, -INF])
def test_seesaw_counts_leave_out_a_non_finite_sample(bad):
    """Labels [0, 0, 4, 2] then [1, 4]; the third sample of step 1 (class
    4) has a non-finite logit: counts [2, 1, 1, 0, 1, 0]."""
    loss = build('ClsSeesawLoss', num_classes=6)
    first = torch.randn(4, 6, generator=torch.Generator().manual_seed(0))
    first[2, 1] = bad
    second = torch.randn(2, 6, generator=torch.Generator().manual_seed(1))
    (_, after), warned = caught(lambda: (
        loss(first, torch.tensor([0, 0, 4, 2])),
        loss(second, torch.tensor([1, 4]))))
    torch.testing.assert_close(
        loss.cum_samples,
        torch.tensor([2.0, 1.0, 1.0, 0.0, 1.0, 0.0], dtype=torch.float64),
        rtol=0, atol=0)
    clean = build('ClsSeesawLoss', num_classes=6)
    clean(first[[0, 1, 3]], torch.tensor([0, 0, 2]))
    torch.testing.assert_close(after, clean(second, torch.tensor([1, 4])))
    assert guard_counts(loss) == (1, 2)
    assert len(warned) == 1 and 'ClsSeesawLoss' in str(warned[0].message)


@pytest.mark.parametrize('bad', [NAN, INF])
def test_equilibrium_mean_scores_leave_out_a_non_finite_sample(bad):
    """Samples of class 1 with probabilities 0.2 and 0.6 and one with a
    non-finite logit: m_1 <- 0.81 * 0.01 + 0.19 * 0.4. Then one of class 0
    with 0.5: m_0 <- 0.9 * 0.01 + 0.1 * 0.5."""

    def logits_for(probs, labels, classes=4):
        rows = []
        for p, y in zip(probs, labels):
            row = [math.log((1 - p) / (classes - 1))] * classes
            row[y] = math.log(p)
            rows.append(row)
        return torch.tensor(rows)

    loss = build('ClsEquilibriumLoss', num_classes=4)
    first = torch.cat([logits_for([0.2], [1]), torch.zeros(1, 4),
                       logits_for([0.6], [1])])
    first[1, 2] = bad
    second = logits_for([0.5], [0])
    _, warned = caught(lambda: (loss(first, torch.tensor([1, 1, 1])),
                                loss(second, torch.tensor([0]))))
    expected = [0.9 * 0.01 + 0.1 * 0.5, 0.81 * 0.01 + 0.19 * 0.4, 0.01, 0.01]
    torch.testing.assert_close(
        loss.mean_score, torch.tensor(expected, dtype=torch.float64))
    clean = build('ClsEquilibriumLoss', num_classes=4)
    clean(first[[0, 2]], torch.tensor([1, 1]))
    clean(second, torch.tensor([0]))
    torch.testing.assert_close(loss.mean_score, clean.mean_score)
    assert guard_counts(loss) == (1, 2)
    assert len(warned) == 1 and 'ClsEquilibriumLoss' in str(warned[0].message)


def test_ncm_class_means_leave_out_a_non_finite_feature():
    """The features of tests/cls/test_ncm_cls_head.py (mean (1.5, 1.5), one
    sample per class) with a NaN feature of class 1 in the first batch and
    an inf one of class 2 in the second, in both passes: the same means and
    the same logits of the query, -0.4, -2.0, -(2 + 8 / sqrt(20))."""
    train = torch.tensor([[3.0, 1.0], [1.0, 3.0], [0.5, 0.5]])
    batches = [
        (torch.cat([train[:2], torch.tensor([[NAN, 0.0]])]),
         torch.tensor([0, 1, 1])),
        (torch.cat([torch.tensor([[1.0, INF]]), train[2:]]),
         torch.tensor([2, 2])),
    ]
    head = build('NCMClsHead', num_classes=3, in_channels=2)

    def fit():
        for feats, _ in batches:
            head.accumulate_feature_mean((feats, ))
        for feats, labels in batches:
            head.accumulate((feats, ), labels)

    _, warned = caught(fit)
    torch.testing.assert_close(head.feature_mean,
                               torch.tensor([1.5, 1.5], dtype=torch.float64))
    assert head.feature_counts.tolist() == [1.0, 1.0, 1.0]
    torch.testing.assert_close(
        head.eval()((torch.tensor([[3.0, 2.0]]), )),
        torch.tensor([[-0.4, -2.0, -(2 + 8 / math.sqrt(20))]]))
    # two rows in each of the two passes, four updates
    assert guard_counts(head) == (4, 4)
    assert len(warned) == 1 and 'NCMClsHead' in str(warned[0].message)
