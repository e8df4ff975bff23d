from typing import Optional

import torch
from torch import Tensor

from lt_mm.core import (ClassStatistics, ClassStatisticsReceiver,
                        at_least_float32)
from lt_mm.core.losses.federated import federated_bce, federated_classes
from lt_mm.registry import MODELS
from .roi_classification_loss import ClassSigmoidLoss


@MODELS.register_module()
class FederatedLoss(ClassStatisticsReceiver, ClassSigmoidLoss):
    """Federated Loss for an mmdet bbox head (Zhou, Koltun and Krähenbühl,
    "Probabilistic two-stage detection", 2021).

    arXiv: https://arxiv.org/abs/2103.07461

    The classifier outputs ``num_classes`` sigmoid logits, no background
    logit; a background RoI has an all-zero target. Each step trains the
    classes among the RoI labels and negatives drawn without replacement
    with probability proportional to ``image_count ** freq_weight``, until
    ``num_sample_cats`` indices, the background index included (see
    :mod:`lt_mm.core.losses.federated`); the other classes get no gradient.
    The loss is ``sum(BCE over the trained classes) / N_RoI``. Test scores
    are the sigmoids, nothing multiplied (the authors multiply by the first
    stage's score only in CenterNet2, whose first stage is a calibrated
    one-stage detector: ``MULT_PROPOSAL_SCORE``, False by default,
    xingyizhou/CenterNet2 centernet/config.py L55, set in
    configs/Base-CenterNet2.yaml L25), with background 0. The authors' head
    has a (C + 1)-th logit that the loss never trains and their inference
    drops (custom_fast_rcnn.py L108, detectron2's
    ``fast_rcnn_inference_single_image``); it is left out here. The
    classifier bias starts at the prior -log((1 - p) / p), p = 0.01
    (custom_fast_rcnn.py L33-L37, ``PRIOR_PROB`` centernet/config.py L47).

    The training image count of each class comes from
    :class:`lt_mm.ClassStatisticsHook` (the training set after filtering;
    the authors count the LVIS training annotations, Detic
    tools/get_lvis_cat_info.py) and is kept in the ``image_counts`` buffer.
    The draw uses torch's default generator of the logits' device, whose
    state ``lt_mm.RNGStateHook`` saves, so a resumed run draws what the
    uninterrupted one draws. Each GPU draws on its own RoIs by default, as
    in the authors' code; ``sync_ranks=True`` gives every rank the class set
    one process would draw on the whole global batch.

    Args:
        num_classes (int): Foreground classes. Defaults to 1203.
        num_sample_cats (int): Indices trained per step, the background
            index included, unless more are present (the authors'
            ``FED_LOSS_NUM_CAT``, centernet/config.py L53). Defaults to 50.
        freq_weight (float): Exponent of the image counts in the sampling
            weights (``FED_LOSS_FREQ_WEIGHT``, L54). Defaults to 0.5.
        sync_ranks (bool): Train the same classes on every rank: the union
            of the ranks' present classes plus negatives drawn from rank 0's
            random state. False keeps the authors' per-GPU draw. Defaults
            to False.
        loss_weight (float): Defaults to 1.0.
        reduction (str): 'mean' (over RoIs), 'sum' or 'none' (per RoI).
            Defaults to 'mean'.
        use_sigmoid (bool): The key of mmdet's ``loss_cls`` configs; the
            Federated Loss is a sigmoid loss and raises unless it is True.
            Defaults to True.
        prior_prob (float, optional): Prior p of the classifier bias, set
            when the head is initialised; None keeps the head's
            initialisation. Defaults to 0.01.
    """

    def __init__(self,
                 num_classes: int = 1203,
                 num_sample_cats: int = 50,
                 freq_weight: float = 0.5,
                 sync_ranks: bool = False,
                 loss_weight: float = 1.0,
                 reduction: str = 'mean',
                 use_sigmoid: bool = True,
                 prior_prob: Optional[float] = 0.01) -> None:
        super().__init__(num_classes, loss_weight, reduction, use_sigmoid,
                         prior_prob)
        if not isinstance(num_sample_cats, int) or num_sample_cats < 1:
            raise ValueError('num_sample_cats must be a positive integer, '
                             f'got {num_sample_cats}')
        if not freq_weight >= 0:
            raise ValueError(
                f'freq_weight must be non-negative, got {freq_weight}')
        self.num_sample_cats = num_sample_cats
        self.freq_weight = freq_weight
        self.sync_ranks = sync_ranks
        self.register_buffer('image_counts',
                             torch.zeros(num_classes, dtype=torch.float64))
        self.init_class_statistics(num_classes)

    def receive_class_statistics(self, stats: ClassStatistics) -> None:
        self.image_counts.copy_(
            torch.as_tensor(stats.image_counts, dtype=torch.float64))

    def trained_classes(self, labels: Tensor) -> Tensor:
        """The class set of this step, (C, ) bool."""
        self.require_statistics()
        # float32 as the authors' load_class_freq (fed_loss.py L10-L12)
        weights = self.image_counts.float().pow(self.freq_weight)
        return federated_classes(
            labels,
            weights,
            self.num_sample_cats,
            sync_ranks=self.sync_ranks)

    def forward(self,
                cls_score: Tensor,
                labels: Tensor,
                label_weights: Optional[Tensor] = None,
                avg_factor: Optional[float] = None,
                reduction_override: Optional[str] = None) -> Tensor:
        self.check_logits(cls_score)
        reduction = reduction_override or self.reduction
        logits = at_least_float32(cls_score)
        # called with an empty batch too: with sync_ranks every rank joins
        # the all-reduce
        trained = self.trained_classes(labels)
        loss = federated_bce(logits, labels, trained)
        return self.reduce_per_sample(loss, label_weights, reduction,
                                      avg_factor)
