"""The losses as drop-in ``loss_cls`` of an mmdet bbox head: each sets
the classifier's channel count and returns (N, C + 1) test-time scores."""
import pytest
import torch

from .loss_helpers import build_bbox_head


@pytest.mark.parametrize('loss_type,channels', [
    ('lt_mm.EqualizationLoss', 10),
    ('lt_mm.FederatedLoss', 10),
    ('lt_mm.EqualizationLossV2', 11),
    ('lt_mm.AdaptiveClassSuppressionLoss', 11),
    ('lt_mm.SeesawLoss', 12),
    ('lt_mm.GroupSoftmaxLoss', 16),
])
def test_drop_in_loss_of_mmdet_bbox_head(loss_type, channels):
    loss_cfg = dict(type=loss_type, num_classes=10)
    head = build_bbox_head(10, loss_cfg)
    assert head.fc_cls.out_features == channels
    cls_score, _ = head(torch.randn(5, 8, 7, 7))
    assert cls_score.shape == (5, channels)
    scores = head.loss_cls.get_activation(cls_score)
    assert scores.shape == (5, 11)
    assert ((scores >= 0) & (scores <= 1)).all()
    with pytest.raises(ValueError, match='num_classes=20 but .* has 10'):
        build_bbox_head(20, loss_cfg)
