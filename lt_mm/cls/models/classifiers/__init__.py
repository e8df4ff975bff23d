from .bbn_classifier import BBNClassifier
from .distillation_classifier import DistillationClassifier
from .routed_expert_classifier import RoutedExpertClassifier

__all__ = [
    'BBNClassifier', 'DistillationClassifier', 'RoutedExpertClassifier'
]
