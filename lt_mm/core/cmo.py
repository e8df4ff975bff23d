"""CMO's box and label ratio (Park et al., `The Majority Can Help the
Minority: Context-rich Minority Oversampling for Long-Tailed Classification
<https://arxiv.org/abs/2112.00412>`_, CVPR 2022), host-free.

CMO pastes a box of a minority image (drawn by a class-balanced sampler) onto
a majority-context image (drawn by the instance sampler), CutMix's way: with
``lam ~ Beta(beta, beta)`` and an image of ``H x W``, the box has
``int(H sqrt(1 - lam))`` rows and ``int(W sqrt(1 - lam))`` columns around a
uniform centre, clipped to the image, and the label weight of the
background image is recomputed from the clipped box::

    lam' = 1 - (r2 - r1) (c2 - c1) / (H W)
    loss = lam' L(z, y_background) + (1 - lam') L(z, y_minority)

(naver-ai/cmo, cifar_train.py L300-L311 and ``rand_bbox`` L351-L367: the
half-sizes are ``cut // 2`` on either side of the centre, so an odd cut
loses a row or column, and clipping shrinks a box at the border.)
"""
import math
from typing import Tuple

import numpy as np


def cutmix_box(height: int, width: int, lam: float, center_row: int,
               center_col: int) -> Tuple[int, int, int, int]:
    """``(r1, r2, c1, c2)``: rows ``r1:r2`` and columns ``c1:c2`` of the box
    for ``lam`` centred at ``(center_row, center_col)``, clipped to the
    image (``rand_bbox``, cifar_train.py L351-L367)."""
    if not 0.0 <= lam <= 1.0:
        raise ValueError(f'lam must lie in [0, 1], got {lam}')
    if not (0 <= center_row < height and 0 <= center_col < width):
        raise ValueError(f'centre ({center_row}, {center_col}) lies outside '
                         f'the {height} x {width} image')
    ratio = math.sqrt(1.0 - lam)
    cut_rows, cut_cols = int(height * ratio), int(width * ratio)
    r1, r2 = np.clip([center_row - cut_rows // 2, center_row + cut_rows // 2],
                     0, height)
    c1, c2 = np.clip([center_col - cut_cols // 2, center_col + cut_cols // 2],
                     0, width)
    return int(r1), int(r2), int(c1), int(c2)


def box_label_ratio(box: Tuple[int, int, int, int], height: int,
                    width: int) -> float:
    """``lam' = 1 - area(box) / (H W)``: the background image's share of
    the pixels and of the label (cifar_train.py L308)."""
    r1, r2, c1, c2 = box
    return 1.0 - (r2 - r1) * (c2 - c1) / (height * width)
