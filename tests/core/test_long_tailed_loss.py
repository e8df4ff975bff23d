"""The host-neutral loss base and its reduction, against both hosts'
``weight_reduce_loss`` (mmdet/models/losses/utils.py, mmpretrain
models/losses/utils.py: the same convention)."""
import pytest
import torch
from mmdet.models.losses.utils import weight_reduce_loss as mmdet_reduce
from mmpretrain.models.losses.utils import \
    weight_reduce_loss as mmpretrain_reduce

from lt_mm.core import LongTailedLoss
from lt_mm.core.losses import weight_reduce_loss


@pytest.mark.parametrize('reduction', ['none', 'mean', 'sum'])
@pytest.mark.parametrize('avg_factor', [None, 3.0])
@pytest.mark.parametrize('weighted', [False, True])
def test_reduction_equals_the_hosts(reduction, avg_factor, weighted):
    loss = torch.tensor([1.0, 2.0, 4.0, 8.0])
    weight = torch.tensor([1.0, 0.5, 0.0, 2.0]) if weighted else None
    if avg_factor is not None and reduction == 'sum':
        with pytest.raises(ValueError, match='avg_factor'):
            weight_reduce_loss(loss, weight, reduction, avg_factor)
        return
    ours = weight_reduce_loss(loss, weight, reduction, avg_factor)
    for host in (mmdet_reduce, mmpretrain_reduce):
        assert torch.equal(ours, host(loss, weight, reduction, avg_factor))


def test_hand_case_of_the_per_sample_mean():
    """(1 * 1 + 0.5 * 2 + 0 * 4 + 2 * 8) / 4 = 4.5, times loss_weight 2; an
    empty batch gives 0, not NaN."""
    base = LongTailedLoss(num_classes=3, loss_weight=2.0)
    loss = torch.tensor([1.0, 2.0, 4.0, 8.0])
    weight = torch.tensor([1.0, 0.5, 0.0, 2.0])
    assert base.reduce_per_sample(loss, weight, 'mean', None).item() == \
        pytest.approx(9.0)
    assert base.reduce_per_sample(loss, weight, 'mean', 9.0).item() == \
        pytest.approx(4.0)
    assert base.reduce_per_sample(torch.zeros(0), None, 'mean',
                                  None).item() == 0


def test_bad_arguments_are_errors():
    with pytest.raises(ValueError, match='positive integer'):
        LongTailedLoss(num_classes=0)
    with pytest.raises(ValueError, match='reduction must be one of'):
        LongTailedLoss(num_classes=2, reduction='avg')
    base = LongTailedLoss(num_classes=2)
    base.extra_channels = 1
    with pytest.raises(ValueError, match=r'expects 3 logits'):
        base.check_logits(torch.zeros(4, 2))


def test_a_softmax_roi_loss_stands_on_the_base_without_the_protocol():
    """The equilibrium loss keeps mmdet's own classifier layout and scores,
    so it needs no bbox-head protocol: it is a LongTailedLoss only."""
    from lt_mm.det.models.losses.equilibrium_loss import EquilibriumLoss
    from lt_mm.det.models.losses.roi_classification_loss import \
        RoIClassificationLoss
    loss = EquilibriumLoss(num_classes=3)
    assert isinstance(loss, LongTailedLoss)
    assert not isinstance(loss, RoIClassificationLoss)
    assert not getattr(loss, 'custom_cls_channels', False)
