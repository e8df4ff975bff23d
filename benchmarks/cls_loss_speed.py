"""Forward + backward time of lt_mm's classification losses against
mmpretrain's cross-entropy (and against mmpretrain's Seesaw and focal losses
where they coincide), from one run.

    python benchmarks/cls_loss_speed.py [--batch 128] [--classes 100 1000]
                                        [--repeats 50]

Logits of one training step (a CIFAR-100-LT batch of 128; ImageNet-LT's 1000
classes), long-tailed labels (n_j ~ 500 * 0.01^(j / (C - 1))), hard labels
and mixup targets (two classes per sample). Runs on CUDA when present.
"""
import argparse

import torch
import torch.nn.functional as F
from mmpretrain.models.losses import CrossEntropyLoss, FocalLoss
from mmpretrain.models.losses import SeesawLoss as MMPretrainSeesawLoss
from mmpretrain.registry import MODELS

import lt_mm  # noqa: F401  registers the components
from lt_mm.core import ClassStatistics
from timing import median_backward_times

LOSSES = {
    'SoftmaxFocalLoss': dict(type='lt_mm.SoftmaxFocalLoss'),
    'WeightedSoftmaxLoss': dict(type='lt_mm.WeightedSoftmaxLoss'),
    'CB softmax': dict(type='lt_mm.ClassBalancedLoss'),
    'CB sigmoid': dict(type='lt_mm.ClassBalancedLoss', loss_type='sigmoid'),
    'CB focal': dict(type='lt_mm.ClassBalancedLoss', loss_type='focal'),
    'BalancedSoftmaxLoss': dict(type='lt_mm.BalancedSoftmaxLoss'),
    'LogitAdjustmentLoss': dict(type='lt_mm.LogitAdjustmentLoss'),
    'LDAMLoss (DRW)': dict(type='lt_mm.LDAMLoss'),
    'SoftmaxEQLLoss': dict(type='lt_mm.SoftmaxEQLLoss'),
    'ClsSeesawLoss': dict(type='lt_mm.ClsSeesawLoss'),
    'ClsEquilibriumLoss': dict(type='lt_mm.ClsEquilibriumLoss'),
    'LabelAwareSmoothing': dict(type='lt_mm.LabelAwareSmoothingLoss'),
    'ClsGroupSoftmaxLoss': dict(type='lt_mm.ClsGroupSoftmaxLoss'),
}
REFERENCES = {
    'ClsSeesawLoss': ('mmpretrain SeesawLoss', MMPretrainSeesawLoss),
    'CB focal': ('mmpretrain FocalLoss', FocalLoss),
}


def batch(n, c, device, seed=0):
    g = torch.Generator().manual_seed(seed)
    counts = (500 * 0.01**(torch.arange(c) / (c - 1))).long()
    labels = torch.multinomial(counts.float(), n, True, generator=g)
    partner = labels[torch.randperm(n, generator=g)]
    mixed = 0.7 * F.one_hot(labels, c) + 0.3 * F.one_hot(partner, c)
    logits = torch.randn(n, c, generator=g)
    stats = ClassStatistics.from_labels(
        [[j] for j in range(c) for _ in range(int(counts[j]))], c)
    return logits.to(device), labels.to(device), mixed.to(device), stats


def time_pair(fn, ref, logits, target, ref_target, repeats, device,
              ref_logits=None):
    """Median seconds of forward + backward of ``fn`` and of ``ref``, timed
    alternately so that both see the same machine load."""
    return median_backward_times(
        [lambda x: fn(x, target, avg_factor=len(x)),
         lambda x: ref(x, ref_target, avg_factor=len(x))],
        [logits, logits if ref_logits is None else ref_logits], repeats,
        device)


def build(cfg, c, stats, device):
    cfg = dict(cfg)
    if cfg['type'] != 'lt_mm.SoftmaxFocalLoss':
        cfg['num_classes'] = c
    loss = MODELS.build(cfg).to(device).train()
    if hasattr(loss, 'set_class_statistics'):
        loss.set_class_statistics(stats)
    if hasattr(loss, 'set_deferred_reweighting'):
        loss.set_deferred_reweighting(0.9999)
    return loss


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--batch', type=int, default=128)
    parser.add_argument('--classes', type=int, nargs='+', default=[100, 1000])
    parser.add_argument('--repeats', type=int, default=50)
    args = parser.parse_args()
    torch.set_num_threads(1)  # steadier timings on a shared CPU
    device = 'cuda' if torch.cuda.is_available() else 'cpu'
    for c in args.classes:
        logits, labels, mixed, stats = batch(args.batch, c, device)
        ce = CrossEntropyLoss().to(device)
        soft_ce = CrossEntropyLoss(use_soft=True).to(device)
        print(f'\n{args.batch} samples x {c} classes on {device}; '
              'forward + backward, median ms; each ratio from alternating '
              'runs of the two losses')
        print(f'| {"loss":<22} | {"ms":>7} | {"/ CE":>6} | {"mixup ms":>8} |'
              f' {"/ soft CE":>9} | {"reference":<22} | {"ours / ref":>10} |')
        print('|' + '|'.join('-' * w for w in (24, 9, 8, 10, 11, 24, 12)) +
              '|')
        for name, cfg in LOSSES.items():
            loss = build(cfg, c, stats, device)
            # BAGS: one extra "others" logit per group
            extra = getattr(loss, 'num_groups', 0)
            ours = torch.cat([logits, logits[:, :extra]], 1)
            t, t_ce = time_pair(loss, ce, ours, labels, labels,
                                args.repeats, device, logits)
            t_mix, t_soft = time_pair(loss, soft_ce, ours, mixed, mixed,
                                      args.repeats, device, logits)
            ref_cell = f'| {"":<22} | {"":>10} |'
            if name in REFERENCES:
                ref_name, ref_type = REFERENCES[name]
                ref = (ref_type(num_classes=c) if ref_type is
                       MMPretrainSeesawLoss else ref_type(gamma=1.0,
                                                          alpha=0.5))
                t_own, t_ref = time_pair(loss, ref.to(device).train(),
                                         logits, labels, labels,
                                         args.repeats, device)
                ref_cell = f'| {ref_name:<22} | {t_own / t_ref:10.2f} |'
            print(f'| {name:<22} | {t * 1e3:7.3f} | {t / t_ce:6.2f} | '
                  f'{t_mix * 1e3:8.3f} | {t_mix / t_soft:9.2f} ' + ref_cell)

if __name__ == '__main__':
    main()
