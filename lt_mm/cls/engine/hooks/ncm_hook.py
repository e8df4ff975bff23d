import copy

import torch
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper

from lt_mm.registry import HOOKS


def _unwrapped_dataset_cfg(dataset_cfg: dict) -> dict:
    # class means count every training sample once: drop repeat /
    # class-balanced wrappers
    while 'dataset' in dataset_cfg:
        dataset_cfg = dataset_cfg['dataset']
    return dataset_cfg


@HOOKS.register_module()
class NCMHook(Hook):
    """Fills the class means of :class:`lt_mm.NCMClsHead` before validation
    or testing.

    arXiv: https://arxiv.org/abs/1910.09217

    When the head has no means (a first-stage checkpoint) or ``recompute``
    is set, the model runs in eval mode over the training set, unwrapped
    from dataset wrappers and read with the test pipeline (no augmentation),
    as the authors' ``train_plain`` split (classifier-balancing,
    data/dataloader.py L94-L118): one pass for the mean feature when the
    head centres features (``cl2n``), one pass that adds every sample's
    transformed pre-logit feature to its class. Sums are taken over ranks.
    The head's buffers then travel in checkpoints.

    Args:
        recompute (bool): Recompute even if the head has means. Defaults to
            False.
    """
    priority = 'VERY_HIGH'

    def __init__(self, recompute: bool = False) -> None:
        self.recompute = recompute

    def before_val(self, runner) -> None:
        self._fill(runner)

    def before_test(self, runner) -> None:
        self._fill(runner)

    def _loader(self, runner):
        cfg = runner.cfg
        if cfg.get('train_dataloader') is None:
            raise RuntimeError('NCMHook computes class means from the '
                               'training set, but the config has no '
                               'train_dataloader')
        loader_cfg = copy.deepcopy(cfg.train_dataloader)
        loader_cfg['dataset'] = copy.deepcopy(
            _unwrapped_dataset_cfg(loader_cfg['dataset']))
        test_loader = cfg.get('test_dataloader') or cfg.get('val_dataloader')
        if test_loader is not None:
            loader_cfg['dataset']['pipeline'] = copy.deepcopy(
                test_loader['dataset']['pipeline'])
        loader_cfg['sampler'] = dict(
            type='DefaultSampler', shuffle=False, round_up=False)
        loader_cfg.pop('batch_sampler', None)
        return runner.build_dataloader(loader_cfg, seed=runner.seed)

    @staticmethod
    def _features(model, loader):
        with torch.no_grad():
            for data in loader:
                data = model.data_preprocessor(data, False)
                feats = model.extract_feat(data['inputs'])
                labels = torch.cat(
                    [sample.gt_label for sample in data['data_samples']])
                yield feats, labels

    def _fill(self, runner) -> None:
        from lt_mm.cls.models.heads import NCMClsHead
        model = runner.model.module if is_model_wrapper(
            runner.model) else runner.model
        heads = [m for m in model.modules() if isinstance(m, NCMClsHead)]
        if not heads:
            raise RuntimeError('NCMHook needs a model with an NCMClsHead')
        heads = [h for h in heads if self.recompute or not h.has_class_means]
        if not heads:
            return
        for head in heads:
            head.reset_class_means()
        was_training = model.training
        model.eval()
        loader = self._loader(runner)
        # cl2n centres by the training mean, so it needs a pass of its own
        centred = [h for h in heads if h.needs_feature_mean]
        if centred:
            for feats, _ in self._features(model, loader):
                for head in centred:
                    head.accumulate_feature_mean(feats)
        for feats, labels in self._features(model, loader):
            for head in heads:
                head.accumulate(feats, labels)
        model.train(was_training)
        runner.logger.info(
            'NCM class means from '
            f'{int(heads[0].feature_counts.sum())} training samples')
