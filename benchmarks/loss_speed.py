"""Forward + backward time of lt_mm's detection losses against softmax
cross-entropy and against mmdet's own implementations, from one run.

    python benchmarks/loss_speed.py [--rois 1024] [--classes 1203] [--repeats 50]

Inputs are shaped like one LVIS Mask R-CNN step (1024 RoIs x 1203 classes,
a quarter of them positive, long-tailed labels). Runs on CUDA when present.
``--clock cpu`` (CPU only) times the process's CPU seconds instead of the
wall clock: on a shared machine, where the benchmark waits for the cores,
CPU time still counts the work of each loss.
mmdet has no Federated Loss: it is compared with mmdet's sigmoid
``CrossEntropyLoss`` over the same C logits (every class trained), the host
loss closest to it. The dense heads' Equalized Focal Loss has its own
benchmark, ``benchmarks/dense_loss_speed.py``.
"""
import argparse

import torch
import torch.nn.functional as F
from mmdet.models.losses import CrossEntropyLoss, EQLV2Loss
from mmdet.models.losses import SeesawLoss as MMDetSeesawLoss

from lt_mm.core import ClassStatistics
from lt_mm.det import (AdaptiveClassSuppressionLoss, EqualizationLoss,
                       EqualizationLossV2, FederatedLoss, GroupSoftmaxLoss,
                       SeesawLoss)
from timing import (add_clock_argument, clock_of, describe,
                    median_backward_times)


def lvis_step(num_rois, num_classes, extra_channels, device, seed=0):
    g = torch.Generator().manual_seed(seed)
    logits = torch.randn(num_rois, num_classes + extra_channels, generator=g)
    probs = 1.0 / torch.arange(1, num_classes + 1).float()
    fg = torch.multinomial(probs, num_rois, replacement=True, generator=g)
    labels = torch.where(
        torch.rand(num_rois, generator=g) < 0.75, torch.tensor(num_classes),
        fg)
    return logits.to(device), labels.to(device)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--rois', type=int, default=1024)
    parser.add_argument('--classes', type=int, default=1203)
    parser.add_argument('--repeats', type=int, default=50)
    add_clock_argument(parser)
    args = parser.parse_args()
    device = 'cuda' if torch.cuda.is_available() else 'cpu'
    clock = clock_of(args, device, parser)
    n, c = args.rois, args.classes

    def ce(x, y):
        return F.cross_entropy(x, y)

    # Zipf-like counts over 100k images, LVIS v1's r / c / f proportions
    image_counts = (1e5 / torch.arange(1, c + 1)).long().numpy()
    frequency = ['f'] * (c * 405 // 1203) + ['c'] * (c * 461 // 1203)
    stats = ClassStatistics(image_counts, image_counts, 100000,
                            frequency + ['r'] * (c - len(frequency)))
    eql = EqualizationLoss(num_classes=c)
    acsl = AdaptiveClassSuppressionLoss(num_classes=c)
    bags = GroupSoftmaxLoss(num_classes=c)
    fed = FederatedLoss(num_classes=c)
    for loss in (eql, acsl, bags, fed):
        loss.set_class_statistics(stats)
    cases = [
        # name, loss, extra channels, reference name, reference loss
        ('SeesawLoss', SeesawLoss(num_classes=c), 2, 'mmdet SeesawLoss',
         MMDetSeesawLoss(num_classes=c)),
        ('EQLv2', EqualizationLossV2(num_classes=c), 1, 'mmdet EQLV2Loss',
         EQLV2Loss(num_classes=c)),
        ('EQL', eql, 0, None, None),
        ('ACSL', acsl, 1, None, None),
        ('GroupSoftmax', bags, 2 + bags.num_groups, None, None),
        # the closest host loss (mmdet has none that trains a class subset)
        ('FederatedLoss', fed, 0, 'mmdet sigmoid CE *',
         CrossEntropyLoss(use_sigmoid=True)),
    ]
    print(f'{n} RoIs x {c} classes on {describe(device)}; forward + backward, median '
          f'{args.clock} time of each, each loss timed in turn with softmax '
          'CE over C + 1 logits')
    print(f'{"loss":<14}{"ms":>8}{"CE ms":>8}{"/ CE":>8}   {"reference":<20}'
          f'{"ms":>8}{"ours / ref":>12}')
    ce_inputs = lvis_step(n, c, 1, device)
    for name, loss, extra, ref_name, ref in cases:
        inputs = lvis_step(n, c, extra, device)
        fns = [ce, loss.to(device)] + ([ref.to(device)] if ref else [])
        calls = [lambda x, fn=fn, y=y: fn(x, y)
                 for fn, (_, y) in zip(fns, [ce_inputs] + [inputs] * 2)]
        t_ce, t, *t_ref = median_backward_times(
            calls, [ce_inputs[0]] + [inputs[0]] * 2, args.repeats, device,
            clock)
        row = f'{name:<14}{t * 1e3:8.2f}{t_ce * 1e3:8.2f}{t / t_ce:8.2f}'
        if ref is not None:
            row += f'   {ref_name:<20}{t_ref[0] * 1e3:8.2f}' \
                   f'{t / t_ref[0]:12.2f}'
        print(row)
    print('* mmdet has no Federated Loss: its CrossEntropyLoss(use_sigmoid='
          'True) over the same C logits, every class trained, is the closest '
          'host loss')


if __name__ == '__main__':
    main()
