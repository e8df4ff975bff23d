"""LabelIndex: every image's labels end to end, hand-computed cases.

What an image "contains" follows detectron2's repeat-factor sampler
(facebookresearch/detectron2, detectron2/data/samplers/distributed_sampler.py
L116-L121 and L136-L139 at 084acd0: ``cat_ids = {ann["category_id"] for ann
in dataset_dict["annotations"]}``, a set per image, so a class counts once
per image however many instances it has, and an image without annotations
contains nothing) and LVIS's ``image_count`` (images with at least one
instance of the category, Gupta et al., CVPR 2019).
"""
import numpy as np
import pytest

from lt_mm.core.label_index import LabelIndex

# image 0: class 3 twice and 1; image 1: nothing; image 2: 0 twice;
# image 3: 2 and 5
PER_IMAGE = [[3, 1, 3], [], [0, 0], [2, 5]]


def test_offsets_from_per_image_lists_by_hand():
    index = LabelIndex.from_lists(PER_IMAGE)
    assert index.labels.tolist() == [3, 1, 3, 0, 0, 2, 5]
    assert index.offsets.tolist() == [0, 3, 3, 5, 7]
    assert index.sizes.tolist() == [3, 0, 2, 2]
    assert index.num_images == len(index) == 4
    assert index.labels.dtype == index.offsets.dtype == np.int64
    assert [index[i].tolist() for i in range(4)] == PER_IMAGE
    assert index[-1].tolist() == [2, 5]
    with pytest.raises(IndexError, match='image 4'):
        index[4]
    assert index.label_images().tolist() == [0, 0, 0, 2, 2, 3, 3]


def test_pairs_are_deduplicated_per_image():
    index = LabelIndex.from_lists(PER_IMAGE)
    images, classes = index.image_class_pairs()
    # (0, 1), (0, 3): the second 3 of image 0 is dropped; (2, 0) once
    assert images.tolist() == [0, 0, 2, 3, 3]
    assert classes.tolist() == [1, 3, 0, 2, 5]
    unique = index.unique()
    assert unique.labels.tolist() == [1, 3, 0, 2, 5]
    assert unique.offsets.tolist() == [0, 2, 2, 3, 5]
    # images per class: 0 in image 2, 1 and 3 in image 0, 4 in none
    assert index.class_image_counts().tolist() == [1, 1, 1, 1, 0, 1]
    assert index.class_image_counts(7).tolist() == [1, 1, 1, 1, 0, 1, 0]
    assert [c.tolist() for c in index.class_images(7)] == [[2], [0], [3], [0],
                                                           [], [3], []]


def test_a_class_in_several_images_lists_each_image_once_in_order():
    index = LabelIndex.from_lists([[1, 1], [0, 1], [], [1], [0]])
    assert [c.tolist() for c in index.class_images()] == [[1, 4], [0, 1, 3]]
    assert index.class_image_counts().tolist() == [2, 3]
    with pytest.raises(ValueError, match=r'\[0, 1\), got 1'):
        index.class_images(1)


def test_concatenate_appends_images_and_shifts_offsets():
    a = LabelIndex.from_lists([[0, 2], []])
    b = LabelIndex.from_lists([[1], [1, 1, 0]])
    both = LabelIndex.concatenate([a, b])
    assert both.labels.tolist() == [0, 2, 1, 1, 1, 0]
    assert both.offsets.tolist() == [0, 2, 2, 3, 6]
    assert LabelIndex.concatenate([]).num_images == 0
    assert LabelIndex.concatenate([a]).offsets.tolist() == [0, 2, 2]
    tiled = b.tile(2)
    assert tiled.labels.tolist() == [1, 1, 1, 0] * 2
    assert tiled.offsets.tolist() == [0, 1, 4, 5, 8]


def test_empty_images_and_an_empty_index():
    empty_images = LabelIndex.from_lists([[], [], []])
    assert empty_images.offsets.tolist() == [0, 0, 0, 0]
    assert empty_images.unique().offsets.tolist() == [0, 0, 0, 0]
    images, classes = empty_images.image_class_pairs()
    assert images.size == classes.size == 0
    assert empty_images.class_image_counts(2).tolist() == [0, 0]
    assert empty_images.class_images(2)[1].size == 0
    nothing = LabelIndex.from_lists([])
    assert nothing.num_images == 0 and nothing.offsets.tolist() == [0]


def test_from_pairs_groups_instances_by_image():
    # instances of images 2, 0, 2, 3 (image 1 has none), in file order
    index = LabelIndex.from_pairs([2, 0, 2, 3], [7, 4, 5, 4])
    assert index.labels.tolist() == [4, 7, 5, 4]
    assert index.offsets.tolist() == [0, 1, 1, 3, 4]
    assert LabelIndex.from_pairs([0], [1],
                                 num_images=3).sizes.tolist() == [1, 0, 0]
    with pytest.raises(ValueError, match=r'\[0, 2\)'):
        LabelIndex.from_pairs([2], [0], num_images=2)
    with pytest.raises(ValueError, match='2 image indices for 1 labels'):
        LabelIndex.from_pairs([0, 1], [0])


def test_bad_layouts_are_refused():
    with pytest.raises(ValueError, match='offsets must rise from 0'):
        LabelIndex(np.array([0, 1]), np.array([0, 1]))  # ends short
    with pytest.raises(ValueError, match='offsets must rise from 0'):
        LabelIndex(np.array([0, 1]), np.array([0, 2, 1, 2]))
    with pytest.raises(ValueError, match='offsets must rise from 0'):
        LabelIndex(np.zeros(0), np.zeros(0))
    with pytest.raises(ValueError, match='>= 0, got -1'):
        LabelIndex.from_lists([[0, -1]])
    with pytest.raises(ValueError, match='sizes must be >= 0'):
        LabelIndex.from_sizes(np.zeros(0), [1, -1])
