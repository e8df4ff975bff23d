from typing import Optional

from torch import Tensor

from lt_mm.core.losses.class_balanced_weights import class_balanced_weights


class DeferredReweightingMixin:
    """Class-balanced weights that :class:`lt_mm.DRWHook` switches on
    (deferred re-weighting, Cao et al., NeurIPS 2019).

    arXiv: https://arxiv.org/abs/1906.07413

    The hook calls :meth:`set_deferred_reweighting` at every epoch from the
    epoch number, so a resumed run needs no state for it. The loss must
    also be a :class:`lt_mm.core.ClassCountsReceiver`.
    """

    drw_beta: Optional[float] = None

    def set_deferred_reweighting(self, beta: Optional[float]) -> None:
        """Class-balanced weights with ``beta`` from now on; None:
        uniform."""
        if beta is not None and not 0 <= beta < 1:
            raise ValueError(f'beta must lie in [0, 1), got {beta}')
        self.drw_beta = beta

    def class_weights(self) -> Optional[Tensor]:
        """The (C, ) class-balanced weights, or None before re-weighting."""
        if self.drw_beta is None:
            return None
        return class_balanced_weights(self.require_class_counts(),
                                      self.drw_beta)
