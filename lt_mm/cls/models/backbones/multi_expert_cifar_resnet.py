"""Multi-expert CIFAR ResNet: a shared stem and first stage, and one copy of
the later stages per expert (RIDE, Wang et al., "Long-tailed Recognition by
Routing Diverse Distribution-Aware Experts", ICLR 2021; SADE uses the same
backbone).

The CIFAR ResNet of depth 6n + 2 (ResNet-32: n = 5) has a 3x3 stem of 16
channels and three stages of n BasicBlocks. The experts share the stem and
stage 1 (16 channels); each expert owns stages 2 and 3 at strides 2, 2. RIDE
narrows the experts so that three of them cost about as much as the later
stages of 1.5 plain networks: stage widths 24 and 48 instead of 32 and 64
(``reduce_dimension`` in the authors' configs; frank-xwang/
RIDE-LongTailRecognition, model/ldam_drw_resnets/ride_resnet_cifar.py
L105-L124).
"""
from typing import Sequence, Tuple

import torch.nn as nn
import torch.nn.functional as F
from mmengine.model import BaseModule
from torch import Tensor

from lt_mm.registry import MODELS
from .expert_layout import check_expert_layout
from .resnet32 import CIFARBasicBlock


@MODELS.register_module()
class MultiExpertCIFARResNet(BaseModule):
    """CIFAR ResNet with a shared early part and ``num_experts`` copies of
    the later stages (see the module docstring).

    Interface shared by the multi-expert methods (RIDE, SADE):

    * ``forward(x)`` returns a tuple of ``num_experts`` **unpooled** feature
      maps, one per expert, each (B, C, H, W) with
      ``C = expert_channels[-1]``. mmpretrain's ``GlobalAveragePooling``
      neck pools every element of the tuple, so the head receives one
      (B, C) feature per expert, in expert order
      (:class:`lt_mm.MultiExpertClsHead`).
    * ``forward_shared(x)`` runs the shared part once and
      ``forward_expert(shared, i)`` expert ``i`` on its output (unpooled),
      for routed inference, which runs an expert on a subset of the batch.
    * ``shared_modules()`` and ``expert_modules(i)`` list the parameters'
      owners, e.g. for FLOPs counts or freezing.

    Args:
        depth (int): 6n + 2; 32 for ResNet-32. Defaults to 32.
        num_experts (int): Number of experts. Defaults to 3.
        expert_channels (Sequence[int]): Widths of the experts' two stages.
            Defaults to (24, 48), RIDE's ``reduce_dimension``; (32, 64) is
            the plain network's.
        in_channels (int): Channels of the input images. Defaults to 3.
        shortcut (str): 'A' (zero-padding identity, published) or 'B'.
            Defaults to 'A'.
        init_cfg (dict | list[dict]): Defaults to Kaiming-normal
            convolutions (fan-in), the authors' ``kaiming_normal_``.
    """
    stem_channels = 16

    def __init__(self,
                 depth: int = 32,
                 num_experts: int = 3,
                 expert_channels: Sequence[int] = (24, 48),
                 in_channels: int = 3,
                 shortcut: str = 'A',
                 init_cfg=dict(
                     type='Kaiming',
                     layer='Conv2d',
                     mode='fan_in',
                     nonlinearity='relu',
                     distribution='normal')):
        super().__init__(init_cfg=init_cfg)
        if depth < 8 or (depth - 2) % 6:
            raise ValueError(f'depth must be 6n + 2 with n >= 1, got {depth}')
        expert_channels = check_expert_layout(num_experts, expert_channels,
                                              '2 and 3')
        if shortcut not in ('A', 'B'):
            raise ValueError(f"shortcut must be 'A' or 'B', got {shortcut!r}")
        blocks = (depth - 2) // 6
        self.depth, self.num_experts = depth, num_experts
        self.expert_channels = expert_channels
        self.out_channels = expert_channels[-1]
        self.conv1 = nn.Conv2d(in_channels, self.stem_channels, 3, 1, 1,
                               bias=False)
        self.bn1 = nn.BatchNorm2d(self.stem_channels)
        self.layer1 = self._stage(self.stem_channels, self.stem_channels,
                                  blocks, 1, shortcut)
        self.experts = nn.ModuleList()
        for _ in range(num_experts):
            self.experts.append(
                nn.Sequential(
                    self._stage(self.stem_channels, expert_channels[0],
                                blocks, 2, shortcut),
                    self._stage(expert_channels[0], expert_channels[1],
                                blocks, 2, shortcut)))

    @staticmethod
    def _stage(in_channels, out_channels, blocks, stride, shortcut):
        layers = []
        for j in range(blocks):
            layers.append(
                CIFARBasicBlock(in_channels, out_channels,
                                stride if j == 0 else 1, shortcut))
            in_channels = out_channels
        return nn.Sequential(*layers)

    def shared_modules(self) -> Tuple[nn.Module, ...]:
        return (self.conv1, self.bn1, self.layer1)

    def expert_modules(self, index: int) -> Tuple[nn.Module, ...]:
        return (self.experts[index], )

    def forward_shared(self, x: Tensor) -> Tensor:
        return self.layer1(F.relu(self.bn1(self.conv1(x))))

    def forward_expert(self, shared: Tensor, index: int) -> Tensor:
        return self.experts[index](shared)

    def forward(self, x: Tensor) -> Tuple[Tensor, ...]:
        shared = self.forward_shared(x)
        return tuple(
            self.forward_expert(shared, i) for i in range(self.num_experts))
