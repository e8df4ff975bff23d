"""Loss math of every method; detection and classification adapters share
these functions."""
from .acsl import acsl_bce, acsl_weights
from .class_balanced_weights import (class_balanced_weights,
                                     inverse_frequency_weights)
from .eql import eql_bce
from .eqlv2 import class_weighted_bce, eqlv2_gradient_sums, eqlv2_weights
from .equalized_focal import (efl_focusing_factors, efl_gradient_sums,
                              equalized_focal_loss)
from .equilibrium import (equilibrium_logits, equilibrium_loss,
                          mean_score_statistics, update_mean_score)
from .federated import (federated_bce, federated_classes, present_classes,
                        sampling_keys, select_federated_classes)
from .focal import sigmoid_focal_loss, softmax_focal_loss
from .group_softmax import (group_of_classes, group_softmax_losses,
                            group_softmax_probabilities)
from .label_aware_smoothing import (label_aware_smoothing_factors,
                                    label_aware_smoothing_loss)
from .ldam import ldam_loss, ldam_margins
from .long_tailed_loss import LongTailedLoss
from .logit_adjustment import adjust_logits, log_class_prior
from .ride import ride_diversity, ride_diversity_temperatures
from .sade import reversed_rank_prior, sade_expert_logits, sade_loss
from .seesaw import seesaw_logits
from .soft_target import as_soft_target, soft_cross_entropy
from .softmax_eql import softmax_eql_loss, tail_classes
from .weighted_reduction import (class_weighted_mean, label_weights,
                                 reduce_class_weighted, weight_reduce_loss)

__all__ = [
    'LongTailedLoss', 'acsl_bce', 'acsl_weights', 'adjust_logits',
    'as_soft_target', 'class_balanced_weights', 'class_weighted_bce',
    'class_weighted_mean', 'efl_focusing_factors', 'efl_gradient_sums',
    'eql_bce', 'eqlv2_gradient_sums', 'eqlv2_weights',
    'equalized_focal_loss', 'equilibrium_logits', 'equilibrium_loss',
    'federated_bce', 'federated_classes', 'group_of_classes',
    'group_softmax_losses',
    'group_softmax_probabilities', 'inverse_frequency_weights',
    'label_aware_smoothing_factors', 'label_aware_smoothing_loss',
    'label_weights', 'ldam_loss', 'ldam_margins', 'log_class_prior',
    'mean_score_statistics', 'present_classes', 'reduce_class_weighted',
    'ride_diversity', 'ride_diversity_temperatures',
    'reversed_rank_prior', 'sade_expert_logits', 'sade_loss', 'sampling_keys', 'seesaw_logits', 'select_federated_classes',
    'sigmoid_focal_loss', 'soft_cross_entropy', 'softmax_eql_loss',
    'softmax_focal_loss', 'tail_classes', 'update_mean_score',
    'weight_reduce_loss'
]
