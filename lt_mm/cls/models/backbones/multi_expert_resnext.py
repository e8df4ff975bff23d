"""Multi-expert ResNeXt for ImageNet-scale images (RIDE, Wang et al.,
ICLR 2021): the stem and stages 1-2 are shared, each expert owns a copy of
stages 3 and 4.

RIDE narrows the experts (``reduce_dimension``): stage widths 192 and 384
instead of 256 and 512 before the bottleneck expansion of 4, so an expert
returns 1536 channels instead of 2048 (frank-xwang/RIDE-LongTailRecognition,
model/fb_resnets/RIDEResNeXt.py L119-L138). Blocks are mmpretrain's ResNeXt
bottlenecks (the group width scales with the stage width: 32 groups of 4
channels per 64).
"""
from typing import Sequence, Tuple

import torch.nn as nn
from mmengine.model import BaseModule
from mmpretrain.models.backbones.resnet import ResLayer
from mmpretrain.models.backbones.resnext import Bottleneck, ResNeXt
from torch import Tensor

from lt_mm.registry import MODELS
from .expert_layout import check_expert_layout


@MODELS.register_module()
class MultiExpertResNeXt(BaseModule):
    """ResNeXt with shared stages 1-2 and ``num_experts`` copies of stages
    3-4 (see the module docstring).

    Interface shared by the multi-expert methods (RIDE, SADE): as
    :class:`lt_mm.MultiExpertCIFARResNet`, ``forward(x)`` returns a tuple of
    ``num_experts`` **unpooled** (B, C, H, W) feature maps, one per expert,
    ``C = 4 * expert_channels[-1]``; ``forward_shared`` /
    ``forward_expert(shared, i)`` split it for routed inference;
    ``shared_modules()`` / ``expert_modules(i)`` list the parts.

    Args:
        depth (int): 50 or 101 (mmpretrain's ResNeXt arch settings).
            Defaults to 50.
        num_experts (int): Number of experts. Defaults to 3.
        expert_channels (Sequence[int]): Stage widths of an expert's stages
            3 and 4 before the expansion of 4. Defaults to (192, 384), RIDE's
            ``reduce_dimension``; (256, 512) is the plain network's.
        groups (int): Groups of the 3x3 convolutions. Defaults to 32.
        width_per_group (int): Channels per group at width 64.
            Defaults to 4.
        in_channels (int): Input channels. Defaults to 3.
        norm_cfg (dict): Normalisation layers. Defaults to BN.
        init_cfg (dict | list[dict]): Defaults to the authors' init:
            normal convolutions with std sqrt(2 / (k^2 out_channels)) (Kaiming
            fan-out), BN weights 1 and biases 0, no zero-initialised residual.
    """

    def __init__(self,
                 depth: int = 50,
                 num_experts: int = 3,
                 expert_channels: Sequence[int] = (192, 384),
                 groups: int = 32,
                 width_per_group: int = 4,
                 in_channels: int = 3,
                 norm_cfg: dict = dict(type='BN', requires_grad=True),
                 init_cfg=[
                     dict(type='Kaiming', layer='Conv2d', mode='fan_out',
                          nonlinearity='relu', distribution='normal'),
                     dict(type='Constant', val=1, bias=0,
                          layer=['_BatchNorm', 'GroupNorm'])
                 ]):
        super().__init__(init_cfg=init_cfg)
        if depth not in ResNeXt.arch_settings or depth < 50:
            raise ValueError(
                f'depth must be 50, 101 or 152 (bottlenecks), got {depth}')
        expert_channels = check_expert_layout(num_experts, expert_channels,
                                              '3 and 4')
        self.num_experts = num_experts
        self.shared = ResNeXt(
            depth,
            groups=groups,
            width_per_group=width_per_group,
            in_channels=in_channels,
            num_stages=2,
            strides=(1, 2),
            dilations=(1, 1),
            out_indices=(1, ),
            norm_cfg=norm_cfg,
            zero_init_residual=False,
            init_cfg=None)
        stage_blocks = ResNeXt.arch_settings[depth][1][2:]
        expansion = Bottleneck.expansion if hasattr(Bottleneck,
                                                    'expansion') else 4
        self.out_channels = expert_channels[-1] * expansion
        self.experts = nn.ModuleList()
        for _ in range(num_experts):
            channels, layers = self.shared.feat_dim, []
            for blocks, width in zip(stage_blocks, expert_channels):
                layers.append(
                    ResLayer(
                        block=Bottleneck,
                        num_blocks=blocks,
                        in_channels=channels,
                        out_channels=width * expansion,
                        expansion=expansion,
                        stride=2,
                        style='pytorch',
                        norm_cfg=norm_cfg,
                        groups=groups,
                        width_per_group=width_per_group,
                        base_channels=64))
                channels = width * expansion
            self.experts.append(nn.Sequential(*layers))

    def shared_modules(self) -> Tuple[nn.Module, ...]:
        return (self.shared, )

    def expert_modules(self, index: int) -> Tuple[nn.Module, ...]:
        return (self.experts[index], )

    def forward_shared(self, x: Tensor) -> Tensor:
        return self.shared(x)[-1]

    def forward_expert(self, shared: Tensor, index: int) -> Tensor:
        return self.experts[index](shared)

    def forward(self, x: Tensor) -> Tuple[Tensor, ...]:
        shared = self.forward_shared(x)
        return tuple(
            self.forward_expert(shared, i) for i in range(self.num_experts))
