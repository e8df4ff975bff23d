from .bbn_backbone import BBNBackbone
from .multi_expert_cifar_resnet import MultiExpertCIFARResNet
from .multi_expert_resnext import MultiExpertResNeXt
from .resnet32 import ResNet32

__all__ = [
    'BBNBackbone', 'MultiExpertCIFARResNet', 'MultiExpertResNeXt', 'ResNet32'
]
