from .seesaw_loss import SeesawLoss

__all__ = ['SeesawLoss']
