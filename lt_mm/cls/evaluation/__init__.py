from .expert_cost_metric import ExpertCostMetric
from .shot_accuracy_metric import ShotAccuracy

__all__ = ['ExpertCostMetric', 'ShotAccuracy']
