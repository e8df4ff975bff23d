import pytest
import torch
import torch.nn.functional as F

from lt_mm.core import ClassStatistics
from lt_mm.det import GroupSoftmaxLoss

# instance counts 3, 50, 500, 5000 -> one class per group
COUNTS = [3, 50, 500, 5000]


def loss_with_groups(**kwargs):
    loss = GroupSoftmaxLoss(num_classes=4, **kwargs)
    labels = [[c] * n for c, n in enumerate(COUNTS)]
    loss.set_class_statistics(ClassStatistics.from_labels(labels, 4))
    return loss


def test_groups_come_from_instance_counts_and_are_saved():
    loss = loss_with_groups()
    assert loss.group.tolist() == [0, 1, 2, 3]
    restored = GroupSoftmaxLoss(num_classes=4)
    restored.load_state_dict(loss.state_dict())
    assert restored.group.tolist() == [0, 1, 2, 3] and restored.has_statistics


def test_loss_by_hand():
    # logits all 0: objectness CE log 2; group of the RoI's class: softmax
    # over [others, class] -> log 2; other groups have no positives
    loss = loss_with_groups()
    losses = loss(torch.zeros(1, 4 + 2 + 4), torch.tensor([1]))
    assert set(losses) == {'loss_cls_objectness', 'loss_cls_group1',
                           'loss_cls_group2', 'loss_cls_group3',
                           'loss_cls_group4'}
    log2 = torch.log(torch.tensor(2.0))
    torch.testing.assert_close(losses['loss_cls_objectness'], log2)
    torch.testing.assert_close(losses['loss_cls_group2'], log2)
    for g in (1, 3, 4):
        assert losses[f'loss_cls_group{g}'] == 0


@pytest.mark.parametrize('renormalize', [False, True])
def test_merged_scores(renormalize):
    torch.manual_seed(0)
    loss = loss_with_groups(renormalize=renormalize)
    logits = torch.randn(6, 10)
    scores = loss.get_activation(logits)
    objectness = logits[:, 4:6].softmax(1)  # [bg, fg]
    assert scores.shape == (6, 5)
    torch.testing.assert_close(scores[:, 4], objectness[:, 0])
    # one class per group: p_group(c) = softmax([others_g, z_c])[1]
    within = torch.sigmoid(logits[:, :4] - logits[:, 6:])
    if renormalize:
        within = within / within.sum(1, keepdim=True)
        torch.testing.assert_close(scores.sum(1), torch.ones(6))
    torch.testing.assert_close(scores[:, :4], within * objectness[:, 1:])


@pytest.mark.parametrize('labels', [[4, 4, 4], [0, 1, 2], []])
def test_all_background_no_background_empty_and_fp16(labels):
    loss = loss_with_groups()
    logits = torch.randn(len(labels), 10).half().requires_grad_()
    losses = loss(logits, torch.tensor(labels, dtype=torch.long))
    total = sum(losses.values())
    total.backward()
    assert torch.isfinite(total) and torch.isfinite(logits.grad).all()


def test_training_without_statistics_and_bad_arguments():
    with pytest.raises(RuntimeError, match='ClassStatisticsHook'):
        GroupSoftmaxLoss(num_classes=4)(torch.zeros(2, 10),
                                         torch.tensor([0, 4]))
    with pytest.raises(ValueError, match='reduction'):
        GroupSoftmaxLoss(reduction='sum')
    with pytest.raises(ValueError, match='expects 10 logits'):
        loss_with_groups()(torch.zeros(2, 9), torch.tensor([0, 4]))


def test_objectness_term_is_the_fg_bg_cross_entropy():
    torch.manual_seed(0)
    loss = loss_with_groups()
    logits = torch.randn(8, 10)
    labels = torch.tensor([0, 4, 4, 3, 2, 4, 1, 4])
    expected = F.cross_entropy(logits[:, 4:6], (labels < 4).long())
    torch.testing.assert_close(loss(logits, labels)['loss_cls_objectness'],
                               expected)
