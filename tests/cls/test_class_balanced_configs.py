"""The class-balanced sigmoid and focal configs start the classifier bias at
-log(C - 1) and exempt it from weight decay, as the authors do
(richardaecn/class-balanced-loss: src/model_base.py L188-L197,
``bias_initializer=tf.constant_initializer(-np.log(out_dim - 1))`` for the
'sigmoid' and 'focal' loss types; src/cifar_main.py L348-L351, the weight
decay of every variable but 'dense/bias')."""
import math
import os.path as osp

import pytest
import torch

pytest.importorskip('mmpretrain')

from mmengine.config import Config  # noqa: E402

import lt_mm  # noqa: E402,F401  registers the components

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
# No ImageNet-LT class-balanced config exists.
CB_SIGMOID_CONFIGS = {
    'configs/cifar100_lt/resnet32_cb_sigmoid.py': (100, 2e-4),
    'configs/cifar100_lt/resnet32_cb_focal.py': (100, 2e-4),
    'configs/digits_lt/cb_sigmoid.py': (10, 5e-4),
    'configs/digits_lt/cb_focal.py': (10, 5e-4),
}


@pytest.mark.parametrize('path', sorted(CB_SIGMOID_CONFIGS))
def test_classifier_bias_starts_at_minus_log_c_minus_1_without_decay(path):
    from mmengine.optim import build_optim_wrapper
    from mmengine.registry import init_default_scope
    from mmpretrain.registry import MODELS
    num_classes, weight_decay = CB_SIGMOID_CONFIGS[path]
    cfg = Config.fromfile(osp.join(ROOT, path))
    init_default_scope('mmpretrain')
    model = MODELS.build(cfg.model)
    model.init_weights()
    bias = model.head.fc.bias
    # C = 100: -log 99 = -4.595 (the configs had -log 9 = -2.197)
    torch.testing.assert_close(
        bias.detach(), torch.full_like(bias, -math.log(num_classes - 1)))
    assert model.head.fc.weight.std() > 0  # the weights are initialised

    optim_wrapper = build_optim_wrapper(model, cfg.optim_wrapper)
    decay = {}
    for group in optim_wrapper.optimizer.param_groups:
        for param in group['params']:
            decay[id(param)] = group['weight_decay']
    names = dict(model.named_parameters())
    assert decay[id(names['head.fc.bias'])] == 0
    # every other parameter keeps the schedule's decay
    for name, param in names.items():
        if name != 'head.fc.bias':
            assert decay[id(param)] == pytest.approx(weight_decay), name
