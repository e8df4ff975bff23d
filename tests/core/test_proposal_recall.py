"""Proposal recall (AR@N) against hand computations and mmdet's
``eval_recalls``."""
import numpy as np
import pytest

from lt_mm.core.evaluation import (box_iou_float32, greedy_match_ious,
                                   proposal_recall)


def test_greedy_matching_takes_the_best_pair_first_not_the_best_sum():
    """open-mmlab/mmdetection, mmdet/evaluation/functional/recall.py
    L25-L32 (mmdet 3.3.0): the pair of highest IoU is taken, its row and
    column leave; equal IoUs go to the first row, then the first column."""
    # the optimal assignment would be 0.8 + 0.85; greedy takes 0.9 first
    assert greedy_match_ious([[0.9, 0.8], [0.85, 0.0]]).tolist() == [0.9, 0.0]
    # a tie at 0.7: row 0 takes column 0, which leaves row 1 with 0.2
    assert greedy_match_ious([[0.7, 0.7], [0.7, 0.2]]).tolist() == [0.7, 0.2]
    # more rows than columns: the last one is left without (-1)
    assert greedy_match_ious([[0.3], [0.6], [0.1]]).tolist() == [-1.0, 0.6,
                                                                 -1.0]
    assert greedy_match_ious(np.zeros((2, 0))).tolist() == [-1.0, -1.0]


def test_proposal_recall_by_hand():
    """recall(N, t) = #{g : iou(g) >= t} / #g, mmdet's ``_recalls``
    (open-mmlab/mmdetection, mmdet/evaluation/functional/recall.py L11-L40,
    mmdet 3.3.0)."""
    gts = [np.array([[0, 0, 10, 10], [20, 0, 30, 10]], np.float32)]
    props = [np.array([[0, 0, 10, 10],     # IoU 1 with the first box
                       [0, 0, 10, 5],      # IoU 0.5 with the first box
                       [20, 0, 30, 8]],    # IoU 0.8 with the second box
                      np.float32)]
    recalls = proposal_recall(gts, props, [1, 2, 3], [0.5, 0.75, 0.9])
    # N = 1, 2: only the first box is covered (at N = 2 the second box is
    # matched to the half box, IoU 0); N = 3: IoUs 1 and 0.8
    np.testing.assert_array_equal(
        recalls, [[0.5, 0.5, 0.5], [0.5, 0.5, 0.5], [1.0, 1.0, 0.5]])
    # scores put the 0.8 box first: N = 1 then covers the second box only
    recalls = proposal_recall(gts, props, [1, 2], [0.5, 0.9],
                              scores=[np.array([0.3, 0.2, 0.9])])
    np.testing.assert_array_equal(recalls, [[0.5, 0.0], [1.0, 0.5]])
    # two images: 3 boxes in all, one recalled by the single proposal
    gts2 = gts + [np.array([[0, 0, 4, 4]], np.float32)]
    props2 = props + [np.array([[0, 0, 4, 4]], np.float32)]
    recalls = proposal_recall(gts2, props2, [1], [0.5])
    assert recalls[0, 0] == pytest.approx(2 / 3)
    # no ground truth at all: 0 / 0
    assert np.isnan(proposal_recall([np.zeros((0, 4))], props, [1], [0.5]))


def test_proposal_recall_errors():
    gts = [np.array([[0, 0, 10, 10]], np.float32)]
    with pytest.raises(ValueError, match='iou_thrs'):
        proposal_recall(gts, gts, [1], [0.0])
    with pytest.raises(ValueError, match='proposal_nums'):
        proposal_recall(gts, gts, [0], [0.5])
    with pytest.raises(ValueError, match='1 images of ground truth, 2 of'):
        proposal_recall(gts, gts * 2, [1], [0.5])


def _mmdet_recalls(gts, props, nums, thrs):
    """mmdet's own math. ``eval_recalls`` itself stacks the per-image IoU
    matrices with ``np.array``, which numpy >= 1.24 refuses for images of
    different sizes, so its two steps are called here on an object array."""
    from mmdet.evaluation.functional.bbox_overlaps import bbox_overlaps
    from mmdet.evaluation.functional.recall import _recalls
    all_ious = np.empty(len(gts), dtype=object)
    for i, (gt, prop) in enumerate(zip(gts, props)):
        all_ious[i] = bbox_overlaps(gt, prop[:nums[-1]])
    return _recalls(all_ious, np.array(nums), np.array(thrs))


def test_proposal_recall_equals_mmdet_with_ties():
    """open-mmlab/mmdetection, mmdet/evaluation/functional/recall.py L11-L40
    and bbox_overlaps.py L31-L62 (mmdet 3.3.0): same float32 IoUs, same
    recalls, bit for bit, on boxes on a coarse grid (many equal IoUs) and
    with duplicated proposals."""
    from mmdet.evaluation.functional.bbox_overlaps import bbox_overlaps
    rng = np.random.default_rng(0)

    def boxes(n, step):
        xy = rng.integers(0, 40, (n, 2)) * step
        wh = rng.integers(1, 25, (n, 2)) * step
        return np.concatenate([xy, xy + wh], 1).astype(np.float32)

    thrs = np.linspace(0.5, 0.95, 10)
    nums = [1, 3, 10, 30]
    for trial in range(60):
        step = (1.0, 0.37)[trial % 2]
        n_img = int(rng.integers(1, 4))
        gts = [boxes(int(rng.integers(1, 12)), step) for _ in range(n_img)]
        props = [boxes(int(rng.integers(0, 20)), step) for _ in range(n_img)]
        if trial % 3 == 0:
            props = [np.concatenate([p, p]) for p in props]
        np.testing.assert_array_equal(
            proposal_recall(gts, props, nums, thrs),
            _mmdet_recalls(gts, props, nums, thrs))
        np.testing.assert_array_equal(
            box_iou_float32(gts[0], props[0]), bbox_overlaps(gts[0], props[0]))
