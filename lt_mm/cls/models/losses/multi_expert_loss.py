"""Base of the losses that see every expert's logits at once."""
from typing import Dict, Optional, Sequence, Union

import torch.nn as nn
from torch import Tensor


class MultiExpertLoss(nn.Module):
    """A loss over the logits of all experts of a multi-expert model.

    :class:`lt_mm.MultiExpertClsHead` calls an instance of this class (found
    by ``isinstance``) as

        ``loss(expert_logits, label, avg_factor=B)``

    with ``expert_logits`` a list of ``num_experts`` (B, C) tensors in expert
    order and ``label`` (B, ) class indices or (B, C) soft targets. It
    returns a scalar, or a dict of named scalars that the head logs (their
    sum is what the optimiser minimises, mmengine's ``parse_losses``). Any
    other loss module is applied to each expert's logits and the results
    are summed.
    """

    def forward(self,
                expert_logits: Sequence[Tensor],
                label: Tensor,
                avg_factor: Optional[float] = None
                ) -> Union[Tensor, Dict[str, Tensor]]:
        raise NotImplementedError
