from .balanced_softmax_loss import BalancedSoftmaxLoss
from .class_balanced_loss import ClassBalancedLoss
from .class_balanced_softmax_bce_loss import ClassBalancedSoftmaxBCELoss
from .cls_loss import ClsLoss
from .equilibrium_loss import ClsEquilibriumLoss
from .group_softmax_loss import ClsGroupSoftmaxLoss
from .label_aware_smoothing_loss import LabelAwareSmoothingLoss
from .ldam_loss import LDAMLoss
from .logit_adjustment_loss import LogitAdjustmentLoss
from .multi_expert_loss import MultiExpertLoss
from .ride_loss import RIDELoss
from .sade_loss import SADELoss
from .seesaw_loss import ClsSeesawLoss
from .softmax_eql_loss import SoftmaxEQLLoss
from .softmax_focal_loss import SoftmaxFocalLoss
from .weighted_softmax_loss import WeightedSoftmaxLoss

__all__ = [
    'BalancedSoftmaxLoss', 'ClassBalancedLoss', 'ClassBalancedSoftmaxBCELoss',
    'ClsEquilibriumLoss',
    'ClsGroupSoftmaxLoss', 'ClsLoss', 'ClsSeesawLoss', 'LDAMLoss', 'LabelAwareSmoothingLoss',
    'LogitAdjustmentLoss', 'MultiExpertLoss', 'RIDELoss', 'SADELoss', 'SoftmaxEQLLoss', 'SoftmaxFocalLoss',
    'WeightedSoftmaxLoss'
]
