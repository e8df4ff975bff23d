"""The multi-expert backbone / head interface shared by RIDE and SADE,
against the authors' RIDE networks (frank-xwang/RIDE-LongTailRecognition,
model/ldam_drw_resnets/ride_resnet_cifar.py L97-L197,
model/fb_resnets/RIDEResNeXt.py L104-L238)."""
import pytest
import torch
import torch.nn.functional as F
from mmpretrain.structures import DataSample

from lt_mm.cls.models.losses import MultiExpertLoss
from lt_mm.registry import MODELS


def n_params(*modules):
    return sum(p.numel() for m in modules for p in m.parameters())


def test_cifar_experts_share_stem_and_stage1_at_ride_widths():
    """ride_resnet_cifar.py L105-L124: conv1 / bn1 / layer1 (16 channels)
    shared, per expert layer2s (24) and layer3s (48) with reduce_dimension.
    Parameter counts by hand (3x3 convs, BN 2 per channel, option-A
    shortcuts without parameters): shared 3*16*9 + 32 + 5 * (2 * 16*16*9 +
    64) = 23,824; an expert's stage 2 16*24*9 + 24*24*9 + 96 + 4 * (2 *
    24*24*9 + 96) = 50,592, stage 3 24*48*9 + 48*48*9 + 192 + 4 * (2 *
    48*48*9 + 192) = 197,952."""
    net = MODELS.build(dict(type='lt_mm.MultiExpertCIFARResNet'))
    assert n_params(*net.shared_modules()) == 23_824
    for i in range(3):
        assert n_params(*net.expert_modules(i)) == 50_592 + 197_952
    assert n_params(net) == 23_824 + 3 * (50_592 + 197_952)
    x = torch.randn(2, 3, 32, 32)
    feats = net(x)
    assert isinstance(feats, tuple) and len(feats) == 3
    assert all(f.shape == (2, 48, 8, 8) for f in feats)
    # the experts see the same shared map and differ only by their weights
    shared = net.forward_shared(x)
    torch.testing.assert_close(net.forward_expert(shared, 1), feats[1])
    assert not torch.allclose(feats[0], feats[1])


def test_resnext_experts_own_stages_3_and_4_at_ride_widths():
    """RIDEResNeXt.py L119-L138: layer1-2 shared, layer3s / layer4s per
    expert at planes 192 / 384 (x4: 768 / 1536 channels)."""
    net = MODELS.build(
        dict(type='lt_mm.MultiExpertResNeXt', num_experts=1)).eval()
    assert net.out_channels == 1536
    stage3, stage4 = net.experts[0]
    assert len(stage3) == 6 and len(stage4) == 3
    assert stage3[0].conv2.groups == 32 and stage3[0].conv2.in_channels == 384
    assert stage4[-1].conv3.out_channels == 1536
    with torch.no_grad():
        feats = net(torch.zeros(1, 3, 32, 32))
    assert [f.shape for f in feats] == [(1, 1536, 1, 1)]


class Recorder(MultiExpertLoss):

    def forward(self, expert_logits, label, avg_factor=None):
        self.seen = (expert_logits, label, avg_factor)
        return dict(loss_a=expert_logits[0].sum(), loss_b=label.sum() * 0.0)


def head_and_feats(loss=None):
    head = MODELS.build(
        dict(type='lt_mm.MultiExpertClsHead', num_classes=4, in_channels=5,
             num_experts=3, **({} if loss is None else dict(loss=loss))))
    gen = torch.Generator().manual_seed(0)
    feats = tuple(torch.randn(2, 5, generator=gen) for _ in range(3))
    return head, feats


def test_head_cosine_logits_mean_prediction_and_loss_protocol():
    """ride_resnet_cifar.py L40-L49, L171-L176, L196: expert k's logits are
    s * <x / |x|, w_j / |w_j|> with s = 30; the output is their mean."""
    head, feats = head_and_feats()
    logits = head.forward_experts(feats)
    assert len(logits) == 3
    for k, (z, x) in enumerate(zip(logits, feats)):
        w = head.fcs[k].weight
        expected = 30 * (x / x.norm(dim=1, keepdim=True)) @ (
            w / w.norm(dim=1, keepdim=True)).T
        torch.testing.assert_close(z, expected)
        assert z.abs().max() <= 30 + 1e-4
    torch.testing.assert_close(head(feats), sum(logits) / 3)
    samples = [DataSample().set_gt_label(1), DataSample().set_gt_label(3)]
    pred = head.predict(feats, samples)
    torch.testing.assert_close(pred[0].pred_score,
                               F.softmax(sum(logits) / 3, 1)[0])
    # a MultiExpertLoss receives the list; its dict is what the model logs
    head, feats = head_and_feats(Recorder())
    losses = head.loss(feats, samples)
    expert_logits, label, avg = head.loss_module.seen
    assert len(expert_logits) == 3 and avg == 2
    assert label.tolist() == [1, 3]
    assert set(losses) == {'loss_a', 'loss_b'}


def test_head_sums_a_plain_loss_over_experts():
    head, feats = head_and_feats(dict(type='CrossEntropyLoss'))
    samples = [DataSample().set_gt_label(1), DataSample().set_gt_label(3)]
    target = torch.tensor([1, 3])
    expected = sum(
        F.cross_entropy(z, target) for z in head.forward_experts(feats))
    torch.testing.assert_close(head.loss(feats, samples)['loss'], expected)


def test_head_refuses_a_single_stage_backbone():
    head, feats = head_and_feats()
    with pytest.raises(ValueError, match='3 per-expert features'):
        head(feats[:1])
