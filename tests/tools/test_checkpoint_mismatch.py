"""tools/test.py and tools/train.py stop on a checkpoint that does not fit
the config's model, naming the keys, unless --partial-load is given; a
decoupled second stage still loads its first stage.

The checkpoints are the demo Mask R-CNN's freshly built state dicts (no
training). MMEngine 0.10.7 loads them with strict=False
(open-mmlab/mmengine v0.10.7, mmengine/runner/runner.py L2107-L2144
``Runner.load_checkpoint``; mmengine/runner/checkpoint.py L132-L139 only
warns), so before this check a checkpoint of 23 classes was evaluated against
the 20-class demo config with a random classifier and exit status 0 (all
four tests fail on the tools before this change: checked on a copy of the
previous commit). The tools run through the session's preloaded tool
server (tests/preloaded_tools.py): a forked process each, without the
imports.
"""
import sys

import pytest
import torch
from mmengine.config import Config
from mmengine.registry import DefaultScope

import lt_mm  # noqa: F401
from tests.e2e.test_train_test import demo_options
from tests.e2e.tooling import ROOT

BASELINE = 'configs/demo/mask_rcnn.py'
BAGS = 'configs/demo/bags_mask_rcnn.py'


def save_demo_model(path, num_classes):
    """The demo baseline built for ``num_classes``, saved as a checkpoint
    with the fields a resumed run reads."""
    from mmdet.registry import MODELS
    cfg = Config.fromfile(f'{ROOT}/{BASELINE}')
    cfg.model.roi_head.bbox_head.num_classes = num_classes
    cfg.model.roi_head.mask_head.num_classes = num_classes
    with DefaultScope.overwrite_default_scope('mmdet'):
        model = MODELS.build(cfg.model)
    torch.save(
        dict(
            meta=dict(epoch=1, iter=2),
            state_dict=model.state_dict(),
            message_hub=dict(log_scalars={}, runtime_info={},
                             resumed_keys={})), path)
    return path


@pytest.fixture(scope='module')
def checkpoints(tmp_path_factory):
    root = tmp_path_factory.mktemp('checkpoints')
    return dict(
        fits=save_demo_model(root / 'classes_20.pth', 20),
        other=save_demo_model(root / 'classes_23.pth', 23))


# the demo model: fc_cls has C + 1 outputs, fc_reg 4 C (class-specific
# boxes), the mask head C masks; 256 box features, 64 mask channels
OTHER_CLASS_COUNT = [
    'roi_head.bbox_head.fc_cls.weight [24, 256] vs [21, 256]',
    'roi_head.bbox_head.fc_cls.bias [24] vs [21]',
    'roi_head.bbox_head.fc_reg.weight [92, 256] vs [80, 256]',
    'roi_head.mask_head.conv_logits.weight [23, 64, 1, 1] vs [20, 64, 1, 1]',
]


def tool(name, config, data, *args, options=()):
    return [
        sys.executable, f'tools/{name}.py', config, *map(str, args),
        '--cfg-options', *demo_options(data, config), *options
    ]


def test_test_tool_refuses_another_class_count(checkpoints, demo_data,
                                               preloaded_tools, tmp_path):
    output = preloaded_tools.run_failing(
        tool('test', BASELINE, demo_data, checkpoints['other'],
             '--work-dir', tmp_path))
    assert f'checkpoint {checkpoints["other"]} does not fit the model' in \
        output
    for mismatch in OTHER_CLASS_COUNT:
        assert mismatch in output
    assert 'lvis/' not in output  # nothing was evaluated


def test_partial_load_evaluates_what_fits(checkpoints, demo_data,
                                          preloaded_tools, tmp_path):
    # two images, 20 detections each: pasting the random model's 300 masks
    # an image would take most of the run
    output = preloaded_tools.run(
        tool('test', BASELINE, demo_data, checkpoints['other'],
             '--work-dir', tmp_path, '--partial-load',
             options=['test_dataloader.dataset.indices=2',
                      'model.test_cfg.rcnn.max_per_img=20']))
    # MMEngine's warning lists what was left out; the metric still runs
    assert 'size mismatch for roi_head.bbox_head.fc_cls.weight' in output
    assert 'lvis/segm_AP:' in output


def test_resume_refuses_another_model(checkpoints, demo_data,
                                      preloaded_tools, tmp_path):
    output = preloaded_tools.run_failing(
        tool('train', BASELINE, demo_data, '--work-dir', tmp_path,
             '--resume', checkpoints['other'],
             options=['train_cfg.max_epochs=1']))
    assert f'resumed checkpoint {checkpoints["other"]} does not fit' in \
        output
    assert OTHER_CLASS_COUNT[0] in output
    assert 'A resumed run continues the model in its checkpoint' in output


def test_decoupled_stage_loads_its_first_stage_and_nothing_else(
        checkpoints, demo_data, preloaded_tools, tmp_path):
    """BAGS (configs/demo/bags_mask_rcnn.py) replaces the classifier and
    adds group buffers: its partial_load_keys. A first stage of another
    class count still fails, on the box regressor and the mask head."""
    options = [f'load_from={checkpoints["fits"]}', 'train_cfg.max_epochs=0']
    output = preloaded_tools.run(
        tool('train', BAGS, demo_data, '--work-dir', tmp_path / 'fits',
             options=options))
    assert 'Load checkpoint from' in output
    # C + 2 + G = 20 + 2 + 4 group logits (bins 10, 50, 150)
    assert ('keys the config initialises itself (partial_load_keys): '
            'roi_head.bbox_head.loss_cls.group, '
            'roi_head.bbox_head.loss_cls.has_statistics, '
            'roi_head.bbox_head.fc_cls.weight, '
            'roi_head.bbox_head.fc_cls.bias') in output
    assert 'size mismatch for roi_head.bbox_head.fc_cls.weight: copying a ' \
        'param with shape torch.Size([21, 256]) from checkpoint, the shape ' \
        'in current model is torch.Size([26, 256])' in output

    options[0] = f'load_from={checkpoints["other"]}'
    output = preloaded_tools.run_failing(
        tool('train', BAGS, demo_data, '--work-dir', tmp_path / 'other',
             options=options))
    refused = output[output.index('does not fit the model'):]
    assert OTHER_CLASS_COUNT[2] in refused and OTHER_CLASS_COUNT[3] in refused
    assert 'fc_cls' not in refused.split('Pass --partial-load')[0]
