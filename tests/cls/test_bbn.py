"""BBN (Zhou et al., CVPR 2020): cumulative learning schedule, the mixed
loss and its gradient, the split backbone and the classifier's routing of
the two streams, against Megvii-Nanjing/BBN's code (lib/core/combiner.py,
lib/backbone/resnet_cifar.py)."""
import math

import pytest
import torch
import torch.nn.functional as F

pytest.importorskip('mmpretrain')

from mmengine.logging import MessageHub  # noqa: E402
from mmengine.registry import DefaultScope  # noqa: E402
from mmpretrain.structures import DataSample  # noqa: E402

import lt_mm  # noqa: E402,F401
from lt_mm.cls.models.backbones import BBNBackbone  # noqa: E402
from lt_mm.cls.models.heads import BBNClsHead  # noqa: E402
from lt_mm.core.bbn import (bilateral_features,  # noqa: E402
                            cumulative_learning_alpha,
                            cumulative_learning_period)
from lt_mm.registry import MODELS  # noqa: E402


def build_head(**kwargs):
    """The head with its loss built as in a classification config: in
    mmpretrain's scope, whatever scope an earlier test left (in mmdet's,
    'CrossEntropyLoss' is mmdet's, which adds float32 eps to avg_factor)."""
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        return BBNClsHead(**kwargs)


def test_cumulative_alpha_is_the_authors_parabola():
    """combiner.py L48: l = 1 - ((epoch - 1) / div_epoch)^2 with 1-indexed
    epochs (main/train.py L182), div_epoch = MAX_EPOCH except 90 -> 100 and
    180 -> 200 (L16-L19). Our epochs are 0-indexed."""
    assert cumulative_learning_alpha(0, 200) == 1.0
    assert cumulative_learning_alpha(100, 200) == 0.75
    assert cumulative_learning_alpha(199, 200) == pytest.approx(
        1 - 0.995**2)  # 0.009975, never 0
    assert cumulative_learning_period(90) == 100
    assert cumulative_learning_period(180) == 200
    assert cumulative_learning_period(20) == 20
    assert cumulative_learning_alpha(50, 90) == 0.75  # 1 - (50 / 100)^2
    assert cumulative_learning_alpha(89, 90) == pytest.approx(1 - 0.89**2)
    with pytest.raises(ValueError, match='epoch'):
        cumulative_learning_alpha(200, 200)


def head_2x1():
    """Two classes over one conventional and one re-balancing channel:
    W = [[1, 0], [0, 1]] (rows: classes; columns: f_c, f_r), b = 0."""
    head = build_head(num_classes=2, in_channels=2)
    with torch.no_grad():
        head.fc.weight.copy_(torch.eye(2))
        head.fc.bias.zero_()
    return head


def samples(*labels):
    return [DataSample().set_gt_label(y) for y in labels]


def test_mixed_loss_by_hand():
    """combiner.py L56-L58: z = W (2 [l f_a ; (1 - l) f_b]) + b,
    loss = l CE(z, y_a) + (1 - l) CE(z, y_b). With f_c = 1, f_r = 2,
    alpha = 0.75: z = (1.5, 1.0); CE(z, 0) = log(1 + e^-0.5) = 0.474077,
    CE(z, 1) = log(1 + e^0.5) = 0.974077; loss = 0.599077."""
    loss = head_2x1().loss_bilateral(
        (torch.tensor([[1.0]]), ), (torch.tensor([[2.0]]), ), samples(0),
        samples(1), 0.75)['loss']
    assert loss.item() == pytest.approx(
        0.75 * math.log(1 + math.exp(-0.5)) +
        0.25 * math.log(1 + math.exp(0.5)), abs=1e-6)
    assert loss.item() == pytest.approx(0.599077, abs=1e-6)


def test_mixed_loss_gradient_by_hand_and_gradcheck():
    """d loss / d f_c = 2 alpha W_c^T (p - alpha e_yc - (1 - alpha) e_yr),
    d loss / d f_r = 2 (1 - alpha) W_r^T (same), from the loss of
    combiner.py L56-L58; and torch.autograd.gradcheck of the whole head
    loss (features and classifier) in float64."""
    head = head_2x1().double()
    f_c = torch.tensor([[1.0]], dtype=torch.float64, requires_grad=True)
    f_r = torch.tensor([[2.0]], dtype=torch.float64, requires_grad=True)
    head.loss_bilateral((f_c, ), (f_r, ), samples(0), samples(1),
                        0.75)['loss'].backward()
    p1 = 1 / (1 + math.exp(0.5))  # softmax of z = (1.5, 1.0), class 1
    residual = [(1 - p1) - 0.75, p1 - 0.25]
    assert f_c.grad.item() == pytest.approx(2 * 0.75 * residual[0])
    assert f_r.grad.item() == pytest.approx(2 * 0.25 * residual[1])

    torch.manual_seed(0)
    head = build_head(num_classes=3, in_channels=8).double()
    labels_c, labels_r = samples(0, 2, 1), samples(2, 2, 0)

    def loss(fc, fr, weight, bias):
        head.fc.weight.data, head.fc.bias.data = weight, bias
        feats = bilateral_features(fc, fr, 0.3)
        return F.cross_entropy(feats @ weight.t() + bias,
                               torch.tensor([0, 2, 1])) * 0.3 + \
            F.cross_entropy(feats @ weight.t() + bias,
                            torch.tensor([2, 2, 0])) * 0.7

    args = [torch.randn(3, 4, dtype=torch.float64, requires_grad=True),
            torch.randn(3, 4, dtype=torch.float64, requires_grad=True),
            torch.randn(3, 8, dtype=torch.float64, requires_grad=True),
            torch.randn(3, dtype=torch.float64, requires_grad=True)]
    assert torch.autograd.gradcheck(loss, args)
    # the head computes the same function
    with torch.no_grad():
        head.fc.weight.copy_(args[2])
        head.fc.bias.copy_(args[3])
    ours = head.loss_bilateral((args[0], ), (args[1], ), labels_c, labels_r,
                               0.3)['loss']
    assert ours.item() == pytest.approx(loss(*args).item(), rel=1e-12)


def test_test_time_logits_are_the_mix_at_one_half():
    """function.py L75-L77: the test-time classifier input is [f_c ; f_r]
    (resnet_cifar.py L208-L210), the training mix at alpha = 0.5, with
    weight 1 (not 0.5) on each branch."""
    torch.manual_seed(0)
    head = build_head(num_classes=5, in_channels=6)
    f_c, f_r = torch.randn(4, 3), torch.randn(4, 3)
    test_logits = head((torch.cat((f_c, f_r), dim=1), ))
    mixed = head.fc(bilateral_features(f_c, f_r, 0.5))
    assert torch.allclose(test_logits, mixed)
    w = head.fc.weight
    assert torch.allclose(
        test_logits, f_c @ w[:, :3].t() + f_r @ w[:, 3:].t() + head.fc.bias,
        atol=1e-6)


def test_backbone_shares_all_but_the_last_block():
    """resnet_cifar.py L160-L164: ResNet-32 with num_blocks[2] - 1 = 4
    blocks in the last stage, then cb_block and rb_block, each initialised
    on its own (L166: apply(_weights_init) draws each block anew)."""
    torch.manual_seed(0)
    model = BBNBackbone(backbone=dict(type='lt_mm.ResNet32'))
    model.init_weights()
    plain = MODELS.build(dict(type='lt_mm.ResNet32'))
    assert len(model.backbone.stages[2]) == 4
    block_params = sum(p.numel() for p in model.conventional.parameters())
    assert sum(p.numel() for p in model.parameters()) == sum(
        p.numel() for p in plain.parameters()) + block_params
    assert not torch.equal(model.conventional.conv1.weight,
                           model.rebalancing.conv1.weight)
    # Kaiming-normal fan-in (the backbone's init): std sqrt(2 / (64 * 9))
    std = model.rebalancing.conv1.weight.std().item()
    assert std == pytest.approx(math.sqrt(2 / 576), rel=0.1)
    x = torch.randn(2, 3, 32, 32)
    model.eval()
    both = model(x)[0]
    assert both.shape == (2, 128, 8, 8)
    assert torch.equal(both[:, :64], model(x, 'conventional')[0])
    assert torch.equal(both[:, 64:], model(x, 'rebalancing')[0])
    with pytest.raises(ValueError, match='branch'):
        model(x, 'both')


def bbn_digits_model():
    # mmpretrain's scope, as in a runner, for its ResNet_CIFAR
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        return MODELS.build(
            dict(
                type='lt_mm.BBNClassifier',
                backbone=dict(
                    type='lt_mm.BBNBackbone',
                    backbone=dict(
                        type='ResNet_CIFAR', depth=18, in_channels=1,
                        stem_channels=8, base_channels=8, num_stages=2,
                        strides=(1, 2), dilations=(1, 1),
                        out_indices=(1, ))),
                neck=dict(type='GlobalAveragePooling'),
                head=dict(type='lt_mm.BBNClsHead', num_classes=3,
                          in_channels=32)))


def test_classifier_routes_each_stream_to_its_branch():
    """combiner.py L43-L58: the first stream (uniform sampler) through
    cb_block, the second (reversed sampler) through rb_block, each stream
    through the shared layers on its own, alpha from the current epoch."""
    torch.manual_seed(0)
    model = bbn_digits_model().train()
    hub = MessageHub.get_current_instance()
    hub.update_info('epoch', 10)
    hub.update_info('max_epochs', 20)
    x = torch.randn(4, 1, 8, 8)
    data = samples(0, 2, 1, 1)
    for i, sample in enumerate(data):
        sample.set_metainfo(dict(paired_stream=i % 2))
    loss = model.loss(x, data)['loss']
    feats_c = model.neck(model.backbone(x[[0, 2]], branch='conventional'))
    feats_r = model.neck(model.backbone(x[[1, 3]], branch='rebalancing'))
    expected = model.head.loss_bilateral(feats_c, feats_r,
                                         [data[0], data[2]],
                                         [data[1], data[3]], 0.75)['loss']
    assert loss.item() == pytest.approx(expected.item(), rel=1e-6)
    loss.backward()
    assert model.backbone.conventional.conv1.weight.grad.abs().sum() > 0
    assert model.backbone.rebalancing.conv1.weight.grad.abs().sum() > 0

    for sample in data:
        sample.set_metainfo(dict(paired_stream=None))
    with pytest.raises(ValueError, match='PairedDataset'):
        model.loss(x, data)
