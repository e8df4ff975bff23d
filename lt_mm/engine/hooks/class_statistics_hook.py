import copy

from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmengine.registry import DATASETS

from lt_mm.core import ClassStatisticsReceiver
from lt_mm.datasets import dataset_class_statistics
from lt_mm.registry import HOOKS, MODELS
from ..class_statistics_metric import ClassStatisticsMetric


def _validation_metrics(runner) -> list:
    """The metrics of the runner's validation evaluator, if it has one."""
    evaluator = getattr(getattr(runner, 'val_loop', None), 'evaluator', None)
    return list(getattr(evaluator, 'metrics', ()))


@HOOKS.register_module()
class ClassStatisticsHook(Hook):
    """Hands the training set's class statistics to the modules that use them.

    Every submodule of the model that is a
    :class:`lt_mm.core.ClassStatisticsReceiver` receives one
    :class:`lt_mm.core.ClassStatistics` before training; it keeps what it
    needs as buffers, so checkpoints carry the statistics and testing needs
    no training data. A receiver, or another lt_mm model component (a type
    registered in lt_mm's ``MODELS``), whose ``num_classes`` disagrees with
    the dataset stops training here, naming both numbers. Validation metrics
    that are a :class:`lt_mm.engine.ClassStatisticsMetric` receive the same
    statistics, so they need not build the training set again.

    Before validation or testing, receivers that still have no statistics
    (a checkpoint trained without them; a test-time component such as
    ``lt_mm.NorCalCalibration``, whose statistics are derived, not saved)
    receive those of the config's training set (``train_dataloader.dataset``,
    built for it), so ``tools/test.py`` gives them the numbers training
    would have.

    lt_mm's runtime bases register it as ``default_hooks.class_statistics``
    (merged by key, so configs that set ``custom_hooks`` keep it).
    """
    priority = 'VERY_HIGH'

    def before_train(self, runner) -> None:
        model = _unwrapped(runner.model)
        ours = set(MODELS.module_dict.values())
        receivers, checked = [], []
        for name, module in model.named_modules():
            if isinstance(module, ClassStatisticsReceiver):
                receivers.append((name, module))
            elif type(module) in ours and hasattr(module, 'num_classes'):
                checked.append((name, module))
        metrics = [
            metric for metric in _validation_metrics(runner)
            if isinstance(metric, ClassStatisticsMetric)
        ]
        if not receivers and not checked and not metrics:
            return
        stats = dataset_class_statistics(runner.train_dataloader.dataset)
        for name, module in checked:
            if module.num_classes != stats.num_classes:
                raise ValueError(
                    f'{type(module).__name__} ({name or "model"}) has '
                    f'num_classes={module.num_classes} but the training '
                    f'dataset has {stats.num_classes} classes')
        _hand_over(runner, receivers, stats)
        for metric in metrics:
            metric.set_class_statistics(stats)

    def before_val(self, runner) -> None:
        self._complete(runner)

    def before_test(self, runner) -> None:
        self._complete(runner)

    def _complete(self, runner) -> None:
        receivers = [
            (name, module)
            for name, module in _unwrapped(runner.model).named_modules()
            if isinstance(module, ClassStatisticsReceiver)
            and not bool(module.has_statistics)
        ]
        if not receivers:
            return
        dataset = (runner.cfg.get('train_dataloader', None) or {}).get(
            'dataset', None)
        if dataset is None:
            raise RuntimeError(
                f'{", ".join(name or "model" for name, _ in receivers)} '
                'need the class statistics of the training set, which the '
                'checkpoint does not carry: the config needs a '
                'train_dataloader.dataset to count them')
        if isinstance(dataset, dict):
            dataset = DATASETS.build(copy.deepcopy(dataset))
        _hand_over(runner, receivers, dataset_class_statistics(dataset))


def _unwrapped(model):
    return model.module if is_model_wrapper(model) else model


def _hand_over(runner, receivers: list, stats) -> None:
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
