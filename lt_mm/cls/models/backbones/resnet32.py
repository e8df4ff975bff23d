"""ResNet-32 for 32x32 images (He et al., "Deep Residual Learning for Image
Recognition", CVPR 2016, Sec. 4.2), the backbone of the CIFAR-LT benchmarks
(LDAM-DRW, BBN, RIDE, SADE ...).

A 3x3 stem of 16 channels, then three stages of five BasicBlocks with 16, 32
and 64 channels at strides 1, 2, 2: 6n + 2 = 32 layers for n = 5, 0.46M
parameters with a 10-class linear classifier. Where a block changes shape its
shortcut is the paper's option A: stride-2 subsampling and zero-padding of the
new channels, no parameters.
"""
from typing import Sequence

import torch.nn as nn
import torch.nn.functional as F
from mmengine.model import BaseModule

from lt_mm.registry import MODELS


class CIFARBasicBlock(BaseModule):
    """Two 3x3 conv-BN layers and a shortcut: option 'A' (zero-padding
    identity, He et al.'s CIFAR choice) or 'B' (1x1 conv + BN projection)."""

    def __init__(self, in_channels: int, out_channels: int, stride: int = 1,
                 shortcut: str = 'A'):
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, out_channels, 3, stride, 1,
                               bias=False)
        self.bn1 = nn.BatchNorm2d(out_channels)
        self.conv2 = nn.Conv2d(out_channels, out_channels, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(out_channels)
        self.stride = stride
        self.pad = 0
        self.projection = None
        if stride != 1 or in_channels != out_channels:
            if shortcut == 'A':
                if out_channels < in_channels or (out_channels -
                                                  in_channels) % 2:
                    raise ValueError(
                        'option A shortcuts pad channels symmetrically: '
                        f'{in_channels} -> {out_channels} cannot be padded')
                self.pad = (out_channels - in_channels) // 2
            else:
                self.projection = nn.Sequential(
                    nn.Conv2d(in_channels, out_channels, 1, stride,
                              bias=False), nn.BatchNorm2d(out_channels))

    def shortcut(self, x):
        if self.projection is not None:
            return self.projection(x)
        if self.stride != 1:
            x = x[:, :, ::self.stride, ::self.stride]
        if self.pad:
            x = F.pad(x, (0, 0, 0, 0, self.pad, self.pad))
        return x

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return F.relu(out + self.shortcut(x))


@MODELS.register_module()
class ResNet32(BaseModule):
    """ResNet-32 for CIFAR (see the module docstring).

    Args:
        in_channels (int): Channels of the input images. Defaults to 3.
        out_indices (Sequence[int]): Stages (0, 1, 2) whose feature maps are
            returned, as mmpretrain backbones do; a neck such as
            ``GlobalAveragePooling`` follows. Defaults to (2, ).
        shortcut (str): 'A' (published) or 'B'. Defaults to 'A'.
        init_cfg (dict | list[dict]): Defaults to Kaiming-normal
            convolutions (fan-in, as the reference code's
            ``kaiming_normal_``); BN layers keep unit weights.
    """
    stage_channels = (16, 32, 64)
    blocks_per_stage = 5

    def __init__(self,
                 in_channels: int = 3,
                 out_indices: Sequence[int] = (2, ),
                 shortcut: str = 'A',
                 init_cfg=dict(
                     type='Kaiming',
                     layer='Conv2d',
                     mode='fan_in',
                     nonlinearity='relu',
                     distribution='normal')):
        super().__init__(init_cfg=init_cfg)
        if shortcut not in ('A', 'B'):
            raise ValueError(f"shortcut must be 'A' or 'B', got {shortcut!r}")
        out_indices = tuple(out_indices)
        if not out_indices or not set(out_indices) <= {0, 1, 2}:
            raise ValueError(
                f'out_indices must be stages among 0, 1, 2, got {out_indices}')
        self.out_indices = out_indices
        self.conv1 = nn.Conv2d(in_channels, 16, 3, 1, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(16)
        channels = 16
        self.stages = nn.ModuleList()
        for i, out_channels in enumerate(self.stage_channels):
            blocks = []
            for j in range(self.blocks_per_stage):
                stride = 2 if i > 0 and j == 0 else 1
                blocks.append(
                    CIFARBasicBlock(channels, out_channels, stride, shortcut))
                channels = out_channels
            self.stages.append(nn.Sequential(*blocks))

    def forward(self, x):
        x = F.relu(self.bn1(self.conv1(x)))
        outs = []
        for i, stage in enumerate(self.stages):
            x = stage(x)
            if i in self.out_indices:
                outs.append(x)
        return tuple(outs)
