"""Generate the synthetic long-tailed demo dataset in LVIS v1 format.

    python tools/dataset_converters/lvis_demo.py --out data/lvis_demo \\
        --seed 0 --num-classes 20 --train-images 400 --val-images 100 \\
        --image-size 128

The generator is :func:`lt_mm.datasets.lvis_demo.generate_lvis_demo`; the
same seed gives byte-identical files.
"""
import argparse
import json
import time
from collections import Counter

from lt_mm.datasets.lvis_demo import generate_lvis_demo


def parse_args(args=None):
    parser = argparse.ArgumentParser(
        description='Generate a synthetic long-tailed dataset in LVIS v1 '
        'format')
    parser.add_argument(
        '--out', default='data/lvis_demo', help='output root directory')
    parser.add_argument('--seed', type=int, default=0, help='random seed')
    parser.add_argument(
        '--num-classes', type=int, default=20, help='number of classes')
    parser.add_argument(
        '--train-images', type=int, default=400, help='training images')
    parser.add_argument(
        '--val-images', type=int, default=100, help='validation images')
    parser.add_argument(
        '--image-size', type=int, default=128, help='image side in pixels')
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
        progress=True)
    with open(paths['train'], encoding='utf-8') as f:
        categories = json.load(f)['categories']
    groups = Counter(c['frequency'] for c in categories)
    print(f"lvis_demo: classes r/c/f = {groups['r']}/{groups['c']}/"
          f"{groups['f']}; wrote {paths['train']} and {paths['val']} "
          f'in {time.perf_counter() - start:.1f}s')


if __name__ == '__main__':
    main()
