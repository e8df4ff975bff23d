from typing import Optional

from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper

from lt_mm.core.max_norm import max_norm_project_, max_norm_radius
from lt_mm.registry import HOOKS


@HOOKS.register_module()
class MaxNormHook(Hook):
    """MaxNorm constraint on a classifier's class vectors, by projected
    gradient descent once per epoch: weight balancing (Alshammari et al.,
    "Long-Tailed Recognition via Weight Balancing", CVPR 2022).

    arXiv: https://arxiv.org/abs/2203.14197

    When training starts (after ``load_from``), the radius is set from the
    module's weight rows, ``r = min ||w_j|| + thresh (max ||w_j|| -
    min ||w_j||)``, and stays fixed; after every training epoch (before
    validation and before the epoch's checkpoint is written) each row with
    ``||w_j|| > r`` is scaled to norm r, the others are left as they are
    (:mod:`lt_mm.core.max_norm`). The bias is not constrained (the authors
    give it an infinite radius). This follows the authors' code
    (ShadeAlsha/LTR-weight-balancing, utils/regularizers.py L16-L48; the
    radius set before the classifier-learning stage, demo2 In[30]; the
    projection after each epoch's training phase, utils/trainval.py
    L143-L145).

    The radius is saved in checkpoints (key ``'max_norm'``) and a resumed
    run (epoch or iteration > 0) keeps it instead of measuring the weights
    it has already projected.

    Args:
        module (str): Name of the constrained module (its ``weight``).
            Defaults to 'head.fc'.
        thresh (float): Relative radius between the smallest (0) and largest
            (1) row norm at the start. Defaults to 0.1 (the authors').
        norm_type (float): The p of the row norms. Defaults to 2.0.
    """
    priority = 'NORMAL'  # before CheckpointHook (VERY_LOW) saves the epoch

    def __init__(self,
                 module: str = 'head.fc',
                 thresh: float = 0.1,
                 norm_type: float = 2.0) -> None:
        if thresh < 0:
            raise ValueError(f'thresh must be non-negative, got {thresh}')
        self.module, self.thresh, self.norm_type = module, thresh, norm_type
        self.radius: Optional[float] = None
        self._loaded_radius: Optional[float] = None

    def _weight(self, runner):
        model = runner.model.module if is_model_wrapper(
            runner.model) else runner.model
        module = dict(model.named_modules()).get(self.module)
        if module is None:
            raise KeyError(f"MaxNormHook: the model has no module "
                           f"'{self.module}'")
        weight = getattr(module, 'weight', None)
        if weight is None or weight.dim() < 2:
            raise TypeError(f"MaxNormHook: '{self.module}' "
                            f'({type(module).__name__}) has no weight '
                            'matrix to constrain')
        return weight

    def before_train(self, runner) -> None:
        resumed = runner.epoch > 0 or runner.iter > 0
        if resumed and self._loaded_radius is not None:
            self.radius = self._loaded_radius
            return
        self.radius = max_norm_radius(
            self._weight(runner), self.thresh, self.norm_type)
        runner.logger.info(f'MaxNorm radius of {self.module} rows: '
                           f'{self.radius:.6g} (thresh {self.thresh})')

    def after_train_epoch(self, runner) -> None:
        projected = max_norm_project_(
            self._weight(runner), self.radius, self.norm_type)
        runner.logger.info(f'MaxNorm: {int(projected.sum())} of '
                           f'{len(projected)} rows projected')

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        if self.radius is not None:
            checkpoint['max_norm'] = dict(
                module=self.module, radius=self.radius)

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        state = checkpoint.get('max_norm')
        self._loaded_radius = None if state is None or \
            state.get('module') != self.module else float(state['radius'])
