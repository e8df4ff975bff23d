"""Top-1 and many / medium / few-shot accuracy for mmpretrain evaluators."""
import copy
from typing import Dict, List, Optional, Sequence, Union

import numpy as np
from mmengine.evaluator import BaseMetric
from mmpretrain.registry import DATASETS

from lt_mm.core import ClassStatistics
from lt_mm.core.shot_accuracy import (SHOT_GROUPS, relative_accuracy,
                                      shot_accuracy)
from lt_mm.datasets import dataset_class_statistics
from lt_mm.engine.class_statistics_metric import ClassStatisticsMetric
from lt_mm.registry import METRICS


def _without_pipelines(cfg: dict) -> dict:
    """A copy of a dataset config whose datasets, wrapped ones included, have
    no transforms: only the annotations are counted."""
    cfg = copy.deepcopy(cfg)
    stack = [cfg]
    while stack:
        node = stack.pop()
        if 'pipeline' in node:
            node['pipeline'] = []
        if isinstance(node.get('dataset'), dict):
            stack.append(node['dataset'])
        stack.extend(
            d for d in node.get('datasets', ()) if isinstance(d, dict))
    return cfg


@METRICS.register_module()
class ShotAccuracy(ClassStatisticsMetric, BaseMetric):
    """Top-1 accuracy, many / medium / few-shot accuracy and, given a balanced
    reference, the relative accuracy of Zhang et al.'s survey (TPAMI 2023).

    Classes are grouped by their number of training samples n_c: many
    (n_c > ``many_threshold``), medium, few (n_c < ``few_threshold``); a
    group's accuracy is the mean per-class accuracy of its classes (see
    :func:`lt_mm.core.shot_accuracy.shot_accuracy`). The counts are
    ``train_counts`` when given. Otherwise, while a runner trains, they are
    the instance counts of the runner's own training dataset, which
    :class:`lt_mm.ClassStatisticsHook` hands over
    (:class:`lt_mm.engine.ClassStatisticsMetric`); without training they
    come from counting ``train_dataset`` (unwrapped, once, the first time
    the metric is computed), so a plain ``tools/test.py`` run needs only the
    training annotations, no training.

    Reported keys (percent): ``{prefix}/top1``, ``/many``, ``/medium``,
    ``/few`` (NaN for a group without classes) and, with
    ``reference_accuracy``, ``/relative`` = 100 * top1 / A_u.

    Args:
        train_dataset (dict | Dataset, optional): Config (or instance) of the
            training dataset; typically ``train_dataloader['dataset']``,
            built only when no training run handed the statistics over.
        train_counts (Sequence[int], optional): Training samples per class,
            instead of ``train_dataset``.
        many_threshold (float): Classes with more training samples are
            many-shot. Default 100.
        few_threshold (float): Classes with fewer are few-shot. Default 20.
        reference_accuracy (float | Sequence[float], optional): The upper
            reference accuracy A_u in percent, or (A_v, A_b): the balanced-set
            accuracies of the cross-entropy backbone and of the method, whose
            maximum is A_u.
        collect_device (str): 'cpu' or 'gpu', for collecting results.
        prefix (str, optional): Key prefix. Default 'lt'.
    """
    default_prefix: Optional[str] = 'lt'

    def __init__(self,
                 train_dataset: Union[dict, object, None] = None,
                 train_counts: Optional[Sequence[int]] = None,
                 many_threshold: float = 100,
                 few_threshold: float = 20,
                 reference_accuracy: Union[float, Sequence[float],
                                           None] = None,
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None):
        super().__init__(collect_device=collect_device, prefix=prefix)
        if (train_dataset is None) == (train_counts is None):
            raise ValueError('ShotAccuracy needs exactly one of '
                             'train_dataset and train_counts')
        if not few_threshold <= many_threshold:
            raise ValueError(f'few_threshold ({few_threshold}) must not '
                             f'exceed many_threshold ({many_threshold})')
        if reference_accuracy is not None:
            relative_accuracy(1.0, reference_accuracy)  # validates it
        self.train_dataset = train_dataset
        self._train_counts = (None if train_counts is None else np.asarray(
            train_counts, dtype=np.int64))
        self.many_threshold = many_threshold
        self.few_threshold = few_threshold
        self.reference_accuracy = reference_accuracy

    @property
    def train_counts(self) -> np.ndarray:
        """Training samples per class."""
        if self._train_counts is not None:
            return self._train_counts
        return self.class_statistics.instance_counts

    def count_training_set(self) -> ClassStatistics:
        """Build ``train_dataset`` without transforms and count it."""
        dataset = self.train_dataset
        if isinstance(dataset, dict):
            dataset = DATASETS.build(_without_pipelines(dataset))
        return dataset_class_statistics(dataset)

    def process(self, data_batch, data_samples: Sequence[dict]) -> None:
        for sample in data_samples:
            if 'pred_label' in sample:
                pred = int(sample['pred_label'].reshape(-1)[0])
            else:
                pred = int(sample['pred_score'].argmax())
            self.results.append((pred, int(sample['gt_label'].reshape(-1)[0])))

    def compute_metrics(self, results: List) -> Dict[str, float]:
        counts = self.train_counts
        classes = (self.dataset_meta or {}).get('classes')
        if classes is not None and len(classes) != len(counts):
            raise ValueError(f'the test set has {len(classes)} classes but '
                             f'the training counts cover {len(counts)}')
        pred, gt = np.asarray(results, dtype=np.int64).reshape(-1, 2).T
        metrics = shot_accuracy(pred, gt, counts, self.many_threshold,
                                self.few_threshold)
        if self.reference_accuracy is not None:
            metrics['relative'] = relative_accuracy(metrics['top1'],
                                                    self.reference_accuracy)
        return {k: metrics[k] for k in ('top1', ) + SHOT_GROUPS +
                (('relative', ) if 'relative' in metrics else ())}
