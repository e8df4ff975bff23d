"""The class-balanced pass that fills LOCE's feature memory, against the
authors' sampler (fcjian/LOCE,
mmdet/datasets/samplers/distributed_banlanced_sampler.py L18-L44: classes
in the order their first image is met, images without a category as one
more group, each group's image list repeated to ``num_samples *
num_replicas`` and strided by rank; ``num_samples = queue_size // 16``,
mmdet/apis/train.py L152)."""
import pytest

from lt_mm.core.label_index import LabelIndex
from lt_mm.core.sampling import class_balanced_image_list

# image: labels. Class 2 is met first (image 0), then class 0 (image 1), the
# unlabelled group (image 3), class 1 (image 4); class 3 has no image.
PER_IMAGE = [[2], [0], [0, 2, 0], [], [0, 1], [0]]


def index(per_image):
    return LabelIndex.from_lists(per_image)


def test_one_rank_takes_each_groups_first_images_in_turn():
    # class 2: images 0, 2; class 0: 1, 2, 4, 5; unlabelled: 3; class 1: 4
    got = class_balanced_image_list(index(PER_IMAGE), images_per_class=3)
    assert got.tolist() == [0, 2, 0, 1, 2, 4, 3, 3, 3, 4, 4, 4]


def test_ranks_stride_one_list_per_group():
    # 2 ranks x 3 images: each group's list is 6 long, repeated in turn:
    # class 2 [0 2 0 2 0 2], class 0 [1 2 4 5 1 2], unlabelled [3]*6,
    # class 1 [4]*6; rank r takes positions r, r + 2, r + 4
    ranks = [
        class_balanced_image_list(index(PER_IMAGE), 3, rank=r, world_size=2)
        for r in range(2)
    ]
    assert ranks[0].tolist() == [0, 0, 0, 1, 4, 1, 3, 3, 3, 4, 4, 4]
    assert ranks[1].tolist() == [2, 2, 2, 2, 5, 2, 3, 3, 3, 4, 4, 4]
    # together min(3 x 2, images) distinct images of each class
    groups = [set(ranks[0][g:g + 3]) | set(ranks[1][g:g + 3])
              for g in range(0, 12, 3)]
    assert groups == [{0, 2}, {1, 2, 4, 5}, {3}, {4}]


def test_bad_arguments_are_refused():
    labels = index(PER_IMAGE)
    with pytest.raises(ValueError, match='images_per_class'):
        class_balanced_image_list(labels, 0)
    with pytest.raises(ValueError, match='rank 2'):
        class_balanced_image_list(labels, 5, rank=2, world_size=2)
    with pytest.raises(ValueError, match='no sample'):
        class_balanced_image_list(index([]), 5)
