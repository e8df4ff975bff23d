from torch import Tensor

from lt_mm.core import ClassCountsReceiver
from lt_mm.core.losses.class_balanced_weights import class_balanced_weights
from lt_mm.core.losses.focal import sigmoid_focal_loss, softmax_focal_loss
from lt_mm.registry import MODELS
from .cls_loss import ClsLoss

LOSS_TYPES = ('softmax', 'sigmoid', 'focal')


@MODELS.register_module()
class ClassBalancedLoss(ClassCountsReceiver, ClsLoss):
    """Class-balanced loss (Cui et al., "Class-Balanced Loss Based on
    Effective Number of Samples", CVPR 2019).

    arXiv: https://arxiv.org/abs/1901.05555

    A sample of class y is weighted by ``w_y = (1 - beta) / (1 - beta^{n_y})``
    (normalised to sum C, see :mod:`lt_mm.core.losses.class_balanced_weights`)
    in one of the paper's three losses:

    - ``'softmax'``: ``-w_y log softmax(z)_y``;
    - ``'sigmoid'``: ``w_y * sum_k BCE(z_k, [k = y])``;
    - ``'focal'``: ``w_y * sum_k (1 - p_k)^gamma BCE(z_k, [k = y])`` (sigmoid
      focal loss; with uniform weights it is twice mmpretrain's
      ``FocalLoss(alpha=0.5)`` averaged over samples).

    The batch loss is ``sum_i L_i / N`` (L_i carrying w_y) for all three, as in the authors'
    code (richardaecn/class-balanced-loss, src/cifar_main.py: softmax
    L332-L335, ``tf.losses.softmax_cross_entropy`` with per-sample weights,
    whose default reduction divides by the number of non-zero weights, N;
    sigmoid L336-L340 and focal L262-L265 divide by the number of positive
    labels, N). LDAM-DRW's class-balanced re-weighting of the softmax
    ("Reweight", kaidic/LDAM-DRW cifar_train.py L192-L198 and L211) divides
    by the sum of the weights instead: ``normalize_by_weights=True``.

    The authors start the sigmoid and focal classifiers' bias at
    ``-log(C - 1)`` and exempt it from weight decay: see
    configs/cifar100_lt/resnet32_cb_sigmoid.py.

    Args:
        num_classes (int): Number of classes.
        beta (float): Defaults to 0.9999.
        loss_type (str): 'softmax', 'sigmoid' or 'focal'.
        gamma (float): Focusing parameter of 'focal'. Defaults to 1.0.
        loss_weight (float): Multiplies the loss. Defaults to 1.0.
        reduction (str): 'mean', 'sum' or 'none' (see :class:`ClsLoss`).
            Defaults to 'mean'.
        normalize_by_weights (bool): see :class:`ClsLoss`. Defaults to False
            (the authors' reduction).
    """

    def __init__(self,
                 num_classes: int,
                 beta: float = 0.9999,
                 loss_type: str = 'softmax',
                 gamma: float = 1.0,
                 loss_weight: float = 1.0,
                 reduction: str = 'mean',
                 normalize_by_weights: bool = False) -> None:
        super().__init__(loss_weight, reduction, normalize_by_weights)
        if loss_type not in LOSS_TYPES:
            raise ValueError(f'loss_type must be one of {LOSS_TYPES}, got '
                             f'{loss_type!r}')
        if not 0 <= beta < 1:
            raise ValueError(f'beta must lie in [0, 1), got {beta}')
        self.init_class_statistics(num_classes)
        self.beta, self.loss_type, self.gamma = beta, loss_type, gamma

    def class_weights(self) -> Tensor:
        return class_balanced_weights(self.require_class_counts(), self.beta)

    def sample_losses(self, cls_score: Tensor, target: Tensor) -> Tensor:
        weights = self.class_weights()
        if self.loss_type == 'softmax':
            return softmax_focal_loss(cls_score, target, 0.0, weights)
        gamma = self.gamma if self.loss_type == 'focal' else 0.0
        return sigmoid_focal_loss(cls_score, target, gamma, weights)
