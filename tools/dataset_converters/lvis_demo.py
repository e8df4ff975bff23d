"""Generate the synthetic long-tailed demo dataset in LVIS v1 format.

    python tools/dataset_converters/lvis_demo.py --out data/lvis_demo \\
        --seed 0 --num-classes 20 --train-images 400 --val-images 100 \\
        --image-size 128
    python tools/dataset_converters/lvis_demo.py --preset hard \\
        --out data/lvis_demo_hard

``--preset hard`` gives 48 classes with rare classes in 1-5 training images
and rare look-alikes of frequent classes; the sizes not given come from the
preset. The generator is :func:`lt_mm.datasets.lvis_demo.generate_lvis_demo`;
the same seed gives byte-identical files.
"""
import argparse
import json
import time
from collections import Counter

from lt_mm.datasets.lvis_demo import PRESETS, generate_lvis_demo


def parse_args(args=None):
    parser = argparse.ArgumentParser(
        description='Generate a synthetic long-tailed dataset in LVIS v1 '
        'format')
    parser.add_argument(
        '--out', default='data/lvis_demo', help='output root directory')
    parser.add_argument(
        '--preset',
        default='default',
        choices=sorted(PRESETS),
        help="'default' (20 classes) or 'hard' (48 classes, rare classes "
        'in 1-5 images, look-alikes)')
    parser.add_argument('--seed', type=int, default=0, help='random seed')
    parser.add_argument(
        '--num-classes',
        type=int,
        help="number of classes (default: the preset's, 20)")
    parser.add_argument(
        '--train-images',
        type=int,
        help="training images (default: the preset's, 400 / 300)")
    parser.add_argument(
        '--val-images',
        type=int,
        help="validation images (default: the preset's, 100)")
    parser.add_argument(
        '--image-size',
        type=int,
        help="image side in pixels (default: the preset's, 128)")
    return parser.parse_args(args)


def main(args=None):
    args = parse_args(args)
    start = time.perf_counter()
    paths = generate_lvis_demo(
        args.out,
        seed=args.seed,
        num_classes=args.num_classes,
        train_images=args.train_images,
        val_images=args.val_images,
        image_size=args.image_size,
        progress=True,
        preset=args.preset)
    with open(paths['train'], encoding='utf-8') as f:
        categories = json.load(f)['categories']
    groups = Counter(c['frequency'] for c in categories)
    print(f"lvis_demo: classes r/c/f = {groups['r']}/{groups['c']}/"
          f"{groups['f']}; wrote {paths['train']} and {paths['val']} "
          f'in {time.perf_counter() - start:.1f}s')


if __name__ == '__main__':
    main()
