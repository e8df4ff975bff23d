"""The sigmoid losses start their head's classifier bias at the authors'
prior -log((1 - p) / p) when the model is initialised, with no change to the
head or the config; a checkpoint loaded afterwards keeps its own bias.

Authors' initialisation:
- EQL: tztztztztz/eql.detectron2, projects/EQL/eql/fast_rcnn.py L19, L43-L44
  (p = 0.001, the C class logits).
- EQL v2: tztztztztz/eqlv2,
  mmdet/models/roi_heads/bbox_heads/convfc_bbox_head.py L154-L156
  (p = 0.001, all C + 1 logits, objectness included).
- ACSL: CASIA-IVA-Lab/ACSL, mmdet/models/bbox_heads/bbox_head.py L74-L78
  (p = 0.01, all C + 1 logits, background included).
"""
import copy
import math
import os.path as osp

import mmdet
import pytest
import torch
import torch.nn as nn
from mmdet.registry import MODELS
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmengine.runner import Runner

from lt_mm.core import ClassStatistics
from lt_mm.core.losses.sigmoid_prior import prior_bias
from lt_mm.det import (AdaptiveClassSuppressionLoss, EqualizationLoss,
                       EqualizationLossV2)
from .loss_helpers import build_bbox_head
from .test_cascade_heads import build_cascade_head

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
C = 1203
# the authors' p and the bias it gives, -log((1 - p) / p)
PRIORS = {
    'lt_mm.EqualizationLoss': (0.001, -6.906754778648554),
    'lt_mm.EqualizationLossV2': (0.001, -6.906754778648554),
    'lt_mm.AdaptiveClassSuppressionLoss': (0.01, -4.59511985013459),
}


def build_head(loss_cfg, num_classes=C):
    return build_bbox_head(num_classes, loss_cfg)


def with_statistics(loss, num_classes):
    """Every class in the one image, all 'frequent': no EQL tail class, and
    ACSL suppresses every class on every background RoI."""
    if hasattr(loss, 'set_class_statistics'):
        loss.set_class_statistics(
            ClassStatistics.from_labels([list(range(num_classes))],
                                        num_classes,
                                        frequency=['f'] * num_classes))
    return loss


def test_prior_bias_by_hand():
    assert prior_bias(0.001) == pytest.approx(math.log(0.001 / 0.999))
    assert prior_bias(0.01) == pytest.approx(-4.59511985013459)
    assert torch.sigmoid(torch.tensor(prior_bias(0.01),
                                      dtype=torch.float64)).item() == \
        pytest.approx(0.01)
    with pytest.raises(ValueError, match='in \\(0, 1\\)'):
        prior_bias(1.0)


@pytest.mark.parametrize('loss_type', sorted(PRIORS))
def test_stock_head_init_sets_the_authors_prior(loss_type):
    head = build_head(dict(type=loss_type, num_classes=C))
    head.init_weights()  # what the Runner's _init_model_weights calls
    p, bias = PRIORS[loss_type]
    assert head.loss_cls.prior_prob == p
    assert torch.equal(head.fc_cls.bias,
                       torch.full_like(head.fc_cls.bias, bias))
    # the weights keep mmdet's Normal(0, 0.01)
    assert head.fc_cls.weight.std().item() == pytest.approx(0.01, rel=0.05)


def first_batch_loss(loss_type, prior_prob):
    """The classification loss of a freshly initialised stock head on 4 RoIs
    (classes 0 and 5, two background), logits = the bias (zero features)."""
    head = build_head(dict(type=loss_type, num_classes=C,
                           prior_prob=prior_prob))
    head.init_weights()
    with_statistics(head.loss_cls, C)
    logits = head.fc_cls(torch.zeros(4, 16))
    return head.loss_cls(logits, torch.tensor([0, 5, C, C])).item()


def test_first_batch_loss_with_the_prior_by_hand():
    p = 0.001
    pos, neg = -math.log(p), -math.log(1 - p)  # BCE at z = b, target 1 / 0
    # EQL v2: every RoI has one target-1 logit (its class or objectness)
    assert first_batch_loss('lt_mm.EqualizationLossV2', p) == pytest.approx(
        pos + C * neg, rel=1e-5)  # 8.11
    # EQL: C logits; a background RoI has no target-1 logit
    assert first_batch_loss('lt_mm.EqualizationLoss', p) == pytest.approx(
        (2 * (pos + (C - 1) * neg) + 2 * C * neg) / 4, rel=1e-5)  # 2.91
    # ACSL: a foreground RoI trains its own logit only (sigmoid(b) < 0.7),
    # a background RoI its background logit and all (frequent) classes
    p = 0.01
    pos, neg = -math.log(p), -math.log(1 - p)
    assert first_batch_loss('lt_mm.AdaptiveClassSuppressionLoss',
                            p) == pytest.approx(
                                (2 * pos + 2 * (pos + C * neg)) / 4,
                                rel=1e-5)  # 10.65


def test_without_prior_the_first_batch_loss_is_the_zero_bias_one():
    """prior_prob=None keeps mmdet's initialisation (bias 0): C + 1 logits
    at log 2 each, the ~835 of a sigmoid head started at zero."""
    assert first_batch_loss('lt_mm.EqualizationLossV2',
                            None) == pytest.approx((C + 1) * math.log(2),
                                                   rel=1e-5)


@pytest.mark.parametrize('loss_type', sorted(PRIORS))
def test_prior_none_leaves_mmdet_init(loss_type):
    head = build_head(dict(type=loss_type, num_classes=C, prior_prob=None))
    head.init_weights()
    assert (head.fc_cls.bias == 0).all()
    assert head.fc_cls.weight.std().item() == pytest.approx(0.01, rel=0.05)


@pytest.mark.parametrize('loss_type', sorted(PRIORS))
def test_every_cascade_stage_gets_the_prior(loss_type):
    head = build_cascade_head(dict(type=loss_type, num_classes=6))
    head.init_weights()
    for stage in head.bbox_head:
        assert torch.equal(stage.fc_cls.bias,
                           torch.full_like(stage.fc_cls.bias,
                                           PRIORS[loss_type][1]))


def test_mmdet_lvis_config_drop_in_needs_no_more_than_the_loss():
    """mmdet's own LVIS config with only loss_cls swapped (what a user
    writes with custom_imports=['lt_mm'])."""
    cfg = Config.fromfile(
        osp.join(osp.dirname(mmdet.__file__), '.mim', 'configs', 'lvis',
                 'mask-rcnn_r50_fpn_sample1e-3_ms-1x_lvis-v1.py'))
    cfg.model.backbone.init_cfg = None  # no download in the test
    cfg.model.roi_head.bbox_head.loss_cls = dict(
        type='lt_mm.EqualizationLossV2', num_classes=C)
    init_default_scope('mmdet')
    model = MODELS.build(cfg.model)
    model.init_weights()
    bias = model.roi_head.bbox_head.fc_cls.bias
    assert bias.shape == (C + 1, )
    assert torch.equal(bias, torch.full_like(bias, -6.906754778648554))


def demo_runner(work_dir, load_from=None):
    cfg = Config.fromfile(osp.join(ROOT, 'configs/demo/eqlv2_mask_rcnn.py'))
    return Runner(model=cfg.model, work_dir=str(work_dir),
                  default_scope='mmdet', load_from=load_from)


def test_checkpoint_bias_survives_the_runner_init(tmp_path):
    """Runner order: init_weights (prior), then load_from (checkpoint)."""
    runner = demo_runner(tmp_path / 'a')
    runner._init_model_weights()
    fc_cls = runner.model.roi_head.bbox_head.fc_cls
    assert torch.equal(fc_cls.bias,
                       torch.full_like(fc_cls.bias, -6.906754778648554))
    # mmengine's initialisation log names who set the bias last
    log = open(osp.join(runner.log_dir, f'{runner.timestamp}.log')).read()
    entry = log.split('roi_head.bbox_head.fc_cls.bias')[1].split('\n')[1]
    assert 'p = 0.001, set by EqualizationLossV2' in entry
    trained = torch.linspace(-3, 1, len(fc_cls.bias))
    with torch.no_grad():
        fc_cls.bias.copy_(trained)
    ckpt = tmp_path / 'trained.pth'
    torch.save(dict(state_dict=runner.model.state_dict()), ckpt)

    runner = demo_runner(tmp_path / 'b', load_from=str(ckpt))
    runner._init_model_weights()
    runner.load_or_resume()
    assert torch.equal(runner.model.roi_head.bbox_head.fc_cls.bias, trained)


def test_load_state_dict_after_init_keeps_the_checkpoint_bias():
    source = build_head(dict(type='lt_mm.EqualizationLoss', num_classes=4),
                        num_classes=4)
    with torch.no_grad():
        source.fc_cls.bias.copy_(torch.tensor([0.5, -1.0, 2.0, 0.0]))
    head = build_head(dict(type='lt_mm.EqualizationLoss', num_classes=4),
                      num_classes=4)
    head.init_weights()
    assert (head.fc_cls.bias == -6.906754778648554).all()
    head.load_state_dict(source.state_dict())
    assert head.fc_cls.bias.tolist() == [0.5, -1.0, 2.0, 0.0]


def test_holder_without_a_classifier_says_what_to_do():
    holder = nn.Module()
    holder.loss_cls = EqualizationLossV2(num_classes=3)
    holder.cls_logits = nn.Linear(4, 4)
    with pytest.raises(RuntimeError, match='prior_prob=None'):
        holder.loss_cls.init_weights()
    holder.loss_cls.prior_prob = None
    holder.loss_cls.init_weights()  # nothing to do


def test_a_loss_taken_out_of_its_head_no_longer_sets_its_bias():
    head = build_head(dict(type='lt_mm.EqualizationLoss', num_classes=4),
                      num_classes=4)
    loss = head.loss_cls
    head.loss_cls = EqualizationLoss(num_classes=4, prior_prob=None)
    with pytest.raises(RuntimeError, match='no module holding it'):
        loss.init_weights()


def test_a_deep_copy_of_the_head_sets_its_own_bias():
    head = build_head(dict(type='lt_mm.EqualizationLoss', num_classes=4),
                      num_classes=4)
    head.init_weights()
    copy_ = copy.deepcopy(head)
    with torch.no_grad():
        head.fc_cls.bias.fill_(1.0)
    copy_.loss_cls.init_weights()
    assert (copy_.fc_cls.bias == -6.906754778648554).all()
    assert (head.fc_cls.bias == 1.0).all()
    with pytest.raises(RuntimeError, match='copied or unpickled'):
        copy.deepcopy(head.loss_cls).init_weights()


def test_bad_prior_is_named():
    with pytest.raises(ValueError, match='prior_prob'):
        AdaptiveClassSuppressionLoss(num_classes=3, prior_prob=1.5)
    with pytest.raises(ValueError, match='prior_prob'):
        EqualizationLoss(num_classes=3, prior_prob=0.0)
