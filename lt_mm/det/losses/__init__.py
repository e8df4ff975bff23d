from .equalization_loss import EqualizationLoss
from .equalization_loss_v2 import EqualizationLossV2
from .seesaw_loss import SeesawLoss

__all__ = ['EqualizationLoss', 'EqualizationLossV2', 'SeesawLoss']
