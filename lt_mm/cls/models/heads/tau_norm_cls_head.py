from typing import List, Optional, Tuple

import torch.nn.functional as F
from mmpretrain.models.heads import LinearClsHead
from mmpretrain.structures import DataSample
from torch import Tensor

from lt_mm.registry import MODELS


@MODELS.register_module()
class TauNormClsHead(LinearClsHead):
    """Linear head whose predictions use tau-normalised weights (Kang et al.,
    "Decoupling Representation and Classifier for Long-Tailed Recognition",
    ICLR 2020): ``w_j / ||w_j||^tau``.

    arXiv: https://arxiv.org/abs/1910.09217

    Training (``loss``) uses the plain linear classifier; ``predict``
    rescales the weights, so a model trained with cross-entropy is tested with
    tau-norm by loading its checkpoint into this head (the parameter names
    match LinearClsHead's). tau = 0 is the plain classifier, tau = 1 fully
    normalised weights. The bias is dropped at prediction, as in the paper's
    bias-free classifier, unless ``keep_bias``.

    Args:
        num_classes (int): Number of classes, as in ``LinearClsHead``.
        in_channels (int): Input feature channels, as in ``LinearClsHead``.
        tau (float): Defaults to 1.0 (choose it on a validation set).
        keep_bias (bool): Add the bias at prediction. Defaults to False.
        **kwargs: LinearClsHead's other arguments.
    """

    def __init__(self, num_classes: int, in_channels: int,
                 tau: float = 1.0, keep_bias: bool = False,
                 **kwargs) -> None:
        super().__init__(num_classes, in_channels, **kwargs)
        if tau < 0:
            raise ValueError(f'tau must be non-negative, got {tau}')
        self.tau, self.keep_bias = tau, keep_bias

    def normalised_logits(self, feats: Tuple[Tensor]) -> Tensor:
        w = self.fc.weight
        # a class whose weights are all zero stays zero
        w = w / w.norm(dim=1, keepdim=True).clamp(min=1e-12).pow(self.tau)
        bias = self.fc.bias if self.keep_bias else None
        return F.linear(self.pre_logits(feats), w, bias)

    def predict(self,
                feats: Tuple[Tensor],
                data_samples: Optional[List[Optional[DataSample]]] = None
                ) -> List[DataSample]:
        return self._get_predictions(self.normalised_logits(feats),
                                     data_samples)
