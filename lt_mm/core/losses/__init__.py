from .eql import eql_bce
from .eqlv2 import class_weighted_bce, eqlv2_gradient_sums, eqlv2_weights
from .seesaw import seesaw_logits

__all__ = [
    'class_weighted_bce', 'eql_bce', 'eqlv2_gradient_sums', 'eqlv2_weights', 'seesaw_logits'
]
