"""Learning effect of lt_mm's long-tailed classification methods on the
long-tailed digits set (lt_mm.DigitsLT: 342 training images, 124 down to 2
per digit, balanced test set of 500), one command:

    python benchmarks/digits_lt_study.py [--seeds 5] [--epochs 60]

Every method trains the same small MLP (64-128-64, BatchNorm, ReLU) with
plain torch loops that call lt_mm's loss modules and heads (SGD, lr 0.1,
batch 32, x0.1 at 80 % and 90 % of the epochs, DRW from 80 %, one-pixel
random shifts), so a run takes about a second. Plain cross-entropy (CE) is
the reference; the decoupled methods (post-hoc logit adjustment, tau-norm,
NCM, cRT, LWS, BAGS) start from the CE run of the same seed. Each seed draws
another split of the digits (test set and long-tailed selection) and another
initialisation. The table gives mean and
standard deviation over seeds of top-1 and many (> 40 training images) /
medium / few (< 10) shot accuracy, the digits configs' thresholds.
"""
import argparse
import copy

import numpy as np
import torch
import torch.nn as nn
from mmpretrain.registry import MODELS

import lt_mm  # noqa: F401  registers the components
from lt_mm.cls.models.heads import (CosineClsHead, GroupSoftmaxClsHead,
                                    LogitAdjustedClsHead, LWSClsHead,
                                    NCMClsHead, TauNormClsHead)
from lt_mm.core import ClassStatistics
from lt_mm.core.shot_accuracy import shot_accuracy
from lt_mm.registry import DATASETS

NUM_CLASSES = 10
MANY, FEW = 40, 10

# name -> (loss config, cosine head); num_classes is added for the losses
# that take it
ONE_STAGE = {
    'CE': (dict(type='CrossEntropyLoss'), False),
    'Focal (gamma 1)': (dict(type='lt_mm.SoftmaxFocalLoss'), False),
    'Weighted softmax': (dict(type='lt_mm.WeightedSoftmaxLoss'), False),
    'CB softmax': (dict(type='lt_mm.ClassBalancedLoss'), False),
    'CB sigmoid': (dict(type='lt_mm.ClassBalancedLoss',
                        loss_type='sigmoid'), False),
    'CB focal': (dict(type='lt_mm.ClassBalancedLoss', loss_type='focal'),
                 False),
    'Balanced Softmax': (dict(type='lt_mm.BalancedSoftmaxLoss'), False),
    'Logit adjustment': (dict(type='lt_mm.LogitAdjustmentLoss'), False),
    'LDAM-DRW': (dict(type='lt_mm.LDAMLoss'), True),
    'Softmax EQL': (dict(type='lt_mm.SoftmaxEQLLoss', lambda_=0.05), False),
    'Seesaw': (dict(type='lt_mm.ClsSeesawLoss'), False),
    'Equilibrium (LOCE)': (dict(type='lt_mm.ClsEquilibriumLoss'), False),
    'Label-aware smoothing': (dict(type='lt_mm.LabelAwareSmoothingLoss'),
                              False),
}
DECOUPLED = ('Post-hoc LA', 'tau-norm', 'NCM', 'cRT', 'LWS', 'BAGS')


def digits(seed):
    """(x_train, y_train, x_test, y_test) tensors of one split."""
    out = []
    for split in ('train', 'test'):
        ds = DATASETS.build(dict(type='lt_mm.DigitsLT', split=split,
                                 seed=seed))
        infos = [ds.get_data_info(i) for i in range(len(ds))]
        x = torch.tensor(np.stack([i['img'] for i in infos]),
                         dtype=torch.float32).flatten(1) / 255.0
        y = torch.tensor([int(i['gt_label']) for i in infos])
        out += [x, y]
    return out


class Backbone(nn.Sequential):

    def __init__(self):
        super().__init__(nn.Linear(64, 128), nn.BatchNorm1d(128), nn.ReLU(),
                         nn.Linear(128, 64), nn.BatchNorm1d(64), nn.ReLU())


def shift(x, gen):
    """Each 8x8 image moved by up to one pixel (zero padding), the digits'
    counterpart of CIFAR's random crop: without it the MLP memorises the 342
    training images, and loss re-weighting then changes nothing."""
    images = torch.nn.functional.pad(x.view(-1, 1, 8, 8), (1, 1, 1, 1))
    dx, dy = torch.randint(0, 3, (2, ), generator=gen).tolist()
    return images[:, :, dy:dy + 8, dx:dx + 8].flatten(1)


def batches(num, batch_size, gen, weights=None):
    if weights is None:
        order = torch.randperm(num, generator=gen)
    else:  # class-balanced: p(sample) ~ 1 / n_label
        order = torch.multinomial(weights, num, True, generator=gen)
    return order.split(batch_size)


def train(backbone, head, loss_fn, x, y, epochs, gen, lr=0.1, params=None,
          weights=None, drw_epoch=None, augment=None):
    params = params if params is not None else [
        p for m in (backbone, head) for p in m.parameters()
    ]
    opt = torch.optim.SGD(params, lr=lr, momentum=0.9, weight_decay=5e-4)
    sched = torch.optim.lr_scheduler.MultiStepLR(
        opt, [int(0.8 * epochs), int(0.9 * epochs)], 0.1)
    loss_fn.train()
    if params is None:  # a frozen backbone stays in eval mode
        backbone.train()
    for epoch in range(epochs):
        if hasattr(loss_fn, 'set_deferred_reweighting'):
            loss_fn.set_deferred_reweighting(
                0.9999 if drw_epoch is not None and epoch >= drw_epoch else
                None)
        for idx in batches(len(x), 32, gen, weights):
            inputs = x[idx] if augment is None else augment(x[idx], gen)
            logits = head((backbone(inputs), ))
            loss = loss_fn(logits, y[idx], avg_factor=len(idx))
            opt.zero_grad()
            loss.backward()
            opt.step()
        sched.step()


def predict(backbone, head, x):
    backbone.eval()
    with torch.no_grad():
        samples = head.predict((backbone(x), ))
    return torch.stack([s.pred_label for s in samples]).flatten()


def run_seed(seed, epochs):
    x, y, xt, yt = digits(seed)
    counts = torch.bincount(y, minlength=NUM_CLASSES)
    stats = ClassStatistics.from_labels([[int(v)] for v in y], NUM_CLASSES)
    results = {}

    def score(pred):
        return shot_accuracy(pred.numpy(), yt.numpy(), counts.numpy(), MANY,
                             FEW)

    ce_model = None
    for name, (loss_cfg, cosine) in ONE_STAGE.items():
        torch.manual_seed(seed)
        gen = torch.Generator().manual_seed(seed)
        loss_cfg = dict(loss_cfg)
        if loss_cfg['type'].startswith('lt_mm.') and \
                loss_cfg['type'] != 'lt_mm.SoftmaxFocalLoss':
            loss_cfg['num_classes'] = NUM_CLASSES
        loss_fn = MODELS.build(loss_cfg)
        if hasattr(loss_fn, 'set_class_statistics'):
            loss_fn.set_class_statistics(stats)
        backbone = Backbone()
        head_cls = CosineClsHead if cosine else LinearClsHeadForStudy
        head = head_cls(num_classes=NUM_CLASSES, in_channels=64)
        if not cosine:  # LinearClsHead's init_cfg, without its log lines
            nn.init.normal_(head.fc.weight, std=0.01)
            nn.init.zeros_(head.fc.bias)
        train(backbone, head, loss_fn, x, y, epochs, gen,
              drw_epoch=int(0.8 * epochs), augment=shift)
        results[name] = score(predict(backbone, head, xt))
        if name == 'CE':
            ce_model = (backbone, head)
    results.update(decoupled(ce_model, stats, x, y, xt, score, seed))
    return results


class LinearClsHeadForStudy(TauNormClsHead):
    """A plain linear head: TauNormClsHead predicts with tau 0 and bias."""

    def __init__(self, **kwargs):
        super().__init__(tau=0.0, keep_bias=True, **kwargs)


def decoupled(ce_model, stats, x, y, xt, score, seed):
    backbone, head = ce_model
    results = {}
    state = head.state_dict()

    posthoc = LogitAdjustedClsHead(num_classes=NUM_CLASSES, in_channels=64)
    posthoc.load_state_dict(state, strict=False)
    posthoc.set_class_statistics(stats)
    results['Post-hoc LA'] = score(predict(backbone, posthoc, xt))

    tau = TauNormClsHead(num_classes=NUM_CLASSES, in_channels=64, tau=1.0)
    tau.load_state_dict(state)
    results['tau-norm'] = score(predict(backbone, tau, xt))

    ncm = NCMClsHead(num_classes=NUM_CLASSES, in_channels=64)
    backbone.eval()
    with torch.no_grad():
        ncm.accumulate((backbone(x), ), y)
    results['NCM'] = score(predict(backbone, ncm, xt))

    # second stages: frozen backbone (eval mode), class-balanced sampling,
    # 10 epochs
    counts = torch.bincount(y, minlength=NUM_CLASSES).float()
    balanced = 1 / counts[y]
    ce = MODELS.build(dict(type='CrossEntropyLoss'))
    frozen = copy.deepcopy(backbone).eval().requires_grad_(False)

    torch.manual_seed(seed)
    crt = LinearClsHeadForStudy(num_classes=NUM_CLASSES, in_channels=64)
    crt.fc.reset_parameters()
    train(frozen, crt, ce, x, y, 10, torch.Generator().manual_seed(seed),
          params=list(crt.fc.parameters()), weights=balanced)
    results['cRT'] = score(predict(frozen, crt, xt))

    lws = LWSClsHead(num_classes=NUM_CLASSES, in_channels=64)
    lws.load_state_dict(state, strict=False)
    train(frozen, lws, ce, x, y, 10, torch.Generator().manual_seed(seed),
          params=[lws.scales], weights=balanced)
    results['LWS'] = score(predict(frozen, lws, xt))

    # BAGS: a new (C + G)-way classifier, instance-balanced sampling, the
    # groups at the shot thresholds
    torch.manual_seed(seed)
    bags = GroupSoftmaxClsHead(
        num_classes=NUM_CLASSES, in_channels=64,
        loss=dict(type='lt_mm.ClsGroupSoftmaxLoss', bins=(FEW, MANY + 1)))
    bags.loss_module.set_class_statistics(stats)
    train(frozen, bags, bags.loss_module, x, y, 10,
          torch.Generator().manual_seed(seed), params=list(bags.parameters()))
    results['BAGS'] = score(predict(frozen, bags, xt))
    return results


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--seeds', type=int, default=5)
    parser.add_argument('--epochs', type=int, default=60)
    args = parser.parse_args()
    torch.set_num_threads(1)
    runs = [run_seed(seed, args.epochs) for seed in range(args.seeds)]
    names = list(ONE_STAGE) + list(DECOUPLED)
    keys = ('top1', 'many', 'medium', 'few')
    print(f'long-tailed digits, {args.seeds} seeds, {args.epochs} epochs; '
          'accuracy % (mean ± std)')
    print(f'| {"method":<22} | ' + ' | '.join(f'{k:^13}' for k in keys) +
          ' | few - CE |')
    print('|' + '-' * 24 + '|' + '|'.join('-' * 15 for _ in keys) +
          '|----------|')
    ce_few = np.mean([r['CE']['few'] for r in runs])
    for name in names:
        cells = []
        for k in keys:
            v = np.array([r[name][k] for r in runs])
            cells.append(f'{v.mean():5.1f} ± {v.std():4.1f}')
        few = np.mean([r[name]['few'] for r in runs]) - ce_few
        print(f'| {name:<22} | ' + ' | '.join(cells) + f' | {few:+8.1f} |')


if __name__ == '__main__':
    main()
