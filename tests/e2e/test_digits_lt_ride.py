"""RIDE end to end on the digits demo through tools/train.py and
tools/test.py: three experts on a shared stem, the RIDE loss's two parts
logged, class-balanced weights and per-class temperatures switched on by
DRWHook at the re-weighting epoch (the authors' reweight_epoch:
frank-xwang/RIDE-LongTailRecognition, model/loss.py L190-L199), and the
test prediction the mean of the experts' logits (their
model/ldam_drw_resnets/ride_resnet_cifar.py L196)."""
import re
import sys

import pytest
import torch

pytest.importorskip('mmpretrain')
pytest.importorskip('sklearn')

# two short epochs: the first 96 training images keep all ten digits; the
# second epoch is the re-weighted one
FAST = [
    'train_cfg.max_epochs=2', 'train_cfg.val_interval=2',
    'train_dataloader.batch_size=48', 'default_hooks.logger.interval=1',
    'custom_hooks.0.start_epoch=1'
]


def test_ride_trains_and_tests_through_the_tools(preloaded_tools, tmp_path):
    output = preloaded_tools.run([
        sys.executable, 'tools/train.py', 'configs/digits_lt/ride.py',
        '--work-dir', str(tmp_path), '--cfg-options', *FAST
    ])
    assert 'DRW: class-balanced weights (beta 0.9999) from epoch 2 on' \
        in output
    diversity = [
        float(v) for v in re.findall(r'loss_ride_diversity: (-?[\d.]+)',
                                     output)
    ]
    assert diversity and all(v <= 0 for v in diversity)
    assert re.findall(r'loss_ride_base: ([\d.]+)', output)
    state = torch.load(tmp_path / 'epoch_2.pth',
                       weights_only=False)['state_dict']
    # three experts after a shared stem and stage, one classifier each
    assert {k.split('.')[2] for k in state
            if k.startswith('backbone.experts.')} == {'0', '1', '2'}
    assert 'backbone.layer1.0.conv1.weight' in state
    assert [tuple(state[f'head.fcs.{k}.weight'].shape)
            for k in range(3)] == [(10, 48)] * 3
    assert state['head.loss_module.class_counts'].sum() == 342
    output = preloaded_tools.run([
        sys.executable, 'tools/test.py', 'configs/digits_lt/ride.py',
        str(tmp_path / 'epoch_2.pth'), '--work-dir', str(tmp_path)
    ])
    top1 = float(re.findall(r'lt/top1: ([\d.]+)', output)[-1])
    assert 10 < top1 <= 100
