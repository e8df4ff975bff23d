import numpy as np
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper

from lt_mm.core import ClassStatistics, ClassStatisticsReceiver
from lt_mm.registry import HOOKS, MODELS
from .samplers.dataset_labels import label_index, leaf_datasets


def dataset_class_statistics(dataset) -> ClassStatistics:
    """Class statistics of a training dataset, unwrapped and after filtering.

    Counts come from the samples the dataset actually serves (after
    ``filter_cfg``), each counted once however a wrapper repeats it. The LVIS
    ``frequency`` field is used when the dataset's metainfo carries it.
    """
    leaves = leaf_datasets(dataset)
    parts = [label_index(leaf) for leaf in leaves]
    sizes = np.concatenate([np.diff(offsets) for _, offsets in parts])
    if not len(sizes):
        raise ValueError('the training dataset is empty')
    offsets = np.zeros(len(sizes) + 1, dtype=np.int64)
    np.cumsum(sizes, out=offsets[1:])
    metainfo = leaves[0].metainfo
    if 'classes' not in metainfo:
        raise KeyError("the training dataset's metainfo has no 'classes'")
    return ClassStatistics.from_label_index(
        np.concatenate([labels for labels, _ in parts]),
        offsets,
        num_classes=len(metainfo['classes']),
        frequency=metainfo.get('frequency'))


@HOOKS.register_module()
class ClassStatisticsHook(Hook):
    """Hands the training set's class statistics to the modules that use them.

    Every submodule of the model that is a
    :class:`lt_mm.core.ClassStatisticsReceiver` receives one
    :class:`lt_mm.core.ClassStatistics` before training; it keeps what it
    needs as buffers, so checkpoints carry the statistics and testing needs
    no training data. A receiver, or another lt_mm model component (a type
    registered in lt_mm's ``MODELS``), whose ``num_classes`` disagrees with
    the dataset stops training here, naming both numbers.

    lt_mm's runtime bases register it as ``default_hooks.class_statistics``
    (merged by key, so configs that set ``custom_hooks`` keep it).
    """
    priority = 'VERY_HIGH'

    def before_train(self, runner) -> None:
        model = runner.model.module if is_model_wrapper(
            runner.model) else runner.model
        ours = set(MODELS.module_dict.values())
        receivers, checked = [], []
        for name, module in model.named_modules():
            if isinstance(module, ClassStatisticsReceiver):
                receivers.append((name, module))
            elif type(module) in ours and hasattr(module, 'num_classes'):
                checked.append((name, module))
        if not receivers and not checked:
            return
        stats = dataset_class_statistics(runner.train_dataloader.dataset)
        for name, module in checked:
            if module.num_classes != stats.num_classes:
                raise ValueError(
                    f'{type(module).__name__} ({name or "model"}) has '
                    f'num_classes={module.num_classes} but the training '
                    f'dataset has {stats.num_classes} classes')
        for name, module in receivers:
            try:
                module.set_class_statistics(stats)
            except ValueError as error:
                raise ValueError(f'{name or "model"}: {error}') from None
        if receivers:
            runner.logger.info(
                f'class statistics of {stats.num_classes} classes over '
                f'{stats.num_images} images handed to '
                f'{", ".join(name or "model" for name, _ in receivers)}')
