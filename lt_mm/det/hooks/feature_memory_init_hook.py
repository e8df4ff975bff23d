from typing import Optional

import torch
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper

from lt_mm.core.feature_memory import ClassFeatureMemory
from lt_mm.registry import HOOKS


@HOOKS.register_module()
class FeatureMemoryInitHook(Hook):
    """Fills the feature memories of a model before training (LOCE's memory
    initialiser, Feng et al., ICCV 2021).

    Runs the model's training forward (``mode='loss'``) in eval mode and
    without gradients over the training dataloader, once through by default
    (``max_iters`` caps it), so that every class seen in the data has stored
    features when the first sampling step draws it. As in the authors' code,
    this pass also moves the mean scores of ``lt_mm.LOCERoIHead``, whose
    training forward updates them.

    The pass is skipped when every memory already holds features (restored
    from a checkpoint with ``persistent_memory=True``); a run resumed with
    non-persistent memories refills them here.

    Args:
        max_iters (int, optional): Batches to run at most. Defaults to None,
            the whole dataloader.
        interval (int): Log progress every ``interval`` batches.
    """
    priority = 'LOW'

    def __init__(self, max_iters: Optional[int] = None,
                 interval: int = 100) -> None:
        if max_iters is not None and max_iters < 1:
            raise ValueError(f'max_iters must be positive, got {max_iters}')
        self.max_iters = max_iters
        self.interval = interval

    def before_train(self, runner) -> None:
        model = runner.model.module if is_model_wrapper(
            runner.model) else runner.model
        memories = [
            m for m in model.modules() if isinstance(m, ClassFeatureMemory)
        ]
        if not memories:
            raise RuntimeError(
                'FeatureMemoryInitHook found no feature memory in '
                f'{type(model).__name__}: use it with '
                "roi_head=dict(type='lt_mm.LOCERoIHead')")
        if not any(memory.is_empty() for memory in memories):
            runner.logger.info('feature memory restored, not refilled')
            return
        dataloader = runner.train_dataloader
        total = len(dataloader) if self.max_iters is None else min(
            self.max_iters, len(dataloader))
        was_training = model.training
        model.eval()
        # the unwrapped model: DDP's forward would wait for a backward
        with torch.no_grad():
            for i, data_batch in enumerate(dataloader):
                if i == total:
                    break
                data = model.data_preprocessor(data_batch, True)
                model._run_forward(data, mode='loss')
                if (i + 1) % self.interval == 0 or i + 1 == total:
                    runner.logger.info(
                        f'feature memory initialisation: {i + 1} / {total}')
        model.train(was_training)
        filled = sum(int((m.lengths > 0).sum()) for m in memories)
        classes = sum(m.num_classes for m in memories)
        runner.logger.info(
            f'feature memory holds features of {filled} / {classes} classes')
