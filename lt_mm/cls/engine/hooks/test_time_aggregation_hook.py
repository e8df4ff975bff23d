import copy
from typing import List, Optional

import torch
from mmengine.dist import get_world_size
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper

from lt_mm.core import all_reduce_sum
from lt_mm.core.test_time_aggregation import learn_aggregation_weights
from lt_mm.registry import HOOKS


@HOOKS.register_module()
class TestTimeAggregationHook(Hook):
    """SADE's test-time self-supervised aggregation (Zhang et al.,
    "Self-Supervised Aggregation of Diverse Experts for Test-Agnostic
    Long-Tailed Recognition", NeurIPS 2022), run by ``tools/test.py`` before
    testing.

    arXiv: https://arxiv.org/abs/2107.09249

    Before the test loop, the test images (their labels unused) are read
    with ``pipeline``, which must give two augmented views of each image
    (mmpretrain's ``MultiView`` with ``num_views=2``, then ``PackInputs``).
    With the model frozen in eval mode, the aggregation weights of every
    :class:`lt_mm.SADEClsHead` are reset to 1/3 and learned by SGD on the
    prediction stability between the two views, at most ``max_epochs``
    passes over the shuffled test set, stopping after a pass in which a
    rounded expert weight fell below 0.05 (see
    :mod:`lt_mm.core.test_time_aggregation`; the authors'
    test_training_cifar.py L312-L320, L344-L386). The test then predicts
    with the learned weights, which the log lists after each pass.

    Under distributed testing each rank reads its shard of every batch
    (``batch_size`` images a rank) and the weights' gradient is averaged
    over ranks, so all ranks learn the same weights; the authors' batch
    of 128 is the total over their GPUs.

    Args:
        pipeline (list[dict]): The two-view pipeline of the test images.
        batch_size (int): Images a batch (per rank). Defaults to 128.
        max_epochs (int): Passes at most. Defaults to 5.
        lr (float): SGD learning rate. Defaults to 0.1 (CIFAR-100-LT).
        momentum (float): Defaults to 0.9.
        weight_decay (float): Defaults to 5e-4.
        nesterov (bool): Defaults to True.
        num_workers (int, optional): Loader workers. Defaults to None: the
            test loader's.
    """
    priority = 'VERY_HIGH'

    def __init__(self,
                 pipeline: List[dict],
                 batch_size: int = 128,
                 max_epochs: int = 5,
                 lr: float = 0.1,
                 momentum: float = 0.9,
                 weight_decay: float = 5e-4,
                 nesterov: bool = True,
                 num_workers: Optional[int] = None) -> None:
        if not isinstance(pipeline, (list, tuple)) or not pipeline:
            raise ValueError('pipeline must be the list of transforms that '
                             'gives two views of each test image')
        for name, value in (('batch_size', batch_size),
                            ('max_epochs', max_epochs)):
            if not isinstance(value, int) or value <= 0:
                raise ValueError(
                    f'{name} must be a positive integer, got {value}')
        if lr <= 0:
            raise ValueError(f'lr must be positive, got {lr}')
        self.pipeline = copy.deepcopy(list(pipeline))
        self.batch_size, self.max_epochs = batch_size, max_epochs
        self.optimizer_cfg = dict(lr=lr, momentum=momentum,
                                  weight_decay=weight_decay,
                                  nesterov=nesterov)
        self.num_workers = num_workers

    def before_test(self, runner) -> None:
        from lt_mm.cls.models.heads import SADEClsHead
        model = runner.model.module if is_model_wrapper(
            runner.model) else runner.model
        heads = [m for m in model.modules() if isinstance(m, SADEClsHead)]
        if not heads:
            raise RuntimeError(
                'TestTimeAggregationHook learns the aggregation weights of '
                'an lt_mm.SADEClsHead, but the model has none')
        loader = self._loader(runner)
        was_training = model.training
        model.eval()
        for head in heads:
            self._learn(runner, model, head, loader)
        model.train(was_training)

    def _loader(self, runner):
        cfg = runner.cfg
        test_loader = cfg.get('test_dataloader')
        if test_loader is None:
            raise RuntimeError('TestTimeAggregationHook learns on the test '
                               'set, but the config has no test_dataloader')
        loader_cfg = copy.deepcopy(test_loader)
        loader_cfg['dataset']['pipeline'] = copy.deepcopy(self.pipeline)
        loader_cfg['batch_size'] = self.batch_size
        if self.num_workers is not None:
            loader_cfg['num_workers'] = self.num_workers
            if not self.num_workers:
                loader_cfg['persistent_workers'] = False
        # round_up: every rank takes the same number of steps, each with
        # its collective gradient average
        loader_cfg['sampler'] = dict(
            type='DefaultSampler', shuffle=True, round_up=True)
        loader_cfg.pop('batch_sampler', None)
        return runner.build_dataloader(loader_cfg, seed=runner.seed)

    @staticmethod
    def _views(model, head, batch):
        # MultiView + PackInputs give each sample a list of two views;
        # collating transposes them into one batch per view
        views = batch['inputs']
        if not isinstance(views, (list, tuple)) or len(views) != 2 or \
                not all(isinstance(v, (list, tuple, torch.Tensor))
                        for v in views):
            raise ValueError(
                'TestTimeAggregationHook needs two views of each image: end '
                "its pipeline with dict(type='MultiView', num_views=2, "
                "transforms=[[...]]) and dict(type='PackInputs')")
        out = []
        with torch.no_grad():
            for view in views:
                data = model.data_preprocessor(
                    dict(inputs=view, data_samples=batch.get('data_samples')),
                    False)
                feats = model.extract_feat(data['inputs'])
                out.append([z.float() for z in head.forward_experts(feats)])
        return out

    def _learn(self, runner, model, head, loader) -> None:
        head.reset_aggregation_weights()
        weights = head.aggregation_weights.detach().clone().float()
        weights.requires_grad_(True)
        optimizer = torch.optim.SGD([weights], **self.optimizer_cfg)
        world_size = get_world_size()

        def average(grad):
            all_reduce_sum(grad)
            grad.div_(world_size)

        epoch = [0]

        def batches():
            if hasattr(loader.sampler, 'set_epoch'):
                loader.sampler.set_epoch(epoch[0])
            epoch[0] += 1
            for batch in loader:
                yield self._views(model, head, batch)

        history = learn_aggregation_weights(
            batches, weights, optimizer, self.max_epochs,
            all_reduce=average if world_size > 1 else None)
        with torch.no_grad():
            head.aggregation_weights.copy_(weights)
        for i, mix in enumerate(history, 1):
            runner.logger.info(
                f'SADE test-time aggregation, pass {i}: expert weights ' +
                ', '.join(f'{m:.2f}' for m in mix))
        runner.logger.info(
            f'SADE test-time aggregation: {len(history)} passes over '
            f'{len(loader.dataset)} test images; testing with expert '
            'weights ' + ', '.join(f'{float(m):.4f}'
                                   for m in head.expert_weights()))
