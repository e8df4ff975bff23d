from .adaptive_class_suppression_loss import AdaptiveClassSuppressionLoss
from .equalization_loss import EqualizationLoss
from .equalization_loss_v2 import EqualizationLossV2
from .equalized_focal_loss import EqualizedFocalLoss
from .equilibrium_loss import EquilibriumLoss
from .federated_loss import FederatedLoss
from .group_softmax_loss import GroupSoftmaxLoss
from .norcal_calibration import NorCalCalibration
from .seesaw_loss import SeesawLoss

__all__ = [
    'AdaptiveClassSuppressionLoss', 'EqualizationLoss', 'EqualizationLossV2',
    'EqualizedFocalLoss', 'EquilibriumLoss', 'FederatedLoss',
    'GroupSoftmaxLoss', 'NorCalCalibration', 'SeesawLoss'
]
