"""lt_mm.NorCalCalibration around a trained detector's ``loss_cls``: the
test scores of mmdet's bbox head become NorCal's, everything else stays the
wrapped loss's, and a checkpoint of the unwrapped config loads as it is.

The calibration follows tydpan/NorCal at 23e5ab6,
projects/NorCal/norcal/roi_heads.py: ``1 / N ** gamma`` weights (L64-L65)
from the training image counts (L76, L112-L122), the foreground columns of
``exp(scores)`` times the weights, the background (last) column kept
(L102-L104), each RoI renormalised (L106-L107), in place of the box
predictor's probabilities (``predict_probs``, L89-L109). Every test here
failed before this component existed (``lt_mm.NorCalCalibration`` was not
registered); the state-dict tests also fail with the wrapped loss saved
under its own attribute (``loss_cls.loss.cum_samples``, checked by removing
the state-dict hook and the key renaming)."""
import copy
import math

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.registry import DefaultScope

from lt_mm.core import ClassStatistics
from lt_mm.core.norcal import norcal_scores
from lt_mm.engine.hooks.strict_load_hook import load_state_dict_mismatch
from tests.det.loss_helpers import build_bbox_head, lvis_batch
from tests.e2e.tooling import ROOT

C = 3
COUNTS = [1, 100, 4]
CE = dict(type='CrossEntropyLoss', use_sigmoid=False, loss_weight=1.0)
SEESAW = dict(type='lt_mm.SeesawLoss', num_classes=C)


def stats(image_counts):
    counts = np.asarray(image_counts)
    return ClassStatistics(instance_counts=counts * 2, image_counts=counts,
                           num_images=int(counts.sum()),
                           frequency=np.array(['r'] * len(counts)))


def norcal(loss, gamma=0.5, **kwargs):
    return dict(type='lt_mm.NorCalCalibration', loss=loss, gamma=gamma,
                **kwargs)


def head_pair(loss, gamma=0.5, **kwargs):
    """The same stock Shared2FCBBoxHead of C classes (same initial
    weights) around ``loss`` and around NorCal wrapping it."""
    torch.manual_seed(0)
    plain = build_bbox_head(C, copy.deepcopy(loss))
    torch.manual_seed(0)
    wrapped = build_bbox_head(C, norcal(copy.deepcopy(loss), gamma,
                                        **kwargs))
    for head in (plain, wrapped):
        head.init_weights()
    return plain, wrapped


def head_loss(head, cls_score, labels):
    n = len(labels)
    return head.loss(cls_score, torch.zeros(n, 4 * head.num_classes),
                     torch.zeros(n, 5), labels, torch.ones(n),
                     torch.zeros(n, 4), torch.zeros(n, 4))


@pytest.mark.parametrize('loss', [CE, SEESAW], ids=['ce', 'seesaw'])
def test_trains_exactly_as_the_wrapped_loss(loss):
    """Losses, logged accuracies, gradients, the classifier's outputs and
    Seesaw's counts (after two steps) are the unwrapped loss's, bit for
    bit."""
    kwargs = dict(num_classes=C) if loss is CE else {}
    plain, wrapped = head_pair(loss, **kwargs)
    assert wrapped.fc_cls.out_features == plain.fc_cls.out_features
    for step in range(2):
        logits, labels = lvis_batch(step, num_rois=64, num_classes=C,
                                    extra_channels=plain.fc_cls.out_features
                                    - C)
        results = []
        for head in (plain, wrapped):
            score = logits.clone().requires_grad_()
            losses = head_loss(head, score, labels)
            total = sum(v for k, v in losses.items() if 'loss' in k)
            total.backward()
            results.append((losses, score.grad))
        (losses0, grad0), (losses1, grad1) = results
        assert losses0.keys() == losses1.keys()
        for key in losses0:
            assert torch.equal(losses0[key], losses1[key]), key
        assert torch.equal(grad0, grad1)
    state0, state1 = plain.loss_cls.state_dict(), \
        wrapped.loss_cls.state_dict()
    assert state0.keys() == state1.keys()
    for key, value in state0.items():
        assert torch.equal(value, state1[key]), key


def test_a_checkpoint_of_the_unwrapped_head_loads_strictly_and_back():
    """Seesaw's counts load from a head trained without NorCal, and the
    wrapped head saves them where the plain head reads them."""
    plain, wrapped = head_pair(SEESAW)
    plain.loss_cls.cum_samples += torch.tensor([5., 7., 9.],
                                               dtype=torch.float64)
    state = plain.state_dict()
    assert 'loss_cls.cum_samples' in state
    assert not load_state_dict_mismatch(wrapped, copy.deepcopy(state))
    wrapped.load_state_dict(state, strict=True)
    assert wrapped.loss_cls.loss.cum_samples.tolist() == [5., 7., 9.]
    saved = wrapped.state_dict()
    assert saved.keys() == state.keys()
    fresh, _ = head_pair(SEESAW)
    fresh.load_state_dict(saved, strict=True)
    assert fresh.loss_cls.cum_samples.tolist() == [5., 7., 9.]


def test_the_demo_baseline_model_loads_strictly_into_the_norcal_config():
    """configs/demo/mask_rcnn.py's model state dict against
    configs/demo/norcal_mask_rcnn.py's model: no missing, unexpected or
    reshaped key (the counts are derived, not loaded)."""
    from mmdet.registry import MODELS
    models = []
    for name in ('mask_rcnn', 'norcal_mask_rcnn'):
        cfg = Config.fromfile(f'{ROOT}/configs/demo/{name}.py').model
        if name.startswith('norcal'):
            cfg.roi_head.bbox_head.loss_cls.gamma = 0.5
        with DefaultScope.overwrite_default_scope('mmdet'):
            models.append(MODELS.build(cfg))
    baseline, calibrated = models
    assert not load_state_dict_mismatch(calibrated, baseline.state_dict())
    assert baseline.state_dict().keys() == calibrated.state_dict().keys()


def test_eval_scores_are_norcal_of_the_softmax():
    """mmdet's BBoxHead softmax over C + 1 logits (a loss without its own
    activation), calibrated: roi_heads.py L102-L107 by hand."""
    _, head = head_pair(CE, gamma=0.5, num_classes=C)
    head.loss_cls.set_class_statistics(stats(COUNTS))
    head.eval()
    z = torch.tensor([[1.0, 2.0, 0.5, 0.0], [-1.0, 3.0, 0.0, 2.0]])
    torch.testing.assert_close(
        head.loss_cls.get_activation(z),
        torch.tensor([[0.5146752, 0.1399032, 0.1560831, 0.1893384],
                      [0.0358365, 0.1956608, 0.0487069, 0.7197958]]))
    assert head.loss_cls.image_counts.tolist() == COUNTS
    head.train()  # a cascade's refinement while training: the model's own
    assert torch.equal(head.loss_cls.get_activation(z), z.softmax(-1))


def test_the_heads_prediction_takes_the_calibrated_scores():
    """BBoxHead._predict_by_feat_single (mmdet 3.3
    mmdet/models/roi_heads/bbox_heads/bbox_head.py L523-L527) asks the loss
    for its activation; without a test config it returns those scores."""
    _, head = head_pair(CE, gamma=1.0, num_classes=C)
    head.loss_cls.set_class_statistics(stats(COUNTS))
    head.eval()
    g = torch.Generator().manual_seed(0)
    z = torch.randn(5, C + 1, generator=g)
    rois = torch.cat([torch.zeros(5, 1), torch.tensor([[0., 0., 8., 8.]] *
                                                       5)], 1)
    result = head._predict_by_feat_single(
        rois, z, torch.zeros(5, 4 * C),
        dict(img_shape=(32, 32), scale_factor=(1., 1.)), rcnn_test_cfg=None)
    torch.testing.assert_close(result.scores,
                               norcal_scores(z, torch.tensor(COUNTS), 1.0))


def test_seesaw_scores_are_calibrated_through_their_logarithm():
    """Seesaw's test scores (softmax(class) * p_fg, background p_bg, which
    sum to 1) take the place of the softmax: s_j = score_j / N_j^gamma,
    s_bg = score_bg, renormalised."""
    _, head = head_pair(SEESAW, gamma=0.5)
    loss = head.loss_cls
    loss.set_class_statistics(stats(COUNTS))
    loss.eval()
    z = torch.randn(4, C + 2, generator=torch.Generator().manual_seed(1))
    model = loss.loss.get_activation(z)
    s = torch.cat([model[:, :C] / torch.tensor(COUNTS)**0.5, model[:, C:]],
                  1)
    torch.testing.assert_close(loss.get_activation(z),
                               s / s.sum(1, keepdim=True))


@pytest.mark.parametrize('loss', [CE, SEESAW], ids=['ce', 'seesaw'])
def test_gamma_zero_returns_the_models_scores_exactly(loss):
    """GAMMA 0.0, the authors' default (projects/NorCal/norcal/config.py
    L8): calibration off, no counts needed."""
    kwargs = dict(num_classes=C) if loss is CE else {}
    _, head = head_pair(loss, gamma=0, **kwargs)
    head.eval()
    z = torch.randn(6, head.fc_cls.out_features,
                    generator=torch.Generator().manual_seed(2))
    expected = z.softmax(-1) if loss is CE else \
        head.loss_cls.loss.get_activation(z)
    assert torch.equal(head.loss_cls.get_activation(z), expected)


def test_counts_come_only_from_the_statistics():
    """The counts are derived at every start, never read from or written to
    a checkpoint; without them the calibrated scores refuse to run."""
    _, head = head_pair(CE, num_classes=C)
    assert not any('image_counts' in k or 'has_statistics' in k
                   for k in head.state_dict())
    head.eval()
    with pytest.raises(RuntimeError, match='NorCalCalibration needs the '
                       'class statistics of the training set'):
        head.loss_cls.get_activation(torch.zeros(2, C + 1))


def test_a_class_without_training_images_is_refused_on_arrival():
    """1 / 0 ** gamma (roi_heads.py L65) has no value: the hook's hand-over
    stops, naming the class."""
    _, head = head_pair(CE, num_classes=C)
    with pytest.raises(ValueError, match='class 2 has no training images'):
        head.loss_cls.set_class_statistics(stats([3, 1, 0]))


def test_the_training_sets_class_count_must_match():
    _, head = head_pair(CE, num_classes=C)
    with pytest.raises(ValueError, match='num_classes=3 but the training '
                       'dataset has 4 classes'):
        head.loss_cls.set_class_statistics(stats([1, 2, 3, 4]))


@pytest.mark.parametrize('loss', [
    dict(type='CrossEntropyLoss', use_sigmoid=True, loss_weight=1.0),
    dict(type='lt_mm.EqualizationLossV2', num_classes=C),
], ids=['bce', 'eqlv2'])
def test_sigmoid_losses_are_refused(loss):
    """The authors calibrate softmax box predictors only (C + 1 scores,
    background last: roi_heads.py L89-L109)."""
    with pytest.raises(ValueError, match='NorCal calibrates softmax scores'):
        build_bbox_head(C, norcal(loss, num_classes=C))


def test_gamma_must_be_given():
    """The authors tune gamma per model and pass it at evaluation
    (README.md L24); no value fits every model."""
    with pytest.raises(ValueError, match='NorCalCalibration needs gamma.*'
                       r'--cfg-options model\.roi_head\.bbox_head\.loss_cls'
                       r'\.gamma=<value>'):
        build_bbox_head(C, norcal(CE, gamma=None, num_classes=C))
    with pytest.raises(ValueError, match='gamma must be a finite number'):
        build_bbox_head(C, norcal(CE, gamma=-1, num_classes=C))


def test_class_counts_must_agree():
    with pytest.raises(ValueError, match='CrossEntropyLoss has no '
                       'num_classes: give NorCalCalibration num_classes'):
        build_bbox_head(C, norcal(CE))
    with pytest.raises(ValueError, match='NorCalCalibration has '
                       'num_classes=5 but SeesawLoss has 3'):
        build_bbox_head(C, norcal(SEESAW, num_classes=5))
    with pytest.raises(ValueError, match='the bbox head has num_classes=4 '
                       'but NorCalCalibration has 3'):
        build_bbox_head(4, norcal(CE, num_classes=C))


def test_lvis_config_follows_the_authors_test_settings():
    """configs/lvis/norcal_mask_rcnn_r50.py: the baseline's loss wrapped,
    score_thr 1e-4 and 300 detections (projects/NorCal/configs/
    Base-NorCal.yaml L28, L41), gamma asked for, no load_from."""
    cfg = Config.fromfile(f'{ROOT}/configs/lvis/norcal_mask_rcnn_r50.py')
    base = Config.fromfile(f'{ROOT}/configs/lvis/mask_rcnn_r50.py')
    loss = cfg.model.roi_head.bbox_head.loss_cls
    assert loss.type == 'lt_mm.NorCalCalibration' and loss.gamma is None
    assert loss.loss == base.model.roi_head.bbox_head.loss_cls
    assert loss.num_classes == 1203
    rcnn = cfg.model.test_cfg.rcnn
    assert math.isclose(rcnn.score_thr, 1e-4) and rcnn.max_per_img == 300
    assert cfg.get('load_from') is None
    cfg.model.pop('roi_head')
    base.model.pop('roi_head')
    assert cfg.model == base.model
    assert cfg.train_dataloader == base.train_dataloader
