from typing import Optional, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmpretrain.models.heads import LinearClsHead
from torch import Tensor

from lt_mm.registry import MODELS


@MODELS.register_module()
class CosineClsHead(LinearClsHead):
    """Normalised linear (cosine) classifier:
    ``z_j = s * <x / |x|, w_j / |w_j|>``, no bias.

    Removing the norms keeps frequent classes from winning through larger
    weight vectors. LDAM (Cao et al., NeurIPS 2019) uses it with s = 30 and
    subtracts its margins in the same units (``lt_mm.LDAMLoss(scale=30)``).

    Args:
        num_classes (int): Number of classes, as in ``LinearClsHead``.
        in_channels (int): Input feature channels, as in ``LinearClsHead``.
        scale (float): s. Defaults to 30.
        eps (float): Added to the norms. Defaults to 1e-6.
        init_cfg (dict, optional): Defaults to None: rows of unit norm.
        **kwargs: LinearClsHead's other arguments (loss, topk).
    """

    def __init__(self,
                 num_classes: int,
                 in_channels: int,
                 scale: float = 30.0,
                 eps: float = 1e-6,
                 init_cfg: Optional[dict] = None,
                 **kwargs) -> None:
        super().__init__(num_classes, in_channels, init_cfg=init_cfg,
                         **kwargs)
        if scale <= 0:
            raise ValueError(f'scale must be positive, got {scale}')
        self.scale, self.eps = scale, eps
        self.fc = nn.Linear(in_channels, num_classes, bias=False)
        # Rows of unit norm, as in the LDAM code: the gradient of a cosine
        # scales with 1 / |w_j|, so LinearClsHead's default std 0.01 would
        # multiply the effective learning rate by about 1 / (0.01^2 d).
        with torch.no_grad():
            nn.init.normal_(self.fc.weight)
            self.fc.weight.div_(self.fc.weight.norm(dim=1, keepdim=True))

    def forward(self, feats: Tuple[Tensor]) -> Tensor:
        x = self.pre_logits(feats)
        x = x / (x.norm(dim=1, keepdim=True) + self.eps)
        w = self.fc.weight
        w = w / (w.norm(dim=1, keepdim=True) + self.eps)
        return self.scale * F.linear(x, w)
