# Copyright (c) lt_mm contributors. All rights reserved.
"""Generate a small synthetic long-tailed dataset in exact LVIS v1 format.

The demo dataset stands in for LVIS v1 wherever real data is too big (the
demo, the tests and the benchmarks). It keeps everything that long-tailed
methods and the LVIS evaluator look at:

* categories carry ``frequency`` ('r' / 'c' / 'f'), ``image_count``,
  ``instance_count``, ``synset``, ``synonyms`` and ``def``, computed from the
  generated training split with the LVIS rule on *training image* counts:
  rare 1-10 images, common 11-100, frequent > 100;
* images carry ``neg_category_ids`` / ``not_exhaustive_category_ids`` and a
  ``coco_url`` from which mmdet derives ``train2017/<id>.jpg``;
* annotations are instance masks (one polygon each) with a tight ``bbox`` and
  the polygon ``area``.

The training split is long-tailed: the per-class target image counts decay
geometrically from half of the training images (head) down to a single image
(tail), split over the three LVIS groups so that each group holds several
classes. The validation split is close to class-balanced so that every class,
rare ones included, has several instances and APr can be measured.

Every class is a distinct (shape, colour) pair drawn filled on a light-grey
background, so a small detector trained from scratch can learn it in minutes.

Two presets (:data:`PRESETS`):

* ``'default'``: 20 classes, 400 training and 100 validation images of
  128 px; rare classes in 1-9 training images;
* ``'hard'``: 48 classes (8 frequent, 20 common, 20 rare) with a steeper
  tail, rare classes in 1-5 training images as in LVIS, and *look-alikes*:
  12 rare classes copy a frequent or common class's shape in a near colour
  (crimson next to red) or its colour in a near shape (an octagon next to a
  circle), so that the frequent class's many samples push the rare one's
  scores down, the failure long-tailed detection losses address. Training
  images hold up to 6 classes (7 objects), validation images 2-4 classes.

Layout (identical to real LVIS v1, so the same configs work with another
``data_root``)::

    out_dir/annotations/lvis_v1_train.json
    out_dir/annotations/lvis_v1_val.json
    out_dir/train2017/000000000001.jpg
    out_dir/val2017/000000000401.jpg

From Python, :func:`generate_lvis_demo`; from the shell::

    python tools/dataset_converters/lvis_demo.py --out data/lvis_demo \\
        --seed 0 --num-classes 20 --train-images 400 --val-images 100 \\
        --image-size 128
    python tools/dataset_converters/lvis_demo.py --preset hard \\
        --out data/lvis_demo_hard

The output is a pure function of the arguments: the only randomness comes
from ``numpy.random.default_rng(seed)`` and the JSON is written with sorted
keys and fixed separators, so the same seed gives byte-identical files.
"""
import dataclasses
import json
import math
import os
import os.path as osp
import time
from collections import Counter
from typing import Optional

import numpy as np

# LVIS frequency rule on the number of training images containing a class.
RARE_MAX_IMAGES = 10
COMMON_MAX_IMAGES = 100

# Fraction of the classes in the rare / frequent groups; the rest is common.
# LVIS v1 has 28% / 38% / 34% (r / c / f). We put more classes in the tail
# and fewer in the head so that the number of objects per image stays small.
RARE_FRACTION = 0.4
FREQUENT_FRACTION = 0.25

# Target image-count ranges per group. The frequent range starts at half the
# training images; its lower end and the common range keep a margin from the
# group boundaries so that the rare loss of an object that could not be
# placed cannot move a class to another group.
FREQUENT_MIN_TARGET = 110
COMMON_TARGET_RANGE = (90, 13)
RARE_TARGET_RANGE = (9, 1)

# Objects per image. Training images hold at most ``MAX_CLASSES_PER_IMAGE``
# distinct classes so that there is room left for a second instance.
MAX_OBJECTS_PER_IMAGE = 5
MAX_CLASSES_PER_IMAGE = 4
VAL_CLASSES_PER_IMAGE = (1, 3)
EXTRA_INSTANCE_PROB = 0.2

# Object side as a fraction of the image side.
MIN_OBJECT_FRAC = 0.15
MAX_OBJECT_FRAC = 0.45
# Smallest size an object may shrink to when a crowded image has no room.
MIN_SHRUNK_FRAC = 0.1
PLACEMENT_TRIES = 30
SHRINK_FACTOR = 0.85
BOX_GAP = 2.0  # pixels kept free between two objects

# Image appearance.
BACKGROUND_RANGE = (190, 221)  # light grey, [low, high)
COLOUR_JITTER = 12
NOISE_STD = 4.0
JPEG_QUALITY = 95

# Annotation flags (mirroring the LVIS federated labelling).
NEG_CATEGORY_PROB = 0.5
NOT_EXHAUSTIVE_PROB = 0.1

MIN_IMAGE_SIZE = 32
MIN_CLASSES = 3

COCO_URL_PREFIX = 'http://images.cocodataset.org/'
SPLITS = dict(train='train2017', val='val2017')
ANN_FILES = dict(
    train='annotations/lvis_v1_train.json',
    val='annotations/lvis_v1_val.json')

# Saturated, well-separated colours (RGB). All are far from the grey
# background, including black and yellow.
COLOURS = (
    ('red', (220, 20, 20)),
    ('green', (20, 160, 40)),
    ('blue', (30, 60, 230)),
    ('yellow', (240, 215, 0)),
    ('magenta', (225, 0, 200)),
    ('cyan', (0, 200, 220)),
    ('orange', (255, 130, 0)),
    ('black', (25, 25, 25)),
)


def _regular_polygon(num_vertices, start_angle=-math.pi / 2):
    """Vertices of a regular polygon on the unit circle."""
    angles = start_angle + 2 * math.pi * np.arange(num_vertices) / num_vertices
    return np.stack([np.cos(angles), np.sin(angles)], axis=1)


def _star(num_points=5, inner_ratio=0.45):
    """Vertices of a star with ``num_points`` tips, first tip pointing up."""
    outer = _regular_polygon(2 * num_points)
    radius = np.where(np.arange(2 * num_points) % 2 == 0, 1.0, inner_ratio)
    return outer * radius[:, None]


def _semicircle(num_arc_vertices=13):
    """Upper half disc: the arc from the right end to the left end."""
    angles = np.linspace(0, math.pi, num_arc_vertices)
    return np.stack([np.cos(angles), -np.sin(angles)], axis=1)


def _normalize(vertices):
    """Scale vertices so that their tight bounding box is [0, 1] x [0, 1].

    Every template then fills the box it is drawn into, which makes the
    annotated bbox equal to the sampled placement box.
    """
    vertices = np.asarray(vertices, dtype=np.float64)
    low, high = vertices.min(axis=0), vertices.max(axis=0)
    return (vertices - low) / (high - low)


# Shape templates in [0, 1]^2 (x right, y down). Ordered so that the first
# classes differ most: polygons with few straight edges and curved shapes
# alternate.
SHAPES = (
    ('square', _normalize([[0, 0], [1, 0], [1, 1], [0, 1]])),
    # 16 vertices: close enough to a circle at 128 px, cheap to rasterize.
    ('circle', _normalize(_regular_polygon(16, start_angle=0.0))),
    ('triangle', _normalize([[0.5, 0], [1, 1], [0, 1]])),
    ('diamond', _normalize([[0.5, 0], [1, 0.5], [0.5, 1], [0, 0.5]])),
    ('hexagon', _normalize(_regular_polygon(6, start_angle=0.0))),
    ('star', _normalize(_star())),
    ('cross',
     _normalize([[1, 0], [2, 0], [2, 1], [3, 1], [3, 2], [2, 2], [2, 3],
                 [1, 3], [1, 2], [0, 2], [0, 1], [1, 1]])),
    ('semicircle', _normalize(_semicircle())),
)

# Look-alikes of the 'hard' preset, each near one base colour or shape.
# Colours: 35-78 away (RGB Euclidean) from the base colour they imitate and
# farther from every other, while two base colours are at least 86 apart
# (orange / yellow); with the +-12 jitter per channel a look-alike stays
# separable from its model, but only by a narrow margin.
LOOKALIKE_COLOURS = (
    ('crimson', (200, 20, 80)),  # red
    ('jade', (20, 150, 110)),  # green
    ('azure', (30, 120, 230)),  # blue
    ('lime', (180, 215, 0)),  # yellow
    ('purple', (160, 0, 215)),  # magenta
    ('turquoise', (0, 205, 160)),  # cyan
    ('amber', (255, 165, 0)),  # orange
    ('charcoal', (70, 70, 70)),  # black
)
# Shapes: each overlaps (IoU of the filled templates) the base shape it
# imitates more than any other base shape.
LOOKALIKE_SHAPES = (
    ('octagon', _normalize(_regular_polygon(8, start_angle=math.pi / 8))),
    ('trapezoid', _normalize([[0.4, 0], [0.6, 0], [1, 1], [0, 1]])),
    ('kite', _normalize([[0.5, 0], [1, 0.35], [0.5, 1], [0, 0.35]])),
    # a thinner five-pointed star
    ('spark', _normalize(_star(inner_ratio=0.35))),
)
_COLOUR_RGB = dict(COLOURS + LOOKALIKE_COLOURS)
_SHAPE_TEMPLATE = dict(SHAPES + LOOKALIKE_SHAPES)


def _class_pairs(num_classes):
    """The first ``num_classes`` (shape index, colour index) pairs.

    Pairs are enumerated along "diagonals" (shape ``s`` with colour
    ``(s + d) % num_colours`` for d = 0, 1, ...), so the first classes use
    distinct shapes *and* distinct colours, and every pair is used at most
    once. The position in this list is the class' frequency rank: rank 0 is
    the head class of the training split.
    """
    num_shapes, num_colours = len(SHAPES), len(COLOURS)
    max_classes = num_shapes * num_colours
    if num_classes > max_classes:
        raise ValueError(
            f'num_classes={num_classes} exceeds the {max_classes} distinct '
            f'(shape, colour) pairs available ({num_shapes} shapes x '
            f'{num_colours} colours)')
    pairs = [(s, (s + d) % num_colours) for d in range(num_colours)
             for s in range(num_shapes)]
    return pairs[:num_classes]


def _class_name(colour, shape):
    return f'{colour}_{shape}'


# The 'hard' preset's classes, (colour, shape) by group, each group from the
# most to the least frequent. Frequent: the first diagonal of the default
# enumeration (distinct shapes and colours); common: the next 20 pairs.
HARD_FREQUENT = (('red', 'square'), ('green', 'circle'), ('blue', 'triangle'),
                 ('yellow', 'diamond'), ('magenta', 'hexagon'),
                 ('cyan', 'star'), ('orange', 'cross'),
                 ('black', 'semicircle'))
HARD_COMMON = (('green', 'square'), ('blue', 'circle'),
               ('yellow', 'triangle'), ('magenta', 'diamond'),
               ('cyan', 'hexagon'), ('orange', 'star'), ('black', 'cross'),
               ('red', 'semicircle'), ('blue', 'square'),
               ('yellow', 'circle'), ('magenta', 'triangle'),
               ('cyan', 'diamond'), ('orange', 'hexagon'), ('black', 'star'),
               ('red', 'cross'), ('green', 'semicircle'),
               ('yellow', 'square'), ('magenta', 'circle'),
               ('cyan', 'triangle'), ('orange', 'diamond'))
# Rare, from 5 training images down to 1: the look-alikes of every frequent
# class and of four common ones, interleaved with plain rare classes so that
# each image count from 5 to 1 has look-alikes.
HARD_RARE = (('crimson', 'square'), ('black', 'hexagon'),
             ('jade', 'square'), ('green', 'octagon'), ('red', 'star'),
             ('green', 'cross'), ('blue', 'trapezoid'), ('blue', 'semicircle'),
             ('azure', 'circle'), ('yellow', 'kite'), ('magenta', 'square'),
             ('cyan', 'circle'), ('purple', 'hexagon'), ('orange', 'triangle'),
             ('lime', 'triangle'), ('cyan', 'spark'), ('black', 'diamond'),
             ('amber', 'cross'), ('turquoise', 'hexagon'),
             ('charcoal', 'semicircle'))
# rare look-alike -> (the class it imitates, what they share)
HARD_LOOK_ALIKES = {
    'crimson_square': ('red_square', 'shape'),
    'green_octagon': ('green_circle', 'colour'),
    'blue_trapezoid': ('blue_triangle', 'colour'),
    'yellow_kite': ('yellow_diamond', 'colour'),
    'purple_hexagon': ('magenta_hexagon', 'shape'),
    'cyan_spark': ('cyan_star', 'colour'),
    'amber_cross': ('orange_cross', 'shape'),
    'charcoal_semicircle': ('black_semicircle', 'shape'),
    'jade_square': ('green_square', 'shape'),
    'azure_circle': ('blue_circle', 'shape'),
    'lime_triangle': ('yellow_triangle', 'shape'),
    'turquoise_hexagon': ('cyan_hexagon', 'shape'),
}


@dataclasses.dataclass(frozen=True)
class DemoPreset:
    """A named layout of the demo dataset.

    Args:
        num_classes (int): Default number of classes.
        train_images (int): Default number of training images.
        val_images (int): Default number of validation images.
        image_size (int): Default image side in pixels.
        rare_target_range (tuple[int, int]): Training images of the most
            and the least frequent rare class.
        common_target_range (tuple[int, int]): The same for common classes.
        frequent_min_target (int): Training images of the least frequent
            frequent class; the head class takes half the images.
        max_classes_per_image (int): Most classes in a training image.
        max_objects_per_image (int): Most objects in an image.
        val_classes_per_image (tuple[int, int]): Fewest and most classes in a
            validation image.
        classes (tuple, optional): The classes as (colour, shape) pairs,
            frequent, common and rare groups concatenated; None takes the
            first ``num_classes`` pairs of the default enumeration, 40% rare
            and 25% frequent.
        group_sizes (tuple[int, int, int], optional): (rare, common,
            frequent) class counts of ``classes``.
        look_alikes (dict): Rare class name -> (name of the class it
            imitates, 'shape' or 'colour': what the two share).
    """
    num_classes: int
    train_images: int
    val_images: int
    image_size: int
    rare_target_range: tuple = RARE_TARGET_RANGE
    common_target_range: tuple = COMMON_TARGET_RANGE
    frequent_min_target: int = FREQUENT_MIN_TARGET
    max_classes_per_image: int = MAX_CLASSES_PER_IMAGE
    max_objects_per_image: int = MAX_OBJECTS_PER_IMAGE
    val_classes_per_image: tuple = VAL_CLASSES_PER_IMAGE
    classes: Optional[tuple] = None
    group_sizes: Optional[tuple] = None
    look_alikes: dict = dataclasses.field(default_factory=dict)


#: The generator's presets by name; 'default' is the demo set.
PRESETS = dict(
    default=DemoPreset(
        num_classes=20, train_images=400, val_images=100, image_size=128),
    hard=DemoPreset(
        num_classes=len(HARD_FREQUENT + HARD_COMMON + HARD_RARE),
        train_images=300,
        val_images=100,
        image_size=128,
        rare_target_range=(5, 1),
        common_target_range=(60, 13),
        max_classes_per_image=6,
        max_objects_per_image=7,
        val_classes_per_image=(2, 4),
        classes=HARD_FREQUENT + HARD_COMMON + HARD_RARE,
        group_sizes=(len(HARD_RARE), len(HARD_COMMON), len(HARD_FREQUENT)),
        look_alikes=HARD_LOOK_ALIKES),
)


def get_preset(preset):
    """The :class:`DemoPreset` named ``preset``, with a clear error."""
    if preset not in PRESETS:
        raise ValueError(f'unknown preset {preset!r}; the presets are '
                         f'{sorted(PRESETS)}')
    return PRESETS[preset]


def _classes(num_classes, preset):
    """(colour, shape) of every class in frequency-rank order (rank 0 is the
    head class of the training split)."""
    spec = get_preset(preset)
    if spec.classes is None:
        return [(COLOURS[c][0], SHAPES[s][0])
                for s, c in _class_pairs(num_classes)]
    if num_classes != len(spec.classes):
        raise ValueError(
            f'num_classes must be {len(spec.classes)} for the {preset!r} '
            f'preset (its classes are fixed), got {num_classes}')
    return list(spec.classes)


def class_names(num_classes=None, preset='default'):
    """Class names of the demo dataset, in category-id order (ids 1..C).

    As in LVIS, category ids follow the alphabetical order of the names, so
    the frequency groups are interleaved over the ids. Use this to fill
    ``metainfo=dict(classes=...)`` in a config; the names do not depend on
    the seed.

    Args:
        num_classes (int, optional): Number of classes. Defaults to the
            preset's (20 for 'default', 48 for 'hard').
        preset (str): A name in :data:`PRESETS`. Defaults to 'default'.

    Returns:
        tuple[str]: ``num_classes`` unique lowercase names like 'red_square'.
    """
    spec = get_preset(preset)
    if num_classes is None:
        num_classes = spec.num_classes
    _check_int('num_classes', num_classes, MIN_CLASSES)
    return tuple(
        sorted(_class_name(*c) for c in _classes(num_classes, preset)))


def look_alikes(preset='hard'):
    """The look-alike classes of a preset.

    Args:
        preset (str): A name in :data:`PRESETS`. Defaults to 'hard'.

    Returns:
        dict[str, tuple[str, str]]: Rare class name -> (name of the class it
        imitates, 'shape' or 'colour': what the two share).
    """
    return dict(get_preset(preset).look_alikes)


def _check_int(name, value, minimum):
    # bool is a subclass of int but never a meaningful size.
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise ValueError(f'{name} must be an int, got {value!r}')
    if value < minimum:
        raise ValueError(f'{name} must be >= {minimum}, got {value}')


def _group_sizes(num_classes, preset='default'):
    """Number of (rare, common, frequent) classes; each group gets >= 1."""
    spec = get_preset(preset)
    if spec.group_sizes is not None:
        return spec.group_sizes
    num_rare = max(1, int(round(num_classes * RARE_FRACTION)))
    num_freq = max(1, int(round(num_classes * FREQUENT_FRACTION)))
    num_common = num_classes - num_rare - num_freq
    return num_rare, num_common, num_freq


def _geometric(high, low, num):
    """``num`` values decaying geometrically from ``high`` to ``low``.

    A single value is the geometric mean, i.e. the middle of the range on a
    log scale.
    """
    if num == 1:
        return [math.sqrt(high * low)]
    return list(np.geomspace(high, low, num))


def train_image_targets(num_classes=None, train_images=None,
                        preset='default'):
    """Target number of training images per class, in frequency-rank order.

    The head class targets half of the training images; the targets decay
    geometrically within each LVIS group: frequent (half the images down to
    110), common (default: 90 down to 13; hard: 60 down to 13) and rare
    (default: 9 down to 1; hard: 5 down to 1).

    Args:
        num_classes (int, optional): Number of classes. Defaults to the
            preset's.
        train_images (int, optional): Number of training images. Defaults
            to the preset's.
        preset (str): A name in :data:`PRESETS`. Defaults to 'default'.

    Returns:
        list[int]: Target image count of the class with rank 0, 1, ...
    """
    spec = get_preset(preset)
    num_classes = spec.num_classes if num_classes is None else num_classes
    train_images = (
        spec.train_images if train_images is None else train_images)
    num_rare, num_common, num_freq = _group_sizes(num_classes, preset)
    head = train_images // 2
    targets = (
        _geometric(head, min(spec.frequent_min_target, head), num_freq) +
        _geometric(*spec.common_target_range, num_common) +
        _geometric(*spec.rare_target_range, num_rare))
    return [max(1, int(round(t))) for t in targets]


def _validate(out_dir, seed, num_classes, train_images, val_images,
              image_size, preset):
    if not isinstance(out_dir, (str, os.PathLike)) or not str(out_dir):
        raise ValueError(f'out_dir must be a non-empty path, got {out_dir!r}')
    spec = get_preset(preset)
    _check_int('seed', seed, 0)
    _check_int('num_classes', num_classes, MIN_CLASSES)
    # Raises for too many classes, or another count than a fixed preset's.
    _classes(num_classes, preset)
    _check_int('train_images', train_images, 1)
    _check_int('val_images', val_images, 1)
    _check_int('image_size', image_size, MIN_IMAGE_SIZE)
    min_train = 2 * (COMMON_MAX_IMAGES + 1)
    if train_images < min_train:
        raise ValueError(
            f'train_images must be >= {min_train} so that the head classes '
            f'can appear in more than {COMMON_MAX_IMAGES} training images '
            f"(the LVIS 'frequent' group), got {train_images}")
    slots = sum(train_image_targets(num_classes, train_images, preset))
    capacity = spec.max_classes_per_image * train_images
    if slots > capacity:
        raise ValueError(
            f'num_classes={num_classes} needs {slots} (image, class) pairs '
            f'but train_images={train_images} hold at most {capacity} '
            f'({spec.max_classes_per_image} classes per image); use more '
            f'train_images or fewer classes')
    if val_images < num_classes:
        raise ValueError(
            f'val_images must be >= num_classes ({num_classes}) so that '
            f'every class appears in validation, got {val_images}')


def _assign_train(rng, targets, num_images, num_freq, max_classes):
    """Choose the classes of every training image.

    Classes are processed from the rarest to the most frequent, and each
    class goes to the least loaded images (random tie-break). Rare classes
    thus get exactly their target while images are still empty, and the
    head classes fill the remaining room.

    Returns:
        list[list[int]]: Class ranks present in each image.
    """
    loads = np.zeros(num_images, dtype=np.int64)
    image_classes = [[] for _ in range(num_images)]
    order = sorted(range(len(targets)), key=lambda r: (targets[r], -r))
    for rank in order:
        keys = loads + rng.random(num_images)
        keys[loads >= max_classes] = np.inf
        available = int(np.isfinite(keys).sum())
        chosen = np.argsort(keys, kind='stable')[:min(targets[rank],
                                                      available)]
        for img in chosen:
            image_classes[img].append(rank)
        loads[chosen] += 1
    # With few classes the targets may not cover every image; an image
    # always needs an object, so give it a frequent class (the ranks before
    # the first common one), which cannot change any group.
    for classes in image_classes:
        if not classes:
            classes.append(int(rng.integers(num_freq)))
    return image_classes


def _assign_val(rng, num_classes, num_images, classes_per_image):
    """Choose the classes of every validation image, nearly class-balanced.

    Each image takes ``classes_per_image`` (low, high) classes among the
    least used so far, so per-class image counts differ by at most about
    one.
    """
    counts = np.zeros(num_classes, dtype=np.int64)
    image_classes = []
    low, high = classes_per_image
    for _ in range(num_images):
        k = min(int(rng.integers(low, high + 1)), num_classes)
        keys = counts + rng.random(num_classes)
        chosen = np.argsort(keys, kind='stable')[:k]
        counts[chosen] += 1
        image_classes.append([int(c) for c in chosen])
    return image_classes


def _expand_instances(rng, classes, max_objects):
    """Turn an image's class list into an object list (ranks), rarest first.

    A class occasionally gets a second instance, so ``instance_count`` can
    exceed ``image_count`` as in LVIS. The rarest objects are placed first
    (higher rank = rarer): if a crowded image has no room left for an
    object, the one dropped belongs to the most frequent class present.
    """
    objects = list(classes)
    for rank in classes:
        if (len(objects) < max_objects
                and rng.random() < EXTRA_INSTANCE_PROB):
            objects.append(rank)
    return sorted(objects, reverse=True)


def _max_object_frac(num_objects):
    # Shrink the size range in crowded images so that random placement of
    # non-overlapping boxes usually succeeds at the first tries.
    if num_objects <= 2:
        return MAX_OBJECT_FRAC
    if num_objects <= 4:
        return 0.38
    if num_objects <= 5:
        return 0.32
    # only the 'hard' preset's images hold more than 5 objects
    return 0.28


def _place(rng, size, boxes, max_frac):
    """Sample a box (x0, y0, w, h) not overlapping ``boxes``; None if full."""
    frac = rng.uniform(MIN_OBJECT_FRAC, max_frac)
    while frac >= MIN_SHRUNK_FRAC:
        for _ in range(PLACEMENT_TRIES):
            # Mild aspect jitter: squares become rectangles, circles ellipses,
            # the shape stays recognizable.
            aspect = math.exp(rng.uniform(-0.15, 0.15))
            w = frac * size * aspect
            h = frac * size / aspect
            x0 = rng.uniform(1.0, size - 1.0 - w)
            y0 = rng.uniform(1.0, size - 1.0 - h)
            if all(x0 + w + BOX_GAP <= bx or bx + bw + BOX_GAP <= x0
                   or y0 + h + BOX_GAP <= by or by + bh + BOX_GAP <= y0
                   for bx, by, bw, bh in boxes):
                return x0, y0, w, h
        frac *= SHRINK_FACTOR
    return None


def _polygon(shape, box):
    """Scale a shape template into ``box``; coordinates rounded to 0.01 px.

    The rounded coordinates are both drawn and annotated, so the recorded
    polygon is exactly the one that was rasterized.
    """
    x0, y0, w, h = box
    template = _SHAPE_TEMPLATE[shape]
    xs = np.round(x0 + template[:, 0] * w, 2)
    ys = np.round(y0 + template[:, 1] * h, 2)
    return [float(v) for xy in zip(xs, ys) for v in xy]


def polygon_bbox(polygon):
    """Tight [x, y, w, h] box of a flat polygon [x1, y1, x2, y2, ...]."""
    xs, ys = polygon[0::2], polygon[1::2]
    x_min, y_min = min(xs), min(ys)
    return [
        round(x_min, 2),
        round(y_min, 2),
        round(max(xs) - x_min, 2),
        round(max(ys) - y_min, 2)
    ]


def polygon_area(polygon):
    """Area of a flat simple polygon by the shoelace formula."""
    xs = np.asarray(polygon[0::2], dtype=np.float64)
    ys = np.asarray(polygon[1::2], dtype=np.float64)
    return float(
        abs(np.dot(xs, np.roll(ys, -1)) - np.dot(ys, np.roll(xs, -1))) / 2)


def _render(rng, size, objects, classes):
    """Draw the objects of one image (``classes``: (colour, shape) by rank).

    Returns:
        tuple[PIL.Image.Image, list[tuple[int, list[float]]]]: The image and
        the (rank, polygon) of every object actually drawn.
    """
    # Imported here so that importing this module stays cheap and free of
    # side effects (tests import it only for its helpers).
    from PIL import Image, ImageDraw

    grey = int(rng.integers(*BACKGROUND_RANGE))
    image = Image.new('RGB', (size, size), (grey, grey, grey))
    draw = ImageDraw.Draw(image)
    max_frac = _max_object_frac(len(objects))
    boxes, drawn = [], []
    for rank in objects:
        box = _place(rng, size, boxes, max_frac)
        if box is None:
            continue
        colour_name, shape = classes[rank]
        base = np.asarray(_COLOUR_RGB[colour_name])
        jitter = rng.integers(-COLOUR_JITTER, COLOUR_JITTER + 1, size=3)
        colour = tuple(int(c) for c in np.clip(base + jitter, 0, 255))
        polygon = _polygon(shape, box)
        draw.polygon(list(zip(polygon[0::2], polygon[1::2])), fill=colour)
        boxes.append(box)
        drawn.append((rank, polygon))
    # Mild sensor-like noise over the whole image so that neither the
    # background nor the objects are perfectly flat.
    pixels = np.asarray(image, dtype=np.float32)
    pixels += rng.normal(0.0, NOISE_STD, size=pixels.shape).astype(np.float32)
    pixels = np.clip(np.rint(pixels), 0, 255).astype(np.uint8)
    return Image.fromarray(pixels, mode='RGB'), drawn


def _generate_split(rng, split, image_classes, first_image_id, first_ann_id,
                    out_dir, size, classes, rank_to_id, max_objects):
    """Render one split; return its image and annotation records."""
    img_dir = osp.join(out_dir, SPLITS[split])
    os.makedirs(img_dir, exist_ok=True)
    all_ids = sorted(rank_to_id.values())
    images, annotations = [], []
    ann_id = first_ann_id
    for offset, present_classes in enumerate(image_classes):
        image_id = first_image_id + offset
        objects = _expand_instances(rng, present_classes, max_objects)
        image, drawn = _render(rng, size, objects, classes)
        file_name = f'{image_id:012d}.jpg'
        image.save(
            osp.join(img_dir, file_name), format='JPEG', quality=JPEG_QUALITY)

        present = sorted({rank_to_id[rank] for rank, _ in drawn})
        absent = np.asarray([c for c in all_ids if c not in present])
        # LVIS lists only *verified* negatives, a subset of the absent
        # classes; evaluation counts false positives only on those images.
        neg_ids = absent[rng.random(len(absent)) < NEG_CATEGORY_PROB]
        not_exhaustive = []
        if rng.random() < NOT_EXHAUSTIVE_PROB:
            not_exhaustive = [int(rng.choice(present))]
        rel_path = f'{SPLITS[split]}/{file_name}'
        images.append(
            dict(
                id=image_id,
                width=size,
                height=size,
                license=1,
                coco_url=COCO_URL_PREFIX + rel_path,
                flickr_url=f'http://farm1.staticflickr.com/lt_mm_demo/'
                f'{file_name}',
                date_captured='2017-01-01 00:00:00',
                neg_category_ids=sorted(int(c) for c in neg_ids),
                not_exhaustive_category_ids=not_exhaustive))
        for rank, polygon in drawn:
            annotations.append(
                dict(
                    id=ann_id,
                    image_id=image_id,
                    category_id=rank_to_id[rank],
                    segmentation=[polygon],
                    bbox=polygon_bbox(polygon),
                    area=round(polygon_area(polygon), 2)))
            ann_id += 1
    return images, annotations


def frequency_group(image_count):
    """LVIS frequency group of a class from its training image count."""
    if image_count <= RARE_MAX_IMAGES:
        return 'r'
    if image_count <= COMMON_MAX_IMAGES:
        return 'c'
    return 'f'


def _categories(classes, rank_to_id, train_annotations, look_alike_of):
    """Category records with statistics of the training split."""
    instance_count = Counter(a['category_id'] for a in train_annotations)
    image_count = Counter(
        cat_id for _, cat_id in {(a['image_id'], a['category_id'])
                                 for a in train_annotations})
    categories = []
    for rank, (colour, shape) in enumerate(classes):
        cat_id = rank_to_id[rank]
        name = _class_name(colour, shape)
        if image_count[cat_id] == 0:
            # Cannot happen with the placement order (rarest first); guard
            # anyway because LVIS has no group for a class without images.
            raise RuntimeError(f'class {name} got no training image')
        gloss = f'a filled {colour} {shape} (synthetic demo class'
        if name in look_alike_of:
            gloss += f'; looks like {look_alike_of[name][0]}'
        categories.append(
            dict(
                id=cat_id,
                name=name,
                synset=f'{name}.n.01',
                synonyms=[name],
                # 'def' as in LVIS (a WordNet-style gloss).
                **{'def': gloss + ')'},
                frequency=frequency_group(image_count[cat_id]),
                image_count=image_count[cat_id],
                instance_count=instance_count[cat_id]))
    return sorted(categories, key=lambda c: c['id'])


def _check_groups(categories, classes, rank_to_id, group_sizes):
    """A preset with fixed classes promises each class's group."""
    num_rare, num_common, _ = group_sizes
    planned = ['f'] * (len(classes) - num_rare - num_common) + \
        ['c'] * num_common + ['r'] * num_rare
    by_id = {c['id']: c for c in categories}
    for rank, group in enumerate(planned):
        cat = by_id[rank_to_id[rank]]
        if cat['frequency'] != group:
            raise RuntimeError(
                f"class {cat['name']} was planned {group!r} but has "
                f"{cat['image_count']} training images (group "
                f"{cat['frequency']!r}): too few train_images for the "
                'objects of this preset')


def _dump(obj, path):
    # Sorted keys and fixed separators give byte-identical files per seed.
    with open(path, 'w', encoding='utf-8') as f:
        json.dump(obj, f, sort_keys=True, separators=(',', ':'))


def generate_lvis_demo(out_dir,
                       seed=0,
                       num_classes=None,
                       train_images=None,
                       val_images=None,
                       image_size=None,
                       progress=False,
                       preset='default'):
    """Generate the synthetic long-tailed LVIS v1 style demo dataset.

    Args:
        out_dir (str): Root directory (``data_root`` in the configs).
        seed (int): Seed of ``numpy.random.default_rng``. Defaults to 0.
        num_classes (int, optional): Number of classes, 3..64 for the
            'default' preset; the 'hard' preset has 48, fixed. Defaults to
            the preset's (20 for 'default').
        train_images (int, optional): Number of training images, >= 202 so
            that the head classes are 'frequent' (> 100 images). Defaults to
            the preset's (400 for 'default', 300 for 'hard').
        val_images (int, optional): Number of validation images,
            >= num_classes. Defaults to the preset's (100).
        image_size (int, optional): Side of the square images in pixels,
            >= 32. Defaults to the preset's (128).
        progress (bool): Print one line per split. Defaults to False.
        preset (str): A name in :data:`PRESETS`: 'default' or 'hard'.
            Defaults to 'default'.

    Returns:
        dict[str, str]: Paths of the annotation files, keys 'train', 'val'.
    """
    spec = get_preset(preset)
    if num_classes is None:
        num_classes = spec.num_classes
    if train_images is None:
        train_images = spec.train_images
    if val_images is None:
        val_images = spec.val_images
    if image_size is None:
        image_size = spec.image_size
    _validate(out_dir, seed, num_classes, train_images, val_images,
              image_size, preset)
    out_dir = str(out_dir)
    rng = np.random.default_rng(seed)
    classes = _classes(num_classes, preset)
    names = class_names(num_classes, preset)
    rank_to_id = {
        rank: names.index(_class_name(*c)) + 1
        for rank, c in enumerate(classes)
    }
    group_sizes = _group_sizes(num_classes, preset)
    os.makedirs(osp.join(out_dir, 'annotations'), exist_ok=True)

    split_classes = dict(
        train=_assign_train(
            rng, train_image_targets(num_classes, train_images, preset),
            train_images, group_sizes[2], spec.max_classes_per_image),
        val=_assign_val(rng, num_classes, val_images,
                        spec.val_classes_per_image))
    records = {}
    first_image_id, first_ann_id = 1, 1
    for split in ('train', 'val'):
        start = time.perf_counter()
        images, annotations = _generate_split(
            rng, split, split_classes[split], first_image_id, first_ann_id,
            out_dir, image_size, classes, rank_to_id,
            spec.max_objects_per_image)
        # Ids are unique across both splits, as in LVIS v1.
        first_image_id += len(images)
        first_ann_id += len(annotations)
        records[split] = (images, annotations)
        if progress:
            print(f'lvis_demo: {split}: {len(images)} images, '
                  f'{len(annotations)} instances '
                  f'({time.perf_counter() - start:.1f}s)')

    # Both files carry the training statistics, as real LVIS v1 val does.
    categories = _categories(classes, rank_to_id, records['train'][1],
                             spec.look_alikes)
    if spec.classes is not None:
        _check_groups(categories, classes, rank_to_id, group_sizes)
    generator = dict(
        seed=seed,
        num_classes=num_classes,
        train_images=train_images,
        val_images=val_images,
        image_size=image_size)
    if preset != 'default':
        # the default set's files stay byte-identical to earlier versions
        generator['preset'] = preset
    paths = {}
    for split, (images, annotations) in records.items():
        data = dict(
            info=dict(
                description='lt_mm synthetic long-tailed demo dataset '
                '(LVIS v1 format)',
                version='1.0',
                year=2017,
                contributor='lt_mm',
                date_created='2017-01-01',
                generator=generator),
            licenses=[
                dict(
                    id=1,
                    name='CC BY 4.0 (synthetic images)',
                    url='https://creativecommons.org/licenses/by/4.0/')
            ],
            images=images,
            annotations=annotations,
            categories=categories)
        paths[split] = osp.join(out_dir, ANN_FILES[split])
        _dump(data, paths[split])
    return paths
