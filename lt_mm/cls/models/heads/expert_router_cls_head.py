from typing import List, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmpretrain.structures import DataSample
from torch import Tensor

from lt_mm.core.expert_routing import router_targets
from lt_mm.registry import MODELS
from .multi_expert_cls_head import MultiExpertClsHead


@MODELS.register_module()
class ExpertRouterClsHead(MultiExpertClsHead):
    """RIDE's expert router (Wang et al., ICLR 2021, Sec. 3.3) on the
    per-expert classifiers of :class:`lt_mm.MultiExpertClsHead`.

    arXiv: https://arxiv.org/abs/2010.01809

    Router i (i < K - 1) scores "run expert i + 1" from expert i's pooled
    feature x_i and the mean logits z_bar of experts 0..i:

        r_i = fc([top_k(z_bar), relu(W_i x_i / |x_i|)]),

    a hidden layer of 16 per router and one output layer shared by the
    routers (frank-xwang/RIDE-LongTailRecognition,
    model/ldam_drw_resnets/ea_resnet_cifar.py L138-L143, L194-L207). In
    training, :meth:`loss` returns only the routers' binary cross-entropy
    on the targets of :func:`lt_mm.core.expert_routing.router_targets`,
    with the positive class weighted by ``pos_weight``, averaged over the
    K - 1 routers (L219-L234); the second stage trains the routers alone
    (``paramwise_cfg=dict(trainable=['head.routers'])``), the experts frozen
    in eval mode. At test time :class:`lt_mm.RoutedExpertClassifier` runs
    expert i + 1 where ``sigmoid(r_i) > 0.5`` (:meth:`wants_next`).

    Args:
        num_classes (int): Number of classes.
        in_channels (int): Feature channels of an expert.
        num_experts (int): K, at least 2. Defaults to 3.
        top_k (int): Largest mean logits the router sees. Defaults to 30
            (the authors' CIFAR-100 config; their class default is 5).
        hidden_channels (int): Per-router hidden width. Defaults to 16.
        pos_weight (float): Weight of the positive targets. Defaults to 100
            (the CIFAR-100 config; class default 20).
        **kwargs: MultiExpertClsHead's other arguments (its ``loss`` is not
            used: the router stage trains with the routers' loss alone).
    """

    def __init__(self,
                 num_classes: int,
                 in_channels: int,
                 num_experts: int = 3,
                 top_k: int = 30,
                 hidden_channels: int = 16,
                 pos_weight: float = 100.0,
                 **kwargs) -> None:
        super().__init__(num_classes, in_channels, num_experts, **kwargs)
        if num_experts < 2:
            raise ValueError('a router needs at least two experts')
        if not 0 < top_k <= num_classes:
            raise ValueError(
                f'top_k must lie in 1..{num_classes}, got {top_k}')
        if pos_weight <= 0:
            raise ValueError(f'pos_weight must be positive, got {pos_weight}')
        self.top_k, self.pos_weight = top_k, pos_weight
        self.hidden_channels = hidden_channels
        self.routers = nn.ModuleDict(
            dict(
                hidden=nn.ModuleList(
                    nn.Linear(in_channels, hidden_channels)
                    for _ in range(num_experts - 1)),
                out=nn.Linear(hidden_channels + top_k, 1)))

    def router_logits(self, index: int, feat: Tensor,
                      mean_logits: Tensor) -> Tensor:
        """(B, ) score r_i of router ``index``."""
        x = self._pool(feat)
        x = x / x.norm(dim=1, keepdim=True)
        hidden = F.relu(self.routers['hidden'][index](x))
        top = mean_logits.topk(self.top_k, dim=1).values
        return self.routers['out'](torch.cat([top, hidden], 1)).flatten()

    def wants_next(self, index: int, feat: Tensor,
                   mean_logits: Tensor) -> Tensor:
        """Bool mask: run expert ``index + 1``."""
        return torch.sigmoid(self.router_logits(index, feat,
                                                mean_logits)) > 0.5

    def router_macs(self) -> List[int]:
        """Multiply-accumulates of each router for one sample."""
        per = self.in_channels * self.hidden_channels + \
            self.hidden_channels + self.top_k
        return [per] * (self.num_experts - 1)

    def loss(self, feats: Tuple[Tensor], data_samples: List[DataSample],
             **kwargs) -> dict:
        if 'gt_score' in data_samples[0]:
            raise ValueError('the router needs hard labels: turn batch '
                             'augmentations off in its training stage')
        labels = torch.cat([i.gt_label for i in data_samples])
        feats = self._features(feats)
        with torch.no_grad():
            expert_logits = [
                self.forward_expert(x, i) for i, x in enumerate(feats)
            ]
        targets = router_targets(expert_logits, labels)
        cumulative = torch.stack(expert_logits).cumsum(0)
        pos_weight = cumulative.new_tensor([self.pos_weight])
        loss = 0
        for i in range(self.num_experts - 1):
            r = self.router_logits(i, feats[i], cumulative[i] / (i + 1))
            loss = loss + F.binary_cross_entropy_with_logits(
                r, targets[:, i], pos_weight=pos_weight)
        return dict(loss_router=loss / (self.num_experts - 1))
