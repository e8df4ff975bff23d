from .distillation_classifier import DistillationClassifier
from .routed_expert_classifier import RoutedExpertClassifier

__all__ = ['DistillationClassifier', 'RoutedExpertClassifier']
