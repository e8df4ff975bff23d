"""Cosine (normalised) predictors, as used with Seesaw Loss.

Features and weights are L2-normalised, so a logit is a scaled cosine
similarity: ``z_j = s * <x / |x|, w_j / |w_j|> + b_j``. Removing the norms
keeps frequent classes from winning through larger weight vectors
(Wang et al., CVPR 2021, use s = 20 for the box classifier and the mask
predictor).
"""
import torch.nn as nn
import torch.nn.functional as F
from torch import Tensor

from lt_mm.registry import MODELS


def _unit(x: Tensor, dim: int, eps: float) -> Tensor:
    return x / (x.norm(dim=dim, keepdim=True) + eps)


@MODELS.register_module()
class NormedLinear(nn.Linear):
    """Cosine classifier for ``cls_predictor_cfg`` of mmdet's bbox heads.

    Args:
        *args: ``in_features``, ``out_features`` (and ``bias``) of
            ``nn.Linear``.
        scale (float): The scale s of the cosine. Defaults to 20.
        eps (float): Added to the norms. Defaults to 1e-6.
        **kwargs: Other arguments of ``nn.Linear`` (``bias``, ``device``,
            ``dtype``).
    """

    def __init__(self, *args, scale: float = 20.0, eps: float = 1e-6,
                 **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.scale = scale
        self.eps = eps
        nn.init.normal_(self.weight, mean=0, std=0.01)
        if self.bias is not None:
            nn.init.zeros_(self.bias)

    def forward(self, x: Tensor) -> Tensor:
        return F.linear(
            _unit(x, 1, self.eps) * self.scale, _unit(self.weight, 1,
                                                      self.eps), self.bias)


@MODELS.register_module()
class NormedConv2d(nn.Conv2d):
    """Cosine predictor for ``predictor_cfg`` of mmdet's mask heads.

    Each location's feature vector and each output channel's kernel are
    normalised. Arguments as :class:`NormedLinear`, plus those of nn.Conv2d.

    Args:
        *args: The positional arguments of ``nn.Conv2d`` (``in_channels``,
            ``out_channels``, ``kernel_size`` ...).
        scale (float): The scale s of the cosine. Defaults to 20.
        eps (float): Added to the norms. Defaults to 1e-6.
        **kwargs: Other arguments of ``nn.Conv2d``.
    """

    def __init__(self, *args, scale: float = 20.0, eps: float = 1e-6,
                 **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.scale = scale
        self.eps = eps

    def forward(self, x: Tensor) -> Tensor:
        weight = self.weight / (
            self.weight.flatten(1).norm(dim=1)[:, None, None, None] +
            self.eps)
        return self._conv_forward(
            _unit(x, 1, self.eps) * self.scale, weight, self.bias)
