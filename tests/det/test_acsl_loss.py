import numpy as np
import pytest
import torch
import torch.nn.functional as F

from lt_mm.core import ClassStatistics
from lt_mm.core.losses.acsl import acsl_weights
from lt_mm.det import AdaptiveClassSuppressionLoss
from .loss_helpers import lvis_batch


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
