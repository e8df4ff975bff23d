import pytest
import torch
import torch.nn.functional as F

pytest.importorskip('mmpretrain')

from lt_mm.cls.models import ResNet32  # noqa: E402


def test_parameters_and_feature_maps():
    model = ResNet32(out_indices=(0, 1, 2))
    # He et al.'s ResNet-32 has 0.46M parameters with a 10-class classifier
    # (64 * 10 + 10 = 650 of them).
    assert sum(p.numel() for p in model.parameters()) + 650 == 464154
    convs = [m for m in model.modules() if isinstance(m, torch.nn.Conv2d)]
    assert len(convs) == 31  # + the classifier = 32 weighted layers
    outs = model(torch.randn(2, 3, 32, 32))
    assert [tuple(o.shape) for o in outs] == [(2, 16, 32, 32),
                                             (2, 32, 16, 16), (2, 64, 8, 8)]
    assert ResNet32(in_channels=1)(torch.randn(1, 1, 8, 8))[0].shape == (1, 64,
                                                                       2, 2)


def test_option_a_shortcut_subsamples_and_zero_pads():
    model = ResNet32().eval()
    block = model.stages[1][0]  # 16 -> 32 channels, stride 2
    assert block.projection is None and block.pad == 8
    x = torch.randn(2, 16, 8, 8)
    expected = F.pad(x[:, :, ::2, ::2], (0, 0, 0, 0, 8, 8))
    torch.testing.assert_close(block.shortcut(x), expected)
    # With the residual branch silenced, the block is relu(shortcut).
    with torch.no_grad():
        block.bn2.weight.zero_()
        block.bn2.bias.zero_()
    torch.testing.assert_close(block(x), expected.relu())


def test_option_b_and_init():
    model = ResNet32(shortcut='B')
    assert model.stages[2][0].projection[0].weight.shape == (64, 32, 1, 1)
    assert sum(p.numel() for p in model.parameters()) > 463504
    model = ResNet32()
    model.init_weights()
    w = model.stages[2][1].conv1.weight
    # Kaiming normal, fan-in: std sqrt(2 / (64 * 9)) = 0.0589.
    assert w.std().item() == pytest.approx((2 / 576)**0.5, rel=0.05)


@pytest.mark.parametrize(
    'kwargs',
    [dict(shortcut='C'), dict(out_indices=(3, )), dict(out_indices=())])
def test_bad_arguments(kwargs):
    with pytest.raises(ValueError):
        ResNet32(**kwargs)
