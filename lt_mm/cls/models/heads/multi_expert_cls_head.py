"""Classification head of a multi-expert backbone (RIDE, SADE)."""
from typing import List, Optional, Sequence, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmpretrain.models.heads import ClsHead
from mmpretrain.structures import DataSample
from torch import Tensor

from lt_mm.registry import MODELS
from ..losses.multi_expert_loss import MultiExpertLoss


@MODELS.register_module()
class MultiExpertClsHead(ClsHead):
    """One classifier per expert; predicts with the mean of the experts'
    logits.

    Interface shared by the multi-expert methods (RIDE, SADE):

    * Input: the tuple of per-expert features of
      :class:`lt_mm.MultiExpertCIFARResNet` / :class:`lt_mm.MultiExpertResNeXt`,
      one entry per expert in expert order, (B, C) after mmpretrain's
      ``GlobalAveragePooling`` neck (a (B, C, H, W) map is averaged here).
    * :meth:`forward_experts` returns the list of per-expert (B, classes)
      logits; :meth:`forward_expert` one expert's (for routed inference).
    * :meth:`forward` returns :meth:`aggregate` of them, the mean
      ``z = (1 / K) sum_k z_k`` (RIDE's ``final_out``); a method that weighs
      the experts (SADE's test-time aggregation) overrides :meth:`aggregate`.
      Predictions are ``softmax(z)``.
    * Training: a :class:`lt_mm.MultiExpertLoss` receives the list of
      per-expert logits, ``loss(expert_logits, target, avg_factor=B)``; any
      other loss is applied to each expert and summed.

    The classifier is RIDE's ``NormedLinear`` by default: the cosine between
    the normalised feature and the normalised class vector times s = 30, no
    bias (frank-xwang/RIDE-LongTailRecognition,
    model/ldam_drw_resnets/ride_resnet_cifar.py L40-L49, L166-L176: the
    logits carry s, so an LDAM margin m enters as s * m).

    Args:
        num_classes (int): Number of classes.
        in_channels (int): Feature channels of an expert.
        num_experts (int): Number of experts. Defaults to 3.
        cosine (bool): Cosine classifiers scaled by ``scale`` (RIDE's
            ``use_norm``); False: plain linear layers with bias.
            Defaults to True.
        scale (float): s of the cosine classifiers. Defaults to 30.
        eps (float): Added to the norms. Defaults to 1e-12 (as
            ``F.normalize``).
        loss (dict): The loss. Defaults to cross-entropy on each expert.
        init_cfg (dict, optional): Defaults to None: cosine rows uniform
            in [-1, 1] (their norm is divided out, as the authors'
            ``NormedLinear``), linear layers as ``nn.Linear``.
        **kwargs: ClsHead's other arguments (topk, cal_acc).
    """

    def __init__(self,
                 num_classes: int,
                 in_channels: int,
                 num_experts: int = 3,
                 cosine: bool = True,
                 scale: float = 30.0,
                 eps: float = 1e-12,
                 loss: dict = dict(type='CrossEntropyLoss', loss_weight=1.0),
                 init_cfg: Optional[dict] = None,
                 **kwargs) -> None:
        super().__init__(loss=loss, init_cfg=init_cfg, **kwargs)
        for name, value in (('num_classes', num_classes),
                            ('in_channels', in_channels),
                            ('num_experts', num_experts)):
            if not isinstance(value, int) or value <= 0:
                raise ValueError(
                    f'{name} must be a positive integer, got {value}')
        if scale <= 0:
            raise ValueError(f'scale must be positive, got {scale}')
        self.num_classes, self.in_channels = num_classes, in_channels
        self.num_experts, self.cosine = num_experts, cosine
        self.scale, self.eps = scale, eps
        self.fcs = nn.ModuleList(
            nn.Linear(in_channels, num_classes, bias=not cosine)
            for _ in range(num_experts))
        if cosine:
            with torch.no_grad():
                for fc in self.fcs:
                    fc.weight.uniform_(-1, 1)

    def _features(self, feats: Sequence[Tensor]) -> List[Tensor]:
        if not isinstance(feats, (tuple, list)) or \
                len(feats) != self.num_experts:
            got = len(feats) if isinstance(feats, (tuple, list)) else \
                type(feats).__name__
            raise ValueError(
                f'{type(self).__name__} expects a tuple of {self.num_experts} '
                f'per-expert features (a multi-expert backbone), got {got}')
        return [self._pool(x) for x in feats]

    @staticmethod
    def _pool(x: Tensor) -> Tensor:
        return x.flatten(2).mean(2) if x.dim() > 2 else x

    def forward_expert(self, feat: Tensor, index: int) -> Tensor:
        """Logits (B, classes) of expert ``index`` from its feature."""
        x, fc = self._pool(feat), self.fcs[index]
        if not self.cosine:
            return fc(x)
        x = F.normalize(x, dim=1, eps=self.eps)
        w = F.normalize(fc.weight, dim=1, eps=self.eps)
        return self.scale * F.linear(x, w)

    def forward_experts(self, feats: Sequence[Tensor]) -> List[Tensor]:
        """The list of per-expert logits, in expert order."""
        return [
            self.forward_expert(x, i)
            for i, x in enumerate(self._features(feats))
        ]

    def aggregate(self, expert_logits: Sequence[Tensor]) -> Tensor:
        """The model's logits from the experts': their mean."""
        return torch.stack(list(expert_logits)).mean(0)

    def forward(self, feats: Tuple[Tensor]) -> Tensor:
        return self.aggregate(self.forward_experts(feats))

    def loss(self, feats: Tuple[Tensor], data_samples: List[DataSample],
             **kwargs) -> dict:
        expert_logits = self.forward_experts(feats)
        if 'gt_score' in data_samples[0]:
            target = torch.stack([i.gt_score for i in data_samples])
        else:
            target = torch.cat([i.gt_label for i in data_samples])
        batch = expert_logits[0].size(0)
        if isinstance(self.loss_module, MultiExpertLoss):
            loss = self.loss_module(
                expert_logits, target, avg_factor=batch, **kwargs)
        else:
            loss = sum(
                self.loss_module(z, target, avg_factor=batch, **kwargs)
                for z in expert_logits)
        losses = dict(loss) if isinstance(loss, dict) else dict(loss=loss)
        if self.cal_acc:
            from mmpretrain.evaluation import Accuracy
            if target.ndim != 1:
                raise ValueError('cal_acc needs hard labels: batch '
                                 'augmentations give soft targets')
            acc = Accuracy.calculate(
                self.aggregate(expert_logits), target, topk=self.topk)
            losses.update(
                {f'accuracy_top-{k}': a
                 for k, a in zip(self.topk, acc)})
        return losses
