"""Weight balancing end to end on the digits demo through tools/train.py
and tools/test.py: stage 1 (cross-entropy, weight decay 5e-3), then stage 2
from its checkpoint, which trains only the classifier under the MaxNorm
constraint and keeps its radius when resumed
(ShadeAlsha/LTR-weight-balancing, demo2_second-stage-training In[30]-In[34]:
radius min + 0.1 (max - min) of the stage-1 rows' norms,
utils/regularizers.py L16-L28; rows projected after the epoch,
utils/trainval.py L143-L145)."""
import re
import sys

import pytest
import torch

pytest.importorskip('mmpretrain')
pytest.importorskip('sklearn')



def tool(name, config, *args, options=(), epochs=1):
    # short epochs: batches of 48 (the first 96 images keep all ten digits)
    fast = [f'train_cfg.max_epochs={epochs}', 'train_cfg.val_interval=1',
            'train_dataloader.batch_size=48']
    return [sys.executable, f'tools/{name}.py', config, *map(str, args),
            '--cfg-options', *fast, *options]


def test_wb_stages_train_and_test_through_the_tools(preloaded_tools,
                                                   tmp_path):
    first_dir, second_dir = tmp_path / 'stage1', tmp_path / 'stage2'
    preloaded_tools.run(
        tool('train', 'configs/digits_lt/wb_stage1.py', '--work-dir',
             first_dir))
    stage1 = first_dir / 'epoch_1.pth'
    output = preloaded_tools.run(
        tool('train', 'configs/digits_lt/wb_stage2.py', '--work-dir',
             second_dir, options=[f'load_from={stage1}']))
    first = torch.load(stage1, weights_only=False)
    second = torch.load(second_dir / 'epoch_1.pth', weights_only=False)

    # the radius: stage 1's row norms, min + 0.1 (max - min), by hand
    norms = torch.linalg.norm(
        first['state_dict']['head.fc.weight'].double(), dim=1)
    radius = norms.min() + 0.1 * (norms.max() - norms.min())
    assert second['max_norm']['module'] == 'head.fc'
    assert second['max_norm']['radius'] == pytest.approx(radius.item())
    assert f'MaxNorm radius of head.fc rows: {radius.item():.6g}' in output
    # one epoch, one projection: every row inside the ball, the longest on it
    after = torch.linalg.norm(
        second['state_dict']['head.fc.weight'].double(), dim=1)
    assert (after <= radius * (1 + 1e-6)).all()
    assert after.max().item() == pytest.approx(radius.item(), rel=1e-5)
    projected = int(re.findall(r'MaxNorm: (\d+) of 10 rows projected',
                               output)[-1])
    assert projected == int((norms > radius).sum()) > 0

    # only the classifier trained; the backbone's weights are stage 1's
    # (its BatchNorm statistics follow the batches in train mode)
    changed = {
        k for k, v in second['state_dict'].items()
        if not k.startswith('head.loss_module.') and
        not torch.equal(v, first['state_dict'][k])
    }
    assert {'head.fc.weight', 'head.fc.bias'} <= changed
    assert all(k.startswith('head.fc.') or 'running_' in k or
               'num_batches_tracked' in k for k in changed), changed

    # resumed for a second epoch: the saved radius, not the projected rows'
    output = preloaded_tools.run(
        tool('train', 'configs/digits_lt/wb_stage2.py', '--work-dir',
             second_dir, '--resume', second_dir / 'epoch_1.pth', epochs=2,
             options=[f'load_from={stage1}']))
    assert 'Resumed' in output or 'resumed' in output
    assert 'MaxNorm radius of' not in output
    third = torch.load(second_dir / 'epoch_2.pth', weights_only=False)
    assert third['max_norm'] == second['max_norm']
    after = torch.linalg.norm(
        third['state_dict']['head.fc.weight'].double(), dim=1)
    assert (after <= radius * (1 + 1e-6)).all()

    output = preloaded_tools.run([
        sys.executable, 'tools/test.py', 'configs/digits_lt/wb_stage2.py',
        str(second_dir / 'epoch_2.pth'), '--work-dir', str(tmp_path)
    ])
    top1 = float(re.findall(r'lt/top1: ([\d.]+)', output)[-1])
    assert 0 <= top1 <= 100
