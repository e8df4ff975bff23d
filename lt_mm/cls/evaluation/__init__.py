from .shot_accuracy_metric import ShotAccuracy

__all__ = ['ShotAccuracy']
