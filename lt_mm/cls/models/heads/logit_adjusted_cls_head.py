from typing import List, Optional, Tuple

from mmpretrain.models.heads import LinearClsHead
from mmpretrain.structures import DataSample
from torch import Tensor

from lt_mm.core import ClassCountsReceiver
from lt_mm.core.losses.logit_adjustment import adjust_logits, log_class_prior
from lt_mm.registry import MODELS


@MODELS.register_module()
class LogitAdjustedClsHead(ClassCountsReceiver, LinearClsHead):
    """Linear head with post-hoc logit adjustment (Menon et al., ICLR 2021):
    trained on the raw logits z (plain cross-entropy), it predicts
    ``argmax_j z_j - tau * log pi_j``.

    arXiv: https://arxiv.org/abs/2007.07314

    The class counts come from :class:`lt_mm.ClassStatisticsHook` and are
    kept in the ``class_counts`` buffer, so the checkpoint predicts without
    training data. Parameter names match LinearClsHead's.

    Args:
        num_classes (int): Number of classes, as in ``LinearClsHead``.
        in_channels (int): Input feature channels, as in ``LinearClsHead``.
        tau (float): Scale of the log prior. Defaults to 1.0.
        **kwargs: LinearClsHead's other arguments.
    """

    def __init__(self, num_classes: int, in_channels: int,
                 tau: float = 1.0, **kwargs) -> None:
        super().__init__(num_classes, in_channels, **kwargs)
        self.init_class_statistics(num_classes)
        self.tau = tau

    def adjusted_logits(self, feats: Tuple[Tensor]) -> Tensor:
        log_prior = log_class_prior(self.require_class_counts())
        return adjust_logits(self(feats), log_prior, -self.tau)

    def predict(self,
                feats: Tuple[Tensor],
                data_samples: Optional[List[Optional[DataSample]]] = None
                ) -> List[DataSample]:
        return self._get_predictions(self.adjusted_logits(feats),
                                     data_samples)
