import numpy as np
import pytest
import torch
import torch.nn.functional as F
from mmengine.config import ConfigDict

from lt_mm.core import ClassStatistics
from lt_mm.core.losses.acsl import acsl_weights
from lt_mm.det import AdaptiveClassSuppressionLoss
from .loss_helpers import build_bbox_head, lvis_batch


def stats_with_frequency(frequency):
    num_classes = len(frequency)
    return ClassStatistics.from_labels([list(range(num_classes))],
                                       num_classes, frequency=frequency)


def test_frequency_groups_from_statistics_and_loss_by_hand():
    loss = AdaptiveClassSuppressionLoss(num_classes=3)
    loss.set_class_statistics(stats_with_frequency(['f', 'r', 'c']))
    assert loss.frequency_group.tolist() == [2, 0, 1]
    # one RoI of class 0 with all logits 0: only its own logit is trained
    value = loss(torch.zeros(1, 4), torch.tensor([0]))
    torch.testing.assert_close(value, torch.tensor(np.log(2.0),
                                                   dtype=torch.float32))
    # one background RoI: background logit + the frequent class (100%)
    value = loss(torch.zeros(1, 4), torch.tensor([3]))
    torch.testing.assert_close(value, torch.tensor(2 * np.log(2.0),
                                                   dtype=torch.float32))


def test_loss_is_the_weighted_bce_mean_over_rois():
    logits, labels = lvis_batch(0, num_rois=256, num_classes=50,
                                extra_channels=1)
    loss = AdaptiveClassSuppressionLoss(num_classes=50)
    loss.set_class_statistics(
        stats_with_frequency(['r'] * 20 + ['c'] * 20 + ['f'] * 10))
    torch.manual_seed(1)
    value = loss(logits, labels)
    torch.manual_seed(1)  # the same background draw
    weights = acsl_weights(logits, labels, loss.frequency_group)
    explicit = (weights * F.binary_cross_entropy_with_logits(
        logits, F.one_hot(labels, 51).float(), reduction='none')).sum() / 256
    torch.testing.assert_close(value, explicit)


def test_training_without_statistics_says_what_to_add():
    loss = AdaptiveClassSuppressionLoss(num_classes=3)
    with pytest.raises(RuntimeError, match='ClassStatisticsHook'):
        loss(torch.zeros(2, 4), torch.tensor([0, 3]))
    loss.eval()  # testing needs no statistics
    assert loss.get_activation(torch.zeros(2, 4)).shape == (2, 4)


@pytest.mark.parametrize('labels', [[3, 3, 3], [0, 1, 2], []])
def test_all_background_no_background_empty_and_fp16(labels):
    loss = AdaptiveClassSuppressionLoss(num_classes=3)
    loss.set_class_statistics(stats_with_frequency(['r', 'c', 'f']))
    logits = torch.randn(len(labels), 4).half().requires_grad_()
    value = loss(logits, torch.tensor(labels, dtype=torch.long))
    value.backward()
    assert torch.isfinite(value) and torch.isfinite(logits.grad).all()


def test_frequency_group_is_saved_in_the_state_dict():
    loss = AdaptiveClassSuppressionLoss(num_classes=3)
    loss.set_class_statistics(stats_with_frequency(['c', 'r', 'f']))
    restored = AdaptiveClassSuppressionLoss(num_classes=3)
    restored.load_state_dict(loss.state_dict())
    assert restored.frequency_group.tolist() == [1, 0, 2]
    assert restored.has_statistics


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match='score_thr'):
        AdaptiveClassSuppressionLoss(score_thr=1.5)
    with pytest.raises(ValueError, match='background_ratios'):
        AdaptiveClassSuppressionLoss(background_ratios=(0.1, 0.2))


def test_test_scores_are_the_authors_sigmoids_by_hand():
    """CASIA-IVA-Lab/ACSL tests with ``use_sigmoid=True``
    (configs/acsl/faster_rcnn_r50_fpn_1x_lvis_tunefc_acsl.py L103, read in
    mmdet/models/detectors/test_mixins.py L56-L72): score_j = sigmoid(z_j)
    (mmdet/models/bbox_heads/bbox_head.py L158-L159), no objectness gating;
    NMS skips the background column (mmdet/core/post_processing/bbox_nms.py
    L35). sigmoid(0) = 1/2, sigmoid(+-log 3) = 3/4, 1/4."""
    log3 = float(np.log(3.0))
    z = torch.tensor([[0.0, log3, -log3], [-log3, 0.0, log3]])
    expected = torch.tensor([[0.5, 0.75, 0.25], [0.25, 0.5, 0.75]])
    loss = AdaptiveClassSuppressionLoss(num_classes=2)
    torch.testing.assert_close(loss.get_activation(z), expected)
    # the option: class scores times 1 - sigmoid(z_bg)
    gated = AdaptiveClassSuppressionLoss(num_classes=2,
                                         objectness_gated_scores=True)
    torch.testing.assert_close(
        gated.get_activation(z),
        torch.tensor([[0.5 * 0.75, 0.75 * 0.75, 0.25],
                      [0.25 * 0.25, 0.5 * 0.25, 0.75]]))


@pytest.mark.parametrize('gated', [False, True])
def test_a_class_ranks_its_detections_by_sigmoid_of_its_logit(gated):
    """Through mmdet's bbox head prediction and NMS: box A (z_0 = 2,
    z_bg = 3) outranks box B (z_0 = 1, z_bg = -3) for class 0 because
    sigmoid(2) = 0.881 > sigmoid(1) = 0.731, as in the authors' scoring
    (CASIA-IVA-Lab/ACSL, mmdet/models/bbox_heads/bbox_head.py L158-L159).
    Objectness gating would reverse them: 0.881 * 0.047 < 0.731 * 0.953."""
    head = build_bbox_head(
        2,
        dict(
            type='lt_mm.AdaptiveClassSuppressionLoss',
            num_classes=2,
            objectness_gated_scores=gated))
    rois = torch.tensor([[0, 0, 0, 10, 10], [0, 50, 50, 60, 60]]).float()
    cls_score = torch.tensor([[2.0, -10.0, 3.0], [1.0, -10.0, -3.0]])
    result, = head.predict_by_feat(
        rois=(rois, ),
        cls_scores=(cls_score, ),
        bbox_preds=(torch.zeros(2, 8), ),
        batch_img_metas=[dict(img_shape=(100, 100), scale_factor=(1, 1))],
        rcnn_test_cfg=ConfigDict(
            score_thr=0.0,
            nms=dict(type='nms', iou_threshold=0.5),
            max_per_img=100))
    class0 = result.labels == 0
    order = result.bboxes[class0][:, 0].tolist()  # x1: 0 is A, 50 is B
    scores = result.scores[class0]
    if gated:
        assert order == [50.0, 0.0]
    else:
        assert order == [0.0, 50.0]
        torch.testing.assert_close(
            scores, torch.tensor([2.0, 1.0]).sigmoid())
