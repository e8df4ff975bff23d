import copy
from typing import Optional, Tuple

import torch
import torch.nn as nn
from mmengine.model import BaseModule
from torch import Tensor

from lt_mm.registry import MODELS

BRANCHES = ('conventional', 'rebalancing')


def last_stage(backbone: nn.Module) -> nn.Sequential:
    """The last residual stage of an mmpretrain ResNet / ResNeXt /
    ResNet_CIFAR (``res_layers``) or of :class:`lt_mm.ResNet32`
    (``stages``), which must be among the returned stages."""
    if hasattr(backbone, 'res_layers'):
        stage = getattr(backbone, backbone.res_layers[-1])
        last_index = len(backbone.res_layers) - 1
    elif isinstance(getattr(backbone, 'stages', None), nn.ModuleList):
        stage = backbone.stages[-1]
        last_index = len(backbone.stages) - 1
    else:
        raise TypeError(
            f'BBNBackbone splits the last residual stage of a ResNet-like '
            f'backbone (res_layers or stages), got {type(backbone).__name__}')
    out_indices = tuple(getattr(backbone, 'out_indices', (last_index, )))
    if out_indices[-1] % (last_index + 1) != last_index:
        raise ValueError('BBNBackbone needs the last stage among the '
                         f'backbone outputs, got out_indices {out_indices}')
    if not isinstance(stage, nn.Sequential):
        raise TypeError('the last stage must be an nn.Sequential of blocks')
    return stage


@MODELS.register_module()
class BBNBackbone(BaseModule):
    """BBN's bilateral-branch backbone (Zhou et al., `BBN: Bilateral-Branch
    Network with Cumulative Learning for Long-Tailed Visual Recognition
    <https://arxiv.org/abs/1912.02413>`_, CVPR 2020).

    arXiv: https://arxiv.org/abs/1912.02413

    The branches share every layer of ``backbone`` but the last residual
    block; that block is the conventional branch and an independently
    initialised copy is the re-balancing branch (Megvii-Nanjing/BBN,
    lib/backbone/resnet_cifar.py L160-L164: ResNet-32 with ``num_blocks[2]
    - 1`` blocks in its last stage, then ``cb_block`` and ``rb_block``;
    resnet.py likewise for ResNet-50). ``forward(x, branch)`` runs one
    branch; without ``branch`` (test time) it returns both branches'
    feature maps concatenated along the channels, the authors' test input
    of the classifier (resnet_cifar.py L208-L210), so a neck and
    :class:`lt_mm.BBNClsHead` with twice the channels follow.

    Args:
        backbone (dict): Config of the backbone to split, e.g.
            ``dict(type='lt_mm.ResNet32')`` or mmpretrain's ``ResNeXt``.
        init_cfg (dict, optional): Defaults to None.
    """

    def __init__(self, backbone: dict, init_cfg: Optional[dict] = None):
        super().__init__(init_cfg=init_cfg)
        self.backbone_cfg = copy.deepcopy(backbone)
        self.backbone = MODELS.build(backbone)
        stage = last_stage(self.backbone)
        if len(stage) < 2:
            raise ValueError(
                'the last stage has one block: BBN shares all but the last '
                'block, and the stage would lose its downsampling')
        self.conventional = stage[-1]
        del stage[-1]
        self.rebalancing = copy.deepcopy(self.conventional)

    def init_weights(self) -> None:
        super().init_weights()
        # The branch blocks left the backbone, whose init_cfg covers only
        # its own modules: each takes the last block of a freshly built and
        # initialised backbone, an independent draw of the same init.
        for branch in (self.conventional, self.rebalancing):
            fresh = MODELS.build(copy.deepcopy(self.backbone_cfg))
            if hasattr(fresh, 'init_weights'):
                fresh.init_weights()
            branch.load_state_dict(last_stage(fresh)[-1].state_dict())

    def forward(self, x: Tensor, branch: Optional[str] = None
                ) -> Tuple[Tensor]:
        shared = self.backbone(x)[-1]
        if branch is None:
            return (torch.cat(
                (self.conventional(shared), self.rebalancing(shared)),
                dim=1), )
        if branch not in BRANCHES:
            raise ValueError(
                f'branch must be one of {BRANCHES} or None, got {branch!r}')
        return (getattr(self, branch)(shared), )
