from typing import List, Optional

import torch
from mmpretrain.models.classifiers import ImageClassifier
from mmpretrain.structures import DataSample
from torch import Tensor

from lt_mm.core.expert_routing import (count_macs, routed_cost,
                                       routed_mean_logits)
from lt_mm.registry import MODELS


@MODELS.register_module()
class RoutedExpertClassifier(ImageClassifier):
    """Image classifier with RIDE's routed inference (Wang et al., ICLR
    2021, Sec. 3.3).

    arXiv: https://arxiv.org/abs/2010.01809

    Training is ``ImageClassifier``'s (the head's loss: the routers' with
    :class:`lt_mm.ExpertRouterClsHead`). At test time the shared part runs
    once and expert k + 1 only on the samples that reached expert k and
    whose router asks for it (:func:`lt_mm.core.expert_routing.
    routed_mean_logits`); the prediction is the mean logits of the experts
    a sample went through. Each predicted sample carries ``num_experts``
    and ``gflops``, its cost in multiply-accumulates of the convolutions and
    linear layers (1e9 MACs, the "GFLOPs" of RIDE's tables, counted once on
    one sample of the test input size); :class:`lt_mm.ExpertCostMetric`
    averages them. ``routing=False`` runs every expert on every sample
    (the plain RIDE model) and reports its cost the same way.

    Needs a backbone with ``forward_shared`` / ``forward_expert`` /
    ``shared_modules`` / ``expert_modules`` (:class:`lt_mm.MultiExpertCIFARResNet`,
    :class:`lt_mm.MultiExpertResNeXt`) and :class:`lt_mm.ExpertRouterClsHead`
    (or, with ``routing=False``, :class:`lt_mm.MultiExpertClsHead`).

    Args:
        routing (bool): Routed inference. Defaults to True.
        **kwargs: ImageClassifier's arguments.
    """

    def __init__(self, *args, routing: bool = True, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for name in ('forward_shared', 'forward_expert', 'shared_modules',
                     'expert_modules'):
            if not callable(getattr(self.backbone, name, None)):
                raise TypeError(
                    f'{type(self).__name__} needs a multi-expert backbone '
                    f'with {name}() (lt_mm.MultiExpertCIFARResNet or '
                    f'lt_mm.MultiExpertResNeXt), got '
                    f'{type(self.backbone).__name__}')
        if routing and not callable(getattr(self.head, 'wants_next', None)):
            raise TypeError('routed inference needs lt_mm.ExpertRouterClsHead'
                            f', got {type(self.head).__name__}')
        self.routing = routing
        self._costs = {}

    def _expert_feature(self, shared: Tensor, index: int) -> Tensor:
        feat = self.backbone.forward_expert(shared, index)
        if self.with_neck:
            feat = self.neck(feat)
        return feat

    def costs(self, inputs: Tensor):
        """(shared, per-expert, per-router) MACs for one sample of the
        inputs' size, counted once per size."""
        key = tuple(inputs.shape[1:])
        if key not in self._costs:
            one = inputs[:1]
            parts = [*self.backbone.shared_modules()]
            experts = [
                list(self.backbone.expert_modules(k))
                for k in range(self.head.num_experts)
            ]
            with torch.no_grad():
                shared_macs = count_macs(
                    lambda: self.backbone.forward_shared(one), parts)
                shared = self.backbone.forward_shared(one)
                expert_macs = [
                    sum(count_macs(
                        lambda k=k: self.backbone.forward_expert(shared, k),
                        modules))
                    for k, modules in enumerate(experts)
                ]
            classifier = self.head.in_channels * self.head.num_classes
            routers = self.head.router_macs() if self.routing else \
                [0] * (self.head.num_experts - 1)
            self._costs[key] = (sum(shared_macs),
                                [m + classifier for m in expert_macs],
                                routers)
        return self._costs[key]

    def predict(self,
                inputs: Tensor,
                data_samples: Optional[List[DataSample]] = None,
                **kwargs) -> List[DataSample]:
        shared = self.backbone.forward_shared(inputs)
        num = len(inputs)
        if self.routing:

            def run_expert(k, rows):
                feat = self._expert_feature(shared[rows.to(shared.device)], k)
                feat = feat[0] if isinstance(feat, tuple) else feat
                return feat, self.head.forward_expert(feat, k)

            logits, counts = routed_mean_logits(self.head.num_experts, num,
                                                run_expert,
                                                self.head.wants_next)
        else:
            feats = tuple(
                self._expert_feature(shared, k)
                for k in range(self.head.num_experts))
            logits = self.head(feats)
            counts = torch.full((num, ), self.head.num_experts,
                                dtype=torch.long)
        shared_macs, expert_macs, router_macs = self.costs(inputs)
        gflops = routed_cost(counts, shared_macs, expert_macs,
                             router_macs) / 1e9
        samples = self.head._get_predictions(logits, data_samples)
        for sample, n, g in zip(samples, counts.tolist(), gflops.tolist()):
            sample.set_field(n, 'num_experts', field_type='metainfo')
            sample.set_field(g, 'gflops', field_type='metainfo')
        return samples
