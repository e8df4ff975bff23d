from typing import List

from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper

from lt_mm.core import ClassStatistics
from lt_mm.registry import HOOKS


def _leaf_datasets(dataset) -> List:
    """Unwrap repeat / class-balanced / concat wrappers to the real datasets,
    whose samples each appear once."""
    if hasattr(dataset, 'datasets'):
        return [leaf for d in dataset.datasets for leaf in _leaf_datasets(d)]
    if hasattr(dataset, 'dataset'):
        return _leaf_datasets(dataset.dataset)
    return [dataset]


def _labels(data_info: dict) -> list:
    if 'instances' in data_info:  # mmdet: kept instances of an image
        return [
            inst['bbox_label'] for inst in data_info['instances']
            if not inst.get('ignore_flag', 0)
        ]
    if 'gt_label' in data_info:  # mmpretrain: one sample
        label = data_info['gt_label']
        return list(label) if hasattr(label, '__len__') else [label]
    raise KeyError("data info has neither 'instances' (detection) nor "
                   "'gt_label' (classification)")


def dataset_class_statistics(dataset) -> ClassStatistics:
    """Class statistics of a training dataset, unwrapped and after filtering.

    Counts come from the samples the dataset actually serves (after
    ``filter_cfg``), each counted once however a wrapper repeats it. The LVIS
    ``frequency`` field is used when the dataset's metainfo carries it.
    """
    leaves = _leaf_datasets(dataset)
    labels_per_image = []
    for leaf in leaves:
        if hasattr(leaf, 'full_init'):
            leaf.full_init()
        labels_per_image += [
            _labels(leaf.get_data_info(i)) for i in range(len(leaf))
        ]
    if not labels_per_image:
        raise ValueError('the training dataset is empty')
    metainfo = leaves[0].metainfo
    if 'classes' not in metainfo:
        raise KeyError("the training dataset's metainfo has no 'classes'")
    return ClassStatistics.from_labels(
        labels_per_image,
        num_classes=len(metainfo['classes']),
        frequency=metainfo.get('frequency'))


@HOOKS.register_module()
class ClassStatisticsHook(Hook):
    """Hands the training set's class statistics to the modules that use them.

    Every submodule of the model with a ``set_class_statistics(stats)`` method
    receives one :class:`lt_mm.core.ClassStatistics` before training. Such a
    module stores what it needs as buffers, so checkpoints carry the
    statistics and testing needs no training data. A receiver or lt_mm
    component whose ``num_classes`` disagrees with the dataset stops training
    here, naming both numbers.
    """
    priority = 'VERY_HIGH'

    def before_train(self, runner) -> None:
        model = runner.model.module if is_model_wrapper(
            runner.model) else runner.model
        receivers, checked = [], []
        for name, module in model.named_modules():
            if callable(getattr(module, 'set_class_statistics', None)):
                receivers.append((name, module))
            if type(module).__module__.startswith('lt_mm.') and hasattr(
                    module, 'num_classes'):
                checked.append((name, module))
        if not receivers and not checked:
            return
        stats = dataset_class_statistics(runner.train_dataloader.dataset)
        for name, module in receivers + checked:
            if module.num_classes != stats.num_classes:
                raise ValueError(
                    f'{type(module).__name__} ({name or "model"}) has '
                    f'num_classes={module.num_classes} but the training '
                    f'dataset has {stats.num_classes} classes')
        for name, module in receivers:
            module.set_class_statistics(stats)
        if receivers:
            runner.logger.info(
                f'class statistics of {stats.num_classes} classes over '
                f'{stats.num_images} images handed to '
                f'{", ".join(name or "model" for name, _ in receivers)}')
