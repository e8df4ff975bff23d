from .cifar_lt import CIFAR10LT, CIFAR100LT
from .digits_lt import DigitsLT
from .imagenet_lt import ImageNetLT
from .inaturalist2018 import INaturalist2018
from .places_lt import PlacesLT
from .split_list_dataset import SplitListDataset

__all__ = [
    'CIFAR10LT', 'CIFAR100LT', 'DigitsLT', 'ImageNetLT', 'INaturalist2018',
    'PlacesLT', 'SplitListDataset'
]
