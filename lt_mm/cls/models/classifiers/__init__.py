from .routed_expert_classifier import RoutedExpertClassifier

__all__ = ['RoutedExpertClassifier']
