from typing import Sequence

import torch
from torch import Tensor

from lt_mm.core.test_time_aggregation import aggregate_expert_logits
from lt_mm.registry import MODELS
from .multi_expert_cls_head import MultiExpertClsHead


@MODELS.register_module()
class SADEClsHead(MultiExpertClsHead):
    """Multi-expert head of SADE (Zhang et al., "Self-Supervised Aggregation
    of Diverse Experts for Test-Agnostic Long-Tailed Recognition", NeurIPS
    2022): predicts with the experts' logits weighted by learned
    aggregation weights, ``z = sum_k softmax(w)_k z_k``.

    arXiv: https://arxiv.org/abs/2107.09249

    The raw weights w are the ``aggregation_weights`` buffer, all 1/3 (1 /
    ``num_experts``) until :class:`lt_mm.TestTimeAggregationHook` learns
    them on the test images before testing; equal weights give the
    experts' mean, the authors' prediction without test-time aggregation
    (Vanint/SADE-AgnosticLT, model/ldam_drw_resnets/expert_resnet_cifar.py
    L196). Training is :class:`lt_mm.MultiExpertClsHead`'s: the list of
    expert logits goes to :class:`lt_mm.SADELoss`.

    Args:
        num_classes (int): Number of classes.
        in_channels (int): Feature channels of an expert.
        num_experts (int): Number of experts. Defaults to 3.
        **kwargs: :class:`lt_mm.MultiExpertClsHead`'s other arguments
            (cosine, scale, loss, ...).
    """

    def __init__(self, num_classes: int, in_channels: int,
                 num_experts: int = 3, **kwargs) -> None:
        super().__init__(num_classes, in_channels, num_experts, **kwargs)
        self.register_buffer('aggregation_weights', torch.zeros(num_experts))
        self.reset_aggregation_weights()

    def reset_aggregation_weights(self) -> None:
        """All raw weights 1 / num_experts (the authors' start)."""
        self.aggregation_weights.fill_(1.0 / self.num_experts)

    def expert_weights(self) -> Tensor:
        """(num_experts, ) softmax(w), the weight of each expert."""
        return torch.softmax(self.aggregation_weights, dim=0)

    def aggregate(self, expert_logits: Sequence[Tensor]) -> Tensor:
        return aggregate_expert_logits(expert_logits,
                                       self.aggregation_weights)
