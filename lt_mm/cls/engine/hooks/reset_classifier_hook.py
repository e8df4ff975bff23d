from typing import Sequence

from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper

from lt_mm.registry import HOOKS


@HOOKS.register_module()
class ResetClassifierHook(Hook):
    """Re-initialises the named modules when a run starts from scratch: the
    classifier re-training (cRT) of Kang et al., "Decoupling Representation
    and Classifier for Long-Tailed Recognition", ICLR 2020.

    arXiv: https://arxiv.org/abs/1910.09217

    ``load_from`` brings in the whole first-stage model, the classifier
    included; this hook then resets the listed modules with their
    ``reset_parameters()`` before the first iteration (after the checkpoint
    is loaded). A resumed run (epoch or iteration > 0) keeps its trained
    classifier.

    Args:
        modules (Sequence[str]): Module names, e.g. ``['head.fc']``.
    """
    priority = 'VERY_HIGH'

    def __init__(self, modules: Sequence[str] = ('head.fc', )) -> None:
        if isinstance(modules, str) or not modules:
            raise ValueError('modules must be a non-empty list of names')
        self.modules = list(modules)

    def before_train(self, runner) -> None:
        if runner.epoch > 0 or runner.iter > 0:
            return
        model = runner.model.module if is_model_wrapper(
            runner.model) else runner.model
        named = dict(model.named_modules())
        for name in self.modules:
            module = named.get(name)
            if module is None:
                raise KeyError(f"ResetClassifierHook: the model has no module "
                               f"'{name}'")
            if not callable(getattr(module, 'reset_parameters', None)):
                raise TypeError(f"ResetClassifierHook: '{name}' "
                                f'({type(module).__name__}) has no '
                                'reset_parameters()')
            module.reset_parameters()
        runner.logger.info(f're-initialised {", ".join(self.modules)}')
