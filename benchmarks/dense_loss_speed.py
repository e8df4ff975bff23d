"""Forward + backward time of lt_mm.EqualizedFocalLoss against mmdet's
sigmoid ``FocalLoss`` at a dense head's shape, from one run.

    python benchmarks/dense_loss_speed.py [--level 3] [--images 2]
        [--size 800 1344] [--anchors 2] [--positives 200] [--classes 1203]
        [--repeats 10]

The inputs are what mmdet's ``ATSSHead`` hands ``loss_cls`` for one FPN
level of one step of configs/lvis/atss_r50.py (``loss_by_feat_single``,
once per level): (N, C) logits of the batch's anchors at that level,
N = images x ceil(H / stride) x ceil(W / stride) x anchors per location,
labels with background C, label weights 1 and ``avg_factor`` the number
of positives. The default is P3 (stride 8), the largest level, of a
2-image batch (16 images on 8 GPUs) padded to 800 x 1344, with the config's
2 anchors per location: N = 2 x 100 x 168 x 2 = 67,200 anchors. The 200
positives (long-tailed classes) are a guess of ATSS's positives at that
level; the time hardly depends on them. The EFL runs in train mode, so
every step updates its gradient statistics (the backward pass adds the
step's sums) and, from the second step on, uses class-dependent focusing
factors. mmdet's ``FocalLoss`` takes mmcv's CUDA kernel on CUDA and its
python ``py_sigmoid_focal_loss`` with one-hot targets on the CPU
(mmdet/models/losses/focal_loss.py, ``FocalLoss.forward``); the path it
took is printed. Runs on CUDA when present. ``--clock cpu`` (CPU only)
times the process's CPU seconds instead of the wall clock, which counts the
work of each loss on a shared machine where the benchmark waits for cores.
"""
import argparse
import math

import torch
from mmdet.models.losses import FocalLoss
from mmdet.models.losses import focal_loss as mmdet_focal

from lt_mm.det import EqualizedFocalLoss
from timing import (add_clock_argument, clock_of, describe,
                    median_backward_times)


def dense_level(num_anchors, num_classes, num_pos, device, seed=0):
    """Logits, labels, label weights and avg_factor of one FPN level."""
    g = torch.Generator().manual_seed(seed)
    # the head starts at the prior 0.001 and spreads from there
    logits = torch.randn(num_anchors, num_classes, generator=g) - 6.9
    probs = 1.0 / torch.arange(1, num_classes + 1).float()
    labels = torch.full((num_anchors, ), num_classes)
    pos = torch.randperm(num_anchors, generator=g)[:num_pos]
    labels[pos] = torch.multinomial(probs, len(pos), replacement=True,
                                    generator=g)
    weights = torch.ones(num_anchors)
    return (logits.to(device), labels.to(device), weights.to(device),
            float(max(num_pos, 1)))


def mmdet_path(loss, inputs):
    """The function mmdet's FocalLoss calls on these inputs' device."""
    taken = []
    names = ('sigmoid_focal_loss', 'py_sigmoid_focal_loss')
    originals = {name: getattr(mmdet_focal, name) for name in names}

    def spy(name):

        def call(*args, **kwargs):
            taken.append(name)
            return originals[name](*args, **kwargs)

        return call

    try:
        for name in names:
            setattr(mmdet_focal, name, spy(name))
        logits, labels, weights, avg_factor = inputs
        loss(logits, labels, weights, avg_factor=avg_factor)
    finally:
        for name, fn in originals.items():
            setattr(mmdet_focal, name, fn)
    if taken == ['sigmoid_focal_loss']:
        return "mmcv's sigmoid_focal_loss kernel"
    return 'python ' + '+'.join(taken) + ' (one-hot targets)'


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--level', type=int, default=3, choices=range(3, 8),
                        help='FPN level P3-P7 (stride 2 ** level)')
    parser.add_argument('--images', type=int, default=2)
    parser.add_argument('--size', type=int, nargs=2, default=[800, 1344],
                        metavar=('H', 'W'), help='padded batch size')
    parser.add_argument('--anchors', type=int, default=2,
                        help='anchors per location')
    parser.add_argument('--positives', type=int, default=200)
    parser.add_argument('--classes', type=int, default=1203)
    parser.add_argument('--repeats', type=int, default=10)
    add_clock_argument(parser)
    args = parser.parse_args()
    device = 'cuda' if torch.cuda.is_available() else 'cpu'
    clock = clock_of(args, device, parser)
    stride = 2**args.level
    h, w = (math.ceil(s / stride) for s in args.size)
    n, c = args.images * h * w * args.anchors, args.classes
    num_pos = min(args.positives, n)
    inputs = dense_level(n, c, num_pos, device)

    efl = EqualizedFocalLoss(num_classes=c).to(device).train()
    ref = FocalLoss(use_sigmoid=True, gamma=2.0, alpha=0.25).to(device)
    # the same loss before any statistics: both sum over anchors and
    # classes and divide by avg_factor
    logits, labels, weights, avg_factor = inputs
    with torch.no_grad():
        step0 = EqualizedFocalLoss(num_classes=c).to(device).eval()(
            logits, labels, weights, avg_factor=avg_factor)
    path = mmdet_path(ref, inputs)
    with torch.no_grad():
        expected = ref(logits, labels, weights, avg_factor=avg_factor)
    print(f'P{args.level} of {args.images} images {args.size[0]} x '
          f'{args.size[1]}: {args.images} x {h} x {w} x {args.anchors} = '
          f'{n} anchors x {c} classes, {num_pos} '
          f'positives, on {describe(device)}; forward + backward, median '
          f'{args.clock} time of {args.repeats}, timed in turn')
    print(f'mmdet FocalLoss path: {path}; at step 0 EFL {step0.item():.6f}, '
          f'mmdet {expected.item():.6f}')
    t, t_ref = median_backward_times(
        [lambda x, fn=fn: fn(x, labels, weights, avg_factor=avg_factor)
         for fn in (efl, ref)], [logits] * 2, args.repeats, device, clock,
        warmup=2)
    print(f'{"loss":<22}{"ms":>10}')
    print(f'{"EqualizedFocalLoss":<22}{t * 1e3:10.1f}   (statistics '
          f'updated every step, {efl.pos_grad.gt(0).sum().item()} classes '
          'with positives so far)')
    print(f'{"mmdet FocalLoss":<22}{t_ref * 1e3:10.1f}')
    print(f'ours / mmdet: {t / t_ref:.2f}')


if __name__ == '__main__':
    main()
