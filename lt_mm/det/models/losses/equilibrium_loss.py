from contextlib import contextmanager
from typing import Iterator, Optional

from torch import Tensor

from lt_mm.core.losses.equilibrium import equilibrium_loss
from lt_mm.core.losses.long_tailed_loss import LongTailedLoss
from lt_mm.registry import MODELS


@MODELS.register_module()
class EquilibriumLoss(LongTailedLoss):
    """Equilibrium loss of LOCE for an mmdet bbox head (Feng et al.,
    "Exploring Classification Equilibrium in Long-Tailed Object Detection",
    ICCV 2021).

    arXiv: https://arxiv.org/abs/2108.07507

    Cross-entropy of ``softmax(z + log m)``, i.e. ``p_j = m_j e^{z_j} /
    sum_k m_k e^{z_k}``, over the C + 1 logits (background last), where
    ``m`` are the running mean classification scores kept by
    :class:`lt_mm.LOCERoIHead`. The head hands them over for its loss call
    (:meth:`mean_score_bound`) or a caller passes ``mean_score``. The
    classifier's layout, test-time scores (plain softmax) and accuracy are
    mmdet's defaults.

    Args:
        num_classes (int): Foreground classes C (1203 for LVIS v1).
        loss_weight (float): Defaults to 1.0.
        reduction (str): 'mean', 'sum' or 'none'. Defaults to 'mean'.
        use_sigmoid (bool): The key of mmdet's ``loss_cls`` configs; the
            equilibrium loss is a softmax loss and raises unless it is False.
            Defaults to False.
    """
    extra_channels = 1  # background
    # a softmax loss in mmdet's own classifier layout, scores and accuracy:
    # it needs none of RoIClassificationLoss's bbox-head protocol
    use_sigmoid = False

    def __init__(self,
                 num_classes: int = 1203,
                 loss_weight: float = 1.0,
                 reduction: str = 'mean',
                 use_sigmoid: bool = False) -> None:
        super().__init__(num_classes, loss_weight, reduction)
        if use_sigmoid:
            raise ValueError('EquilibriumLoss is a softmax loss: it needs '
                             'use_sigmoid=False')
        self._mean_score: Optional[Tensor] = None

    @contextmanager
    def mean_score_bound(self, mean_score: Tensor) -> Iterator[None]:
        """Use ``mean_score`` in the calls made inside the ``with`` block
        (mmdet's ``BBoxHead.loss`` passes no extra arguments to its
        ``loss_cls``)."""
        previous, self._mean_score = self._mean_score, mean_score
        try:
            yield
        finally:
            self._mean_score = previous

    def forward(self,
                cls_score: Tensor,
                labels: Tensor,
                label_weights: Optional[Tensor] = None,
                avg_factor: Optional[float] = None,
                reduction_override: Optional[str] = None,
                mean_score: Optional[Tensor] = None) -> Tensor:
        """
        Args:
            cls_score (Tensor): (N, C + 1) logits.
            labels (Tensor): (N,) labels in [0, C], C the background.
            label_weights (Tensor, optional): (N,) sample weights.
            mean_score (Tensor, optional): (C + 1,) mean scores; by default
                the ones bound by :meth:`mean_score_bound`.
        """
        if mean_score is None:
            mean_score = self._mean_score
        if mean_score is None:
            raise RuntimeError(
                'EquilibriumLoss needs the mean classification scores: use '
                "it in a bbox head of roi_head=dict(type='lt_mm.LOCERoIHead')"
                ' or pass mean_score')
        self.check_logits(cls_score)
        loss = equilibrium_loss(cls_score, labels,
                                mean_score.to(cls_score.device))
        if label_weights is not None:
            label_weights = label_weights.float()
        return self.reduce_per_sample(loss, label_weights,
                                      reduction_override or self.reduction,
                                      avg_factor)
