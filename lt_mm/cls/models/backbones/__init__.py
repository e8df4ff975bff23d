from .resnet32 import ResNet32

__all__ = ['ResNet32']
