from .bbn_classifier import BBNClassifier
from .routed_expert_classifier import RoutedExpertClassifier

__all__ = ['BBNClassifier', 'RoutedExpertClassifier']
