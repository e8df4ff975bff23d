from typing import Tuple

import torch
import torch.nn as nn
from mmpretrain.models.heads import LinearClsHead
from torch import Tensor

from lt_mm.registry import MODELS


@MODELS.register_module()
class LWSClsHead(LinearClsHead):
    """Learnable weight scaling (Kang et al., ICLR 2020):
    ``z_j = f_j * (w_j^T x + b_j)`` with a learnable per-class scale f
    (initialised to 1).

    arXiv: https://arxiv.org/abs/1910.09217

    In the decoupled second stage only ``head.scales`` is trained, with
    class-aware sampling, from the first stage's checkpoint (whose ``fc``
    loads into this head); see ``configs/cifar100_lt/resnet32_lws.py``.
    MiSLAS' second stage trains ``fc`` too, at a fifth of the scales'
    learning rate (``configs/cifar100_lt/resnet32_las.py``).

    Args:
        num_classes (int): Number of classes, as in ``LinearClsHead``.
        in_channels (int): Input feature channels, as in ``LinearClsHead``.
        **kwargs: LinearClsHead's other arguments.
    """

    def __init__(self, num_classes: int, in_channels: int, **kwargs) -> None:
        super().__init__(num_classes, in_channels, **kwargs)
        self.scales = nn.Parameter(torch.ones(num_classes))

    def forward(self, feats: Tuple[Tensor]) -> Tensor:
        return self.fc(self.pre_logits(feats)) * self.scales
