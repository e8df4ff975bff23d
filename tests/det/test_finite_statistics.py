"""The detection adapters' accumulated statistics never absorb a non-finite
value: a RoI whose logits hold a NaN or an inf (an fp16 overflow under AMP, a
bad batch) is left out of EQL v2's gradient sums, Seesaw's cumulative counts
and LOCE's mean scores, counted, and reported by one warning.

The authors' code adds every RoI: tztztztztz/eqlv2,
mmdet/models/losses/eqlv2.py L96-L110 (``collect_grad``: the sums of
``|grad| * weight`` over all RoIs, all-reduced, added to ``pos_grad`` /
``neg_grad``); mmdet 3.3.0 mmdet/models/losses/seesaw_loss.py L245-L249
(``cum_samples[u_l] += inds_.sum()`` over all labels); fcjian/LOCE,
mmdet/models/roi_heads/loce_roi_head.py L208-L253 (per-instance mean scores,
gathered, ``m <- a^n m + (1 - a^n) mean``). There one NaN row makes the sums
NaN for good (EQL v2 then weights every class 1: plain BCE). We keep their
update for finite rows (the expected numbers below are their formulas on the
finite rows only) and deviate by leaving the non-finite rows out."""
import math
from collections import Counter
from functools import partial
from types import SimpleNamespace

import pytest
import torch
from mmengine.registry import init_default_scope

from lt_mm.det import EqualizationLossV2, SeesawLoss
from ..nonfinite import INF, NAN, caught
from .loss_helpers import (buffers_after_joint_batches,
                           buffers_after_two_ranks, build_roi_head,
                           lvis_batch)


def eqlv2_sums_by_hand(batches, num_classes, gamma=12.0, mu=0.8, alpha=4.0):
    """The authors' update over the given (logits, labels) steps: weights
    from the sums so far, then ``|sigma(z) - t| * w`` added per channel."""
    pos, neg = [0.0] * num_classes, [0.0] * num_classes
    for logits, labels in batches:
        weights = []
        for j in range(num_classes):
            q = 1 / (1 + math.exp(-gamma * (pos[j] / neg[j] - mu))) \
                if neg[j] > 0 else 1.0
            weights.append((1 + alpha * (1 - q), q))
        for row, label in zip(logits.tolist(), labels.tolist()):
            for j in range(num_classes):
                p = 1 / (1 + math.exp(-row[j]))
                if label == j:
                    pos[j] += (1 - p) * weights[j][0]
                else:
                    neg[j] += p * weights[j][1]
    return (torch.tensor(pos, dtype=torch.float64),
            torch.tensor(neg, dtype=torch.float64))


def without_rows(batch, rows):
    logits, labels = batch
    keep = torch.ones(len(labels), dtype=torch.bool)
    keep[list(rows)] = False
    return logits[keep], labels[keep]


@pytest.mark.parametrize('bad', [NAN, INF, -INF])
def test_eqlv2_sums_leave_out_a_non_finite_row(bad):
    """Step 1 has one RoI with a non-finite logit (a foreground RoI of class
    2, at its own channel for -inf so that it would add to pos_2), step 2 is
    finite: the sums equal the authors' update on the finite RoIs only."""
    num_classes = 6
    first = lvis_batch(0, 20, num_classes, 1, 0.5)
    first[1][5] = 2
    first[0][5, 2] = bad
    second = lvis_batch(1, 20, num_classes, 1, 0.5)
    loss = EqualizationLossV2(num_classes=num_classes)
    _, warned = caught(lambda: [loss(*first), loss(*second)])
    pos, neg = eqlv2_sums_by_hand([without_rows(first, [5]), second],
                                  num_classes)
    torch.testing.assert_close(loss.pos_grad, pos, rtol=1e-6, atol=1e-6)
    torch.testing.assert_close(loss.neg_grad, neg, rtol=1e-6, atol=1e-6)
    # equal to the run that never saw the row (float32 sums, rounding only)
    clean = EqualizationLossV2(num_classes=num_classes)
    clean(*without_rows(first, [5]))
    clean(*second)
    torch.testing.assert_close(loss.pos_grad, clean.pos_grad, rtol=1e-6,
                               atol=1e-7)
    torch.testing.assert_close(loss.neg_grad, clean.neg_grad, rtol=1e-6,
                               atol=1e-7)
    guard = loss.statistics_guard
    assert (guard.skipped_rows.item(), guard.updates.item()) == (1, 2)
    assert len(warned) == 1
    assert 'EqualizationLossV2' in str(warned[0].message)
    assert 'update 1' in str(warned[0].message)


def test_eqlv2_warns_once_over_many_bad_steps_and_resumes_its_count():
    loss = EqualizationLossV2(num_classes=8)
    batches = [lvis_batch(s, 32, 8, 1) for s in range(4)]
    for step in (1, 3):
        batches[step][0][[0, 7], 3] = NAN
    _, warned = caught(lambda: [loss(*b) for b in batches])
    assert torch.isfinite(loss.pos_grad).all()
    assert torch.isfinite(loss.neg_grad).all()
    assert len(warned) == 1 and 'update 2' in str(warned[0].message)
    assert loss.statistics_guard.skipped_rows.item() == 4
    # the counts travel with the checkpoint
    resumed = EqualizationLossV2(num_classes=8)
    resumed.load_state_dict(loss.state_dict())
    assert resumed.statistics_guard.skipped_rows.item() == 4
    assert resumed.statistics_guard.updates.item() == 4


def test_eqlv2_rank_with_a_nan_row_does_not_poison_the_others(tmp_path):
    """Rank 1's first batch has a NaN RoI: both ranks hold the sums of the
    joint batches without it, and both count it."""
    batches = [[lvis_batch(10 * s + r, 64, 40, 1) for r in range(2)]
               for s in range(2)]
    batches[0][1][0][9, 0] = NAN
    make_loss = partial(EqualizationLossV2, num_classes=40)
    ranks = buffers_after_two_ranks(make_loss, batches, tmp_path)
    clean = [list(step) for step in batches]
    clean[0][1] = without_rows(clean[0][1], [9])
    joint = buffers_after_joint_batches(make_loss, clean)
    for key in ('pos_grad', 'neg_grad'):
        assert torch.isfinite(ranks[1][key]).all()
        torch.testing.assert_close(ranks[0][key], ranks[1][key], rtol=0,
                                   atol=0)
        torch.testing.assert_close(ranks[0][key], joint[key], rtol=1e-6,
                                   atol=0)
    for rank in ranks:
        assert rank['statistics_guard.skipped_rows'].item() == 1
        assert rank['statistics_guard.updates'].item() == 2


@pytest.mark.parametrize('bad', [NAN, INF])
def test_seesaw_counts_leave_out_a_non_finite_row(bad):
    """Counts by hand: every finite RoI's label, background excluded."""
    num_classes = 10
    first = lvis_batch(0, 40, num_classes, 2, 0.5)
    first[1][[3, 4]] = torch.tensor([7, num_classes])
    first[0][3, 0] = bad  # a foreground RoI of class 7
    first[0][4, -1] = bad  # a background RoI
    second = lvis_batch(1, 40, num_classes, 2, 0.5)
    loss = SeesawLoss(num_classes=num_classes)
    (_, after), warned = caught(lambda: (loss(*first), loss(*second)))
    counts = Counter(first[1].tolist()) + Counter(second[1].tolist())
    counts[7] -= 1
    expected = torch.tensor([counts[c] for c in range(num_classes)],
                            dtype=torch.float64)
    torch.testing.assert_close(loss.cum_samples, expected, rtol=0, atol=0)
    # the next step's loss is that of the run without the rows
    clean = SeesawLoss(num_classes=num_classes)
    clean(*without_rows(first, [3, 4]))
    for key, value in clean(*second).items():
        torch.testing.assert_close(after[key], value)
    guard = loss.statistics_guard
    assert (guard.skipped_rows.item(), guard.updates.item()) == (2, 2)
    assert len(warned) == 1 and 'SeesawLoss' in str(warned[0].message)


def loce_step(bad=None):
    """Logits and sampling results of a LOCE step (20 classes + background):
    image 0 has positives of GT 0 (class 2) with probabilities 0.2, 0.4 and,
    with ``bad``, a third one whose logits hold ``bad``; image 1 has a
    positive of GT 1 (class 5), 0.7 (positives come first in each image's
    rows); then memory features of class 5 (0.5,
    0.3) and, with ``bad``, one of class 9 whose logits hold ``bad``."""
    rows = [(0.2, 2), (0.4, 2)] + ([(None, 2)] if bad is not None else [])
    image0 = len(rows)
    rows += [(0.5, 20), (0.7, 5), (0.5, 20), (0.5, 20), (0.5, 5), (0.3, 5)]
    rows += [(None, 9)] if bad is not None else []
    logits = torch.zeros(len(rows), 21)
    for row, (p, label) in enumerate(rows):
        if p is None:
            logits[row, label] = bad
            continue
        # a softmax giving p to the label and the rest evenly to the others
        logits[row] = torch.log(torch.full((21, ), (1 - p) / 20))
        logits[row, label] = math.log(p)
    results = [
        SimpleNamespace(pos_inds=torch.arange(image0),
                        priors=torch.zeros(image0 + 1, 4),
                        pos_gt_labels=torch.full((image0, ), 2),
                        pos_assigned_gt_inds=torch.zeros(image0,
                                                         dtype=torch.long),
                        num_gts=1),
        SimpleNamespace(pos_inds=torch.tensor([0]), priors=torch.zeros(3, 4),
                        pos_gt_labels=torch.tensor([5]),
                        pos_assigned_gt_inds=torch.tensor([1]), num_gts=2)
    ]
    memory = [5, 5] + ([9] if bad is not None else [])
    return logits, results, torch.tensor(memory)


@pytest.mark.parametrize('bad', [NAN, INF])
def test_loce_mean_scores_leave_out_a_non_finite_row(bad):
    """m_2 <- 0.9 * 0.01 + 0.1 * mean(0.2, 0.4) (the bad positive is left
    out of its instance's mean); m_5 <- 0.81 * 0.01 + 0.19 * mean(0.7,
    mean(0.5, 0.3)); class 9's only entry is bad: m_9 stays 0.01. A finite
    step after it moves the scores as in the run without the bad rows."""
    init_default_scope('mmdet')
    head = build_roi_head('configs/demo/loce_mask_rcnn.py')
    clean = build_roi_head('configs/demo/loce_mask_rcnn.py')
    _, warned = caught(lambda: head.update_mean_score(*loce_step(bad)))
    m = head.mean_score.tolist()
    assert m[2] == pytest.approx(0.9 * 0.01 + 0.1 * 0.3, rel=1e-5)
    assert m[5] == pytest.approx(0.81 * 0.01 + 0.19 * 0.55, rel=1e-5)
    assert m[9] == m[0] == m[-1] == pytest.approx(0.01)
    clean.update_mean_score(*loce_step())
    torch.testing.assert_close(head.mean_score, clean.mean_score)
    _, again = caught(lambda: head.update_mean_score(*loce_step()))
    clean.update_mean_score(*loce_step())
    torch.testing.assert_close(head.mean_score, clean.mean_score)
    guard = head.statistics_guard
    assert (guard.skipped_rows.item(), guard.updates.item()) == (2, 2)
    assert len(warned) == 1 and not again
    assert 'LOCE' in str(warned[0].message)
