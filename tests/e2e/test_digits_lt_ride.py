"""RIDE end to end on the digits demo through tools/train.py and
tools/test.py: three experts on a shared stem, the RIDE loss's two parts
logged, class-balanced weights and per-class temperatures switched on by
DRWHook at the re-weighting epoch (the authors' reweight_epoch:
frank-xwang/RIDE-LongTailRecognition, model/loss.py L190-L199); then the
router stage from that checkpoint (only the routers train:
model/ldam_drw_resnets/ea_resnet_cifar.py L151-L156) and the routed test,
which reports experts and GFLOPs per image (test.py L111, utils/gflops.py)."""
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
    assert 10 < float(re.findall(r'lt/top1: ([\d.]+)', output)[-1]) <= 100

    router_dir = tmp_path / 'router'
    preloaded_tools.run([
        sys.executable, 'tools/train.py', 'configs/digits_lt/ride_router.py',
        '--work-dir', str(router_dir), '--cfg-options',
        f'load_from={tmp_path / "epoch_2.pth"}', 'train_cfg.max_epochs=1',
        'train_cfg.val_interval=10'
    ])
    routed = torch.load(router_dir / 'epoch_1.pth',
                        weights_only=False)['state_dict']
    changed = {k for k in routed if k in state and
               not torch.equal(routed[k], state[k])}
    # frozen experts in eval mode: not even their BatchNorm statistics move
    assert not changed, changed
    assert any(k.startswith('head.routers.') for k in routed)
    output = preloaded_tools.run([
        sys.executable, 'tools/test.py', 'configs/digits_lt/ride_router.py',
        str(router_dir / 'epoch_1.pth'), '--work-dir', str(router_dir)
    ])
    assert 10 < float(re.findall(r'lt/top1: ([\d.]+)', output)[-1]) <= 100
    mean = float(re.findall(r'experts/mean: ([\d.]+)', output)[-1])
    share = [
        float(re.findall(rf'experts/share_{n}: ([\d.]+)', output)[-1]) / 100
        if f'experts/share_{n}' in output else 0.0 for n in (1, 2, 3)
    ]
    assert 1 <= mean <= 3
    assert mean == pytest.approx(share[0] + 2 * share[1] + 3 * share[2],
                                 abs=1e-3)
    # per image: shared 304,128 MACs, an expert 263,136, a router 789
    # (tests/cls/test_ride.py counts them by hand)
    mflops = float(re.findall(r'experts/mflops: ([\d.]+)', output)[-1])
    assert mflops == pytest.approx(
        0.304128 + mean * 0.263136 +
        (share[0] + 2 * (share[1] + share[2])) * 0.000789, abs=2e-4)
