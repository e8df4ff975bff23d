from .bbn_cls_head import BBNClsHead
from .cosine_cls_head import CosineClsHead
from .expert_router_cls_head import ExpertRouterClsHead
from .group_softmax_cls_head import GroupSoftmaxClsHead
from .logit_adjusted_cls_head import LogitAdjustedClsHead
from .lws_cls_head import LWSClsHead
from .multi_expert_cls_head import MultiExpertClsHead
from .ncm_cls_head import NCMClsHead
from .sade_cls_head import SADEClsHead
from .tau_norm_cls_head import TauNormClsHead

__all__ = [
    'BBNClsHead',
    'CosineClsHead', 'ExpertRouterClsHead', 'GroupSoftmaxClsHead', 'LWSClsHead', 'LogitAdjustedClsHead',
    'MultiExpertClsHead', 'NCMClsHead', 'SADEClsHead',
    'TauNormClsHead'
]
