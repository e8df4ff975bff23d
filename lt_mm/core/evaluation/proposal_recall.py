"""Class-agnostic proposal recall and average recall (AR@N).

The recall of box proposals (Hosang et al., `What makes for effective
detection proposals? <https://arxiv.org/abs/1502.05082>`_, TPAMI 2016), as
mmdet's ``eval_recalls`` computes it for ``metric='proposal_fast'``. Per
image, the ``N`` best-scored proposals and the ground-truth boxes (of every
category) are matched one to one, greedily: the pair of highest IoU is taken
first, its box and its proposal leave, and so on. Then, with ``iou(g)`` the
IoU of ground-truth box ``g``'s match,

    recall(N, t) = #{g : iou(g) >= t} / #g,     AR@N = mean_t recall(N, t),

over all ground-truth boxes ``g`` of all images, for ``t`` in the IoU
thresholds (0.50:0.05:0.95 by default). A box left without a proposal is not
recalled. Equal IoUs are taken in mmdet's order: the lower ground-truth
index, then the lower proposal index.

IoUs are computed in float32 with mmdet's formula (``bbox_overlaps``: no +1
in widths, union floored at 1e-6), so that a threshold compares the same
float as there.
"""
from typing import List, Optional, Sequence

import numpy as np


def box_iou_float32(boxes1: np.ndarray, boxes2: np.ndarray) -> np.ndarray:
    """IoU of each box of ``boxes1`` with each of ``boxes2`` (both x1, y1,
    x2, y2), in float32 as mmdet's ``bbox_overlaps`` computes it.

    Returns:
        np.ndarray: (len(boxes1), len(boxes2)) float32.
    """
    b1 = np.asarray(boxes1, dtype=np.float32).reshape(-1, 4)
    b2 = np.asarray(boxes2, dtype=np.float32).reshape(-1, 4)
    area1 = (b1[:, 2] - b1[:, 0]) * (b1[:, 3] - b1[:, 1])
    area2 = (b2[:, 2] - b2[:, 0]) * (b2[:, 3] - b2[:, 1])
    w = np.maximum(
        np.minimum(b1[:, None, 2], b2[None, :, 2]) -
        np.maximum(b1[:, None, 0], b2[None, :, 0]), 0)
    h = np.maximum(
        np.minimum(b1[:, None, 3], b2[None, :, 3]) -
        np.maximum(b1[:, None, 1], b2[None, :, 1]), 0)
    overlap = w * h
    union = np.maximum(area1[:, None] + area2[None, :] - overlap,
                       np.float32(1e-6))
    return overlap / union


def greedy_match_ious(ious: np.ndarray) -> np.ndarray:
    """IoU of each row's (ground truth's) greedy one-to-one match, -1 where
    a row gets none.

    The greedy matching takes the highest remaining pair again and again.
    With ties broken by (row, column) the pairs are totally ordered, and
    greedy matching then equals taking, round after round, every pair that
    is the best of both its row and its column among the remaining ones
    (Preis, STACS 1999): a few vectorised rounds instead of one per row.
    ``argmax`` returns the first of equal values, which is that tie-break.
    """
    ious = np.array(ious, dtype=np.float64)  # a copy: taken pairs leave it
    num_rows, num_cols = ious.shape
    matched = np.full(num_rows, -1.0)
    if num_rows == 0 or num_cols == 0:
        return matched
    gone = -1.0  # below every IoU
    rows = np.arange(num_rows)
    for _ in range(min(num_rows, num_cols)):
        best_col = ious.argmax(axis=1)
        best_row = ious.argmax(axis=0)
        best = ious[rows, best_col]
        take = (best_row[best_col] == rows) & (best > gone)
        if not take.any():
            break
        r, c = rows[take], best_col[take]
        matched[r] = best[take]
        ious[r, :] = gone
        ious[:, c] = gone
    return matched


def proposal_recall(gt_bboxes: Sequence[np.ndarray],
                    proposals: Sequence[np.ndarray],
                    proposal_nums: Sequence[int],
                    iou_thrs: Sequence[float],
                    scores: Optional[Sequence[np.ndarray]] = None
                    ) -> np.ndarray:
    """Recall of the first ``N`` proposals of each image.

    Args:
        gt_bboxes (Sequence[np.ndarray]): Per image, (G, 4) ground-truth
            boxes x1, y1, x2, y2.
        proposals (Sequence[np.ndarray]): Per image, (P, 4) proposals.
        proposal_nums (Sequence[int]): The ``N`` of each row.
        iou_thrs (Sequence[float]): The thresholds ``t`` of each column, in
            (0, 1].
        scores (Sequence[np.ndarray], optional): Per image, (P,) proposal
            scores: the best-scored come first (stable, so proposals already
            sorted stay in their order). Without them the given order
            counts, as in mmdet's ``fast_eval_recall``.

    Returns:
        np.ndarray: (len(proposal_nums), len(iou_thrs)) recalls; NaN when
        there is no ground-truth box at all (0 / 0, as mmdet).
    """
    if len(gt_bboxes) != len(proposals) or (scores is not None
                                            and len(scores) != len(proposals)):
        raise ValueError(
            f'{len(gt_bboxes)} images of ground truth, {len(proposals)} of '
            'proposals' +
            ('' if scores is None else f' and {len(scores)} of scores'))
    nums = np.asarray(proposal_nums, dtype=np.int64).ravel()
    thrs = np.asarray(iou_thrs, dtype=np.float64).ravel()
    if not len(nums) or (nums <= 0).any():
        raise ValueError('proposal_nums must be positive integers, got '
                         f'{list(proposal_nums)}')
    if not len(thrs) or (thrs <= 0).any() or (thrs > 1).any():
        raise ValueError(f'iou_thrs must lie in (0, 1], got {thrs.tolist()}')
    matched: List[List[np.ndarray]] = [[] for _ in nums]
    for i, (gt, props) in enumerate(zip(gt_bboxes, proposals)):
        props = np.asarray(props).reshape(-1, 4)
        if scores is not None:
            order = np.argsort(-np.asarray(scores[i], dtype=np.float64),
                               kind='stable')
            props = props[order]
        ious = box_iou_float32(gt, props[:nums.max()])
        for k, num in enumerate(nums.tolist()):
            matched[k].append(greedy_match_ious(ious[:, :num]))
    num_gts = sum(len(np.asarray(gt).reshape(-1, 4)) for gt in gt_bboxes)
    recalls = np.full((len(nums), len(thrs)), np.nan)
    if num_gts:
        for k, per_image in enumerate(matched):
            best = np.concatenate(per_image)
            recalls[k] = (best[:, None] >= thrs[None, :]).sum(0) / num_gts
    return recalls
