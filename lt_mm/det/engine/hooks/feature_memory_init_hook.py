from typing import Optional

import torch
from mmengine.dataset import ClassBalancedDataset, RepeatDataset
from mmengine.dist import get_dist_info
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from torch.utils.data import DataLoader

from lt_mm.core.feature_memory import ClassFeatureMemory
from lt_mm.core.sampling import class_balanced_image_list
from lt_mm.datasets.label_index import indexed_label_index
from lt_mm.registry import HOOKS
from ...models.roi_heads.loce_roi_head import NUM_JITTERED


@HOOKS.register_module()
class FeatureMemoryInitHook(Hook):
    """Fills the feature memories of a model before training (LOCE's memory
    initialiser, Feng et al., `Exploring Classification Equilibrium in
    Long-Tailed Object Detection <https://arxiv.org/abs/2108.07507>`_,
    ICCV 2021).

    arXiv: https://arxiv.org/abs/2108.07507

    Runs the model's training forward (``mode='loss'``) in eval mode and
    without gradients over a class-balanced pass of the training set, so
    that every class starts with a full queue, however rare:
    ``images_per_class`` images of every class on every rank
    (:func:`lt_mm.core.sampling.class_balanced_image_list`: each class's
    first images in dataset order, repeated in turn when it has fewer, the
    ranks taking every ``world_size``-th; images without instances form one
    more group). With the default, ``queue_size // 16`` images of a class,
    each giving 16 jittered boxes per instance, fill its queue. This is the
    authors' ``DistributedBalancedSampler`` with
    ``init_num_samples = queue_size // 16`` (fcjian/LOCE,
    mmdet/datasets/samplers/distributed_banlanced_sampler.py L18-L35,
    mmdet/apis/train.py L144-L153), run in eval mode through the training
    forward (mmdet/core/utils/initializer_hook.py L10-L13). As there, the
    pass also moves the mean scores of ``lt_mm.LOCERoIHead``, whose training
    forward updates them (fcjian/LOCE, mmdet/models/roi_heads/
    loce_roi_head.py L287), and every rank runs the same number of batches,
    so the mean scores' all-reduce stays in step.

    The images go through the training dataset's pipeline, in batches of the
    training dataloader's size, with its collate function, workers and
    worker seeding (random flips are as reproducible as training's).
    A dataset in ``RepeatDataset`` or ``ClassBalancedDataset`` is read
    through its inner dataset, each image once.

    The pass is skipped when every memory already holds features (restored
    from a checkpoint with ``persistent_memory=True``); a run resumed with
    non-persistent memories refills them here.

    Args:
        images_per_class (int, optional): Images of each class per rank.
            Defaults to None: the largest memory's ``queue_size // 16``
            (at least 1), 5 for LOCE's 80.
        max_iters (int, optional): Batches to run at most. Defaults to None,
            the whole pass.
        interval (int): Log progress every ``interval`` batches.
    """
    priority = 'LOW'

    def __init__(self,
                 images_per_class: Optional[int] = None,
                 max_iters: Optional[int] = None,
                 interval: int = 100) -> None:
        if images_per_class is not None and (
                int(images_per_class) != images_per_class
                or images_per_class < 1):
            raise ValueError('images_per_class must be a positive integer, '
                             f'got {images_per_class}')
        if max_iters is not None and max_iters < 1:
            raise ValueError(f'max_iters must be positive, got {max_iters}')
        self.images_per_class = images_per_class
        self.max_iters = max_iters
        self.interval = interval

    def build_dataloader(self, train_dataloader: DataLoader,
                         images_per_class: int) -> DataLoader:
        """A dataloader over this rank's share of the class-balanced pass,
        batched and collated like ``train_dataloader``."""
        dataset = train_dataloader.dataset
        while isinstance(dataset, (RepeatDataset, ClassBalancedDataset)):
            dataset = dataset.dataset
        rank, world_size = get_dist_info()
        indices = class_balanced_image_list(
            indexed_label_index(dataset, unique=True), images_per_class, rank,
            world_size)
        batch_size = train_dataloader.batch_size or getattr(
            train_dataloader.batch_sampler, 'batch_size', 1)
        return DataLoader(
            dataset,
            batch_size=batch_size,
            sampler=indices.tolist(),
            num_workers=train_dataloader.num_workers,
            collate_fn=train_dataloader.collate_fn,
            worker_init_fn=train_dataloader.worker_init_fn)

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
        images_per_class = self.images_per_class or max(
            1, max(m.queue_size for m in memories) // NUM_JITTERED)
        dataloader = self.build_dataloader(runner.train_dataloader,
                                           images_per_class)
        total = len(dataloader) if self.max_iters is None else min(
            self.max_iters, len(dataloader))
        runner.logger.info(
            f'feature memory initialisation: {len(dataloader.sampler)} '
            f'images, {images_per_class} of each class, per rank')
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
        full = sum(int((m.lengths == m.queue_size).sum()) for m in memories)
        classes = sum(m.num_classes for m in memories)
        runner.logger.info(
            f'feature memory holds features of {filled} / {classes} classes '
            f'({full} full)')
