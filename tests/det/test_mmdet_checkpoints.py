"""Checkpoints trained with mmdet's own Seesaw Loss and EQL v2 load into
lt_mm's configs, counts and classifier included, without --partial-load.

The checkpoints are built here from mmdet 3.3's configs (random weights, 20
classes, the demo set's) and saved as MMEngine saves them
(``dict(meta=..., state_dict=...)``), with known statistics in the loss
buffers:

- Seesaw: mmdet's
  ``seesaw_loss/mask-rcnn_r50_fpn_seesaw-loss_sample1e-3-ms-2x_lvis-v1.py``
  into ``configs/lvis/seesaw_mask_rcnn_r50.py``. mmdet's ``cum_samples`` is
  float32 of length C + 1 and counts the background RoIs last
  (open-mmlab/mmdetection v3.3.0, mmdet/models/losses/seesaw_loss.py
  L130-L132, L245-L249), which its loss never reads: it passes
  ``cum_samples[:num_classes]`` (L262). Ours keeps the first C as float64.
- EQL v2: mmdet 3.3 has no EQL v2 config, so the checkpoint comes from its
  LVIS Mask R-CNN config ``lvis/mask-rcnn_r50_fpn_sample1e-3_ms-1x_lvis-v1.py``
  with ``loss_cls=dict(type='EQLV2Loss', num_classes=C)``, loaded into
  ``configs/lvis/eqlv2_mask_rcnn_r50.py``. Nothing else is needed for the
  layout: ``EQLV2Loss`` forces ``use_sigmoid=True`` and has no
  ``custom_cls_channels`` (its ``get_channel_num`` is never called), so
  mmdet's ``BBoxHead`` gives ``fc_cls`` its default C + 1 outputs, the last
  the objectness logit whose target is 1 for background, as ours. Its
  buffers ``pos_grad``, ``neg_grad`` and ``pos_neg = pos_grad / (neg_grad +
  1e-10)`` are float32 (mmdet/models/losses/eqlv2_loss.py L73-L78,
  L164-L166); ours keeps the two sums as float64 and derives the ratio.

Before the loss adapters read mmdet's layout every test here failed (checked
by running them with lt_mm/det/models/losses/seesaw_loss.py and
equalization_loss_v2.py at the previous commit): the strict check refused
``roi_head.bbox_head.loss_cls.cum_samples [21] vs [20]`` and the unexpected
``roi_head.bbox_head.loss_cls.pos_neg``, and tools/test.py exited 1.
"""
import sys

import pytest
import torch
from mmengine.config import Config
from mmengine.hub import get_config
from mmengine.registry import DefaultScope
from mmengine.runner import load_checkpoint

import lt_mm  # noqa: F401
from lt_mm.engine.hooks.strict_load_hook import load_state_dict_mismatch
from tests.e2e.test_train_test import demo_options
from tests.e2e.tooling import ROOT

NUM_CLASSES = 20  # the demo set's
LOSS = 'roi_head.bbox_head.loss_cls.'
CLASSIFIER = ('roi_head.bbox_head.fc_cls.weight',
              'roi_head.bbox_head.fc_cls.bias')

MMDET_SEESAW = ('mmdet::seesaw_loss/'
                'mask-rcnn_r50_fpn_seesaw-loss_sample1e-3-ms-2x_lvis-v1.py')
MMDET_LVIS = 'mmdet::lvis/mask-rcnn_r50_fpn_sample1e-3_ms-1x_lvis-v1.py'
OURS = dict(
    seesaw='configs/lvis/seesaw_mask_rcnn_r50.py',
    eqlv2='configs/lvis/eqlv2_mask_rcnn_r50.py')

# mmdet's statistics, written into its buffers: class c (0-based) was
# sampled 10 (c + 1) times, and 99999 background RoIs
SEESAW_COUNTS = [10.0 * (c + 1) for c in range(NUM_CLASSES)] + [99999.0]
# EQL v2 gradient sums with ratios pos / neg = c / 10 from 0 to 1.9,
# across mu = 0.8
POS_GRAD = [0.5 * c for c in range(NUM_CLASSES)]
NEG_GRAD = [5.0] * NUM_CLASSES


def with_num_classes(cfg, num_classes=NUM_CLASSES):
    cfg.model.roi_head.bbox_head.num_classes = num_classes
    cfg.model.roi_head.mask_head.num_classes = num_classes
    cfg.model.roi_head.bbox_head.loss_cls.num_classes = num_classes
    return cfg


def build(cfg):
    from mmdet.registry import MODELS
    with DefaultScope.overwrite_default_scope('mmdet'):
        return MODELS.build(cfg.model)


def mmdet_model(method):
    if method == 'seesaw':
        model = build(with_num_classes(get_config(MMDET_SEESAW)))
        model.roi_head.bbox_head.loss_cls.cum_samples.copy_(
            torch.tensor(SEESAW_COUNTS))
        return model
    cfg = get_config(MMDET_LVIS)
    cfg.model.roi_head.bbox_head.loss_cls = dict(type='EQLV2Loss')
    model = build(with_num_classes(cfg))
    loss = model.roi_head.bbox_head.loss_cls
    assert type(loss).__module__ == 'mmdet.models.losses.eqlv2_loss'
    assert model.roi_head.bbox_head.fc_cls.out_features == NUM_CLASSES + 1
    loss.pos_grad.copy_(torch.tensor(POS_GRAD))
    loss.neg_grad.copy_(torch.tensor(NEG_GRAD))
    loss.pos_neg = loss.pos_grad / (loss.neg_grad + 1e-10)  # as mmdet does
    return model


def our_model(method):
    return build(with_num_classes(Config.fromfile(f'{ROOT}/{OURS[method]}')))


@pytest.fixture(scope='module')
def checkpoints(tmp_path_factory):
    """mmdet-built checkpoints, saved as MMEngine's CheckpointHook saves
    the model: ``meta`` and ``state_dict``."""
    root = tmp_path_factory.mktemp('mmdet_checkpoints')
    paths = {}
    for method in OURS:
        paths[method] = root / f'mmdet_{method}.pth'
        torch.save(
            dict(
                meta=dict(mmdet_version='3.3.0', epoch=24, iter=2),
                state_dict=mmdet_model(method).state_dict()), paths[method])
    return paths


def assert_loaded(model, checkpoint):
    """Every tensor but the loss statistics is the checkpoint's."""
    state = model.state_dict()
    for key, value in checkpoint.items():
        if key.startswith(LOSS):
            continue
        assert torch.equal(state[key], value), key
    for key in CLASSIFIER:
        assert key in checkpoint
    assert state[LOSS + 'statistics_guard.skipped_rows'] == 0


@pytest.mark.parametrize('strict_path', ['hook', 'mmengine'])
def test_mmdet_seesaw_checkpoint_keeps_counts_and_classifier(
        checkpoints, strict_path):
    """Through the StrictLoadHook's check and through MMEngine's own
    ``load_checkpoint(strict=True)``: nothing missing, unexpected or
    reshaped, and ``cum_samples`` = 10, 20, ..., 200 in float64 (mmdet's
    first C entries; its background count 99999 is dropped). Only C + 1
    counts are read as mmdet's layout: into a model of 30 classes mmdet's
    20 + 1 remain a size mismatch."""
    checkpoint = torch.load(checkpoints['seesaw'], weights_only=False)
    model = our_model('seesaw')
    if strict_path == 'hook':
        mismatch = load_state_dict_mismatch(model, checkpoint['state_dict'])
        assert not mismatch, mismatch.describe()
    else:
        load_checkpoint(model, str(checkpoints['seesaw']), strict=True)
    loss = model.roi_head.bbox_head.loss_cls
    assert loss.cum_samples.dtype == torch.float64
    assert loss.cum_samples.tolist() == [10.0 * c for c in range(1, 21)]
    assert_loaded(model, checkpoint['state_dict'])

    if strict_path == 'hook':
        other = build(
            with_num_classes(Config.fromfile(f'{ROOT}/{OURS["seesaw"]}'), 30))
        mismatch = load_state_dict_mismatch(other, checkpoint['state_dict'])
        assert (LOSS + 'cum_samples', (21, ), (30, )) in mismatch.shape


@pytest.mark.parametrize('strict_path', ['hook', 'mmengine'])
def test_mmdet_eqlv2_checkpoint_keeps_sums_weights_and_classifier(
        checkpoints, strict_path):
    """``pos_grad`` and ``neg_grad`` arrive as float64, mmdet's ``pos_neg``
    is consumed, and the class weights are mmdet's: for class c the ratio
    g = 0.5 c / 5 = c / 10, ``neg_w = 1 / (1 + exp(-12 (g - 0.8)))``,
    ``pos_w = 1 + 4 (1 - neg_w)`` (mmdet/models/losses/eqlv2_loss.py
    L82-L83, L168-L173), e.g. class 8 (g = mu): 0.5 and 3; objectness 1."""
    checkpoint = torch.load(checkpoints['eqlv2'], weights_only=False)
    model = our_model('eqlv2')
    if strict_path == 'hook':
        mismatch = load_state_dict_mismatch(model, checkpoint['state_dict'])
        assert not mismatch, mismatch.describe()
    else:
        load_checkpoint(model, str(checkpoints['eqlv2']), strict=True)
    loss = model.roi_head.bbox_head.loss_cls
    assert loss.pos_grad.dtype == loss.neg_grad.dtype == torch.float64
    assert loss.pos_grad.tolist() == POS_GRAD
    assert loss.neg_grad.tolist() == NEG_GRAD
    assert 'pos_neg' not in dict(loss.named_buffers())

    ratio = torch.arange(NUM_CLASSES, dtype=torch.float64) / 10
    neg_w = 1 / (1 + torch.exp(-12 * (ratio - 0.8)))
    pos_w = 1 + 4 * (1 - neg_w)
    weights = loss.class_weights(torch.zeros((), dtype=torch.float64))
    torch.testing.assert_close(weights[0, :-1], pos_w)
    torch.testing.assert_close(weights[1, :-1], neg_w)
    assert weights[:, 8].tolist() == pytest.approx([3.0, 0.5])
    assert weights[:, -1].tolist() == [1.0, 1.0]
    assert_loaded(model, checkpoint['state_dict'])


@pytest.mark.parametrize('method', sorted(OURS))
def test_test_tool_evaluates_mmdet_checkpoint_without_partial_load(
        method, checkpoints, demo_data, preloaded_tools, tmp_path):
    """tools/test.py with our LVIS config (20 classes, 128 px test images,
    2 demo images) and the mmdet checkpoint exits 0 with no --partial-load,
    and MMEngine's own load reports no difference either. (Run by the
    preloaded tool server, tests/preloaded_tools.py.)"""
    config = OURS[method]
    loss = 'model.roi_head.bbox_head.loss_cls.num_classes'
    output = preloaded_tools.run([
        sys.executable, 'tools/test.py', config,
        str(checkpoints[method]), '--work-dir',
        str(tmp_path), '--cfg-options',
        *demo_options(demo_data, f'{ROOT}/{config}'),
        'test_dataloader.dataset.indices=2',
        'test_dataloader.dataset.pipeline.1.scale=(128,128)',
        # the R50 mask head on 300 detections takes seconds per image
        'model.test_cfg.rpn.max_per_img=100',
        'model.test_cfg.rcnn.max_per_img=20',
        f'model.roi_head.bbox_head.num_classes={NUM_CLASSES}',
        f'model.roi_head.mask_head.num_classes={NUM_CLASSES}',
        f'{loss}={NUM_CLASSES}'
    ])
    assert f'Load checkpoint from {checkpoints[method]}' in output
    assert 'do not match exactly' not in output
    assert 'does not fit' not in output
    assert 'lvis/segm_AP:' in output
