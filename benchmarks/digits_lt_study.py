"""Learning effect of lt_mm's long-tailed classification methods on the
long-tailed digits set (lt_mm.DigitsLT: 342 training images, 124 down to 2
per digit, balanced test set of 500), one command:

    python benchmarks/digits_lt_study.py [--seeds 5] [--epochs 60]
        [--only NAME ...]

Every method trains the same small MLP (64-128-64, BatchNorm, ReLU) with
plain torch loops that call lt_mm's loss modules, heads and samplers (SGD,
lr 0.1, batch 32, x0.1 at 80 % and 90 % of the epochs, DRW from 80 %,
one-pixel random shifts), so a run takes about a second. Plain
cross-entropy (CE) is the reference; the decoupled methods (post-hoc logit
adjustment, tau-norm, NCM, cRT, LWS, BAGS) start from the CE run of the
same seed, MiSLAS from the CE + mixup run. CB sigmoid and CB focal start
their classifier bias at -log(C - 1) and do not decay it, as their authors.

The second stages follow the authors' recipes: cRT, LWS and MiSLAS train
10 epochs with cosine decay on lt_mm.ClassAwareSampler batches (round robin
over the classes, 4 images of a class at a time), the frozen backbone in
train mode so its BatchNorm statistics shift to the class-balanced batches
(classifier-balancing; MiSLAS' shift_bn); the "(eval BN)" rows keep the
backbone in eval mode instead. MiSLAS trains the classifier at lr x0.2 and
the LWS scales at lr x1 with label-aware smoothing. NCM classifies by the
Euclidean distance to class means of centred, L2-normalised features.

RIDE trains MultiExpertMLP (the first layer shared, three experts of
width 48 with their own cosine classifiers) with lt_mm.RIDELoss, its
re-weighting and per-class temperatures from 80 % of the epochs, and
predicts with the mean of the experts' logits.

SADE trains the same MultiExpertMLP with lt_mm.SADEClsHead and
lt_mm.SADELoss (softmax CE, balanced softmax and inverse-prior experts,
tau 2; Nesterov SGD as its authors) and is tested twice: with the experts'
mean, and after the test-time aggregation learned on two one-pixel shifts
of the test images (batch 128, SGD lr 0.1, at most 5 passes).

BBN and CMO draw two samples a step with lt_mm.PairedSampler over the
training set (32 pairs a step). BBN splits the MLP's last layer into a
conventional and a re-balancing branch (uniform and lt_mm.ReversedSampler
streams, each through the shared layer on its own), lt_mm.BBNClsHead mixes
them with alpha = 1 - (epoch / epochs)^2, Nesterov SGD as its authors.
CMO (lt_mm.CMODataPreprocessor) pastes a box of a class-balanced minority
image onto an instance-sampled background on half of the batches from
epoch 1 to epochs - 2 (the authors' 4 to 196 of 200, scaled), with
cross-entropy or Balanced Softmax.

Each seed draws another split of the digits (test set and long-tailed
selection) and another initialisation. The table gives mean and
standard deviation over seeds of top-1 and many (> 40 training images) /
medium / few (< 10) shot accuracy, the digits configs' thresholds.
``--only`` runs the named rows (and the first stages they need).
"""
import argparse
import copy
import math

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
from lt_mm.datasets import ClassAwareSampler
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
    'CE + mixup': (dict(type='CrossEntropyLoss'), False),
}
# sigmoid classifiers that start at the prior 1 / C, bias undecayed
SIGMOID_PRIOR = ('CB sigmoid', 'CB focal')
# name -> loss config of a multi-expert model (MultiExpertMLP, one cosine
# classifier per expert, s = 30, lt_mm.MultiExpertClsHead); DRW from 80 %
MULTI_EXPERT = {
    'RIDE (3 experts)': dict(type='lt_mm.RIDELoss'),
}
# SADE: one training run, tested with the experts' mean and after the
# test-time aggregation (train_sade())
SADE_ROWS = ('SADE (mean of experts)', 'SADE (test-time aggr.)')
# weight balancing: stage 1 alone, and stage 2 on it (weight_balancing())
WB_ROWS = ('WB stage 1 (wd 5e-3)', 'WB (MaxNorm, CB BCE)')
DECOUPLED = ('Post-hoc LA', 'tau-norm', 'NCM', 'cRT', 'cRT (eval BN)', 'LWS',
             'LWS (eval BN)', 'BAGS', 'MiSLAS', 'MiSLAS (eval BN)') + WB_ROWS
# two samplers a step (train_paired())
PAIRED_ROWS = ('BBN', 'CE + CMO', 'BS + CMO')


def digits(seed):
    """(x_train, y_train, x_test, y_test) tensors of one split and the
    training dataset."""
    out = []
    for split in ('train', 'test'):
        ds = DATASETS.build(dict(type='lt_mm.DigitsLT', split=split,
                                 seed=seed))
        infos = [ds.get_data_info(i) for i in range(len(ds))]
        x = torch.tensor(np.stack([i['img'] for i in infos]),
                         dtype=torch.float32).flatten(1) / 255.0
        y = torch.tensor([int(i['gt_label']) for i in infos])
        out += [x, y]
        if split == 'train':
            train_set = ds
    return out + [train_set]


class Backbone(nn.Sequential):

    def __init__(self):
        super().__init__(nn.Linear(64, 128), nn.BatchNorm1d(128), nn.ReLU(),
                         nn.Linear(128, 64), nn.BatchNorm1d(64), nn.ReLU())


class MultiExpertMLP(nn.Module):
    """The study MLP split as RIDE splits ResNet-32: the first layer shared,
    the second one per expert at 3/4 width (48 of 64, RIDE's expert stages
    at 48 of 64 channels); returns one feature per expert."""

    def __init__(self, num_experts=3, width=48):
        super().__init__()
        self.shared = nn.Sequential(nn.Linear(64, 128), nn.BatchNorm1d(128),
                                    nn.ReLU())
        self.experts = nn.ModuleList(
            nn.Sequential(nn.Linear(128, width), nn.BatchNorm1d(width),
                          nn.ReLU()) for _ in range(num_experts))

    def forward(self, x):
        shared = self.shared(x)
        return tuple(expert(shared) for expert in self.experts)


def fit_experts(backbone, head, x, y, epochs, gen, nesterov=False):
    """The one-stage recipe of :func:`train` (SGD, batch 32, lr 0.1 x0.1 at
    80 % and 90 % of the epochs, DRW from 80 % for a loss that has it,
    shifts) for a head whose ``loss`` takes data samples; leaves the
    backbone in eval mode."""
    from mmpretrain.structures import DataSample

    params = [p for m in (backbone, head) for p in m.parameters()]
    opt = torch.optim.SGD(params, lr=0.1, momentum=0.9, weight_decay=5e-4,
                          nesterov=nesterov)
    sched = torch.optim.lr_scheduler.MultiStepLR(
        opt, [int(0.8 * epochs), int(0.9 * epochs)], 0.1)
    drw = getattr(head.loss_module, 'set_deferred_reweighting', None)
    backbone.train()
    head.train()
    for epoch in range(epochs):
        if drw is not None:
            drw(0.9999 if epoch >= int(0.8 * epochs) else None)
        for idx in batches(len(x), 32, gen):
            samples = [DataSample().set_gt_label(int(v)) for v in y[idx]]
            losses = head.loss(backbone(shift(x[idx], gen)), samples)
            opt.zero_grad()
            sum(losses.values()).backward()
            opt.step()
        sched.step()
    backbone.eval()


def train_multi_expert(loss_cfg, x, y, xt, stats, epochs, seed):
    """A multi-expert row: the one-stage recipe of :func:`train` (SGD,
    batch 32, steps and DRW at 80 % / 90 %, shifts) on MultiExpertMLP and
    lt_mm.MultiExpertClsHead, whose loss sees every expert's logits; the
    prediction is the mean of the experts' logits."""
    from lt_mm.cls.models.heads import MultiExpertClsHead
    torch.manual_seed(seed)
    gen = torch.Generator().manual_seed(seed)
    loss_cfg = dict(loss_cfg, num_classes=NUM_CLASSES)
    backbone = MultiExpertMLP()
    head = MultiExpertClsHead(num_classes=NUM_CLASSES, in_channels=48,
                              loss=loss_cfg)
    head.loss_module.set_class_statistics(stats)
    fit_experts(backbone, head, x, y, epochs, gen)
    with torch.no_grad():
        return head(backbone(xt)).argmax(1)


def train_sade(x, y, xt, stats, epochs, seed):
    """SADE: MultiExpertMLP and lt_mm.SADEClsHead trained with
    lt_mm.SADELoss by the one-stage recipe (batch 32, lr 0.1 x0.1 at 80 %
    and 90 % of the epochs, shifts) with Nesterov momentum, the authors'
    SGD. Returns the test predictions with the experts' mean and after the
    test-time aggregation: weights from 1/3 learned on two one-pixel shifts
    of each batch of 128 test images (SGD lr 0.1, momentum 0.9, Nesterov,
    weight decay 5e-4, at most 5 passes; lt_mm.core.test_time_aggregation,
    as lt_mm.TestTimeAggregationHook)."""
    from lt_mm.cls.models.heads import SADEClsHead
    from lt_mm.core.test_time_aggregation import learn_aggregation_weights
    torch.manual_seed(seed)
    gen = torch.Generator().manual_seed(seed)
    backbone = MultiExpertMLP()
    head = SADEClsHead(num_classes=NUM_CLASSES, in_channels=48,
                       loss=dict(type='lt_mm.SADELoss',
                                 num_classes=NUM_CLASSES))
    head.loss_module.set_class_statistics(stats)
    fit_experts(backbone, head, x, y, epochs, gen, nesterov=True)
    with torch.no_grad():
        mean = head(backbone(xt)).argmax(1)

    def views():
        for idx in batches(len(xt), 128, gen):
            with torch.no_grad():  # only the weights learn
                pair = tuple(
                    head.forward_experts(backbone(shift(xt[idx], gen)))
                    for _ in range(2))
            yield pair

    weights = torch.full((3, ), 1 / 3, requires_grad=True)
    learn_aggregation_weights(
        views, weights,
        torch.optim.SGD([weights], lr=0.1, momentum=0.9, weight_decay=5e-4,
                        nesterov=True))
    head.aggregation_weights.copy_(weights.detach())
    with torch.no_grad():
        return mean, head(backbone(xt)).argmax(1)


def shift(x, gen):
    """Each 8x8 image moved by up to one pixel (zero padding), the digits'
    counterpart of CIFAR's random crop: without it the MLP memorises the 342
    training images, and loss re-weighting then changes nothing."""
    images = torch.nn.functional.pad(x.view(-1, 1, 8, 8), (1, 1, 1, 1))
    dx, dy = torch.randint(0, 3, (2, ), generator=gen).tolist()
    return images[:, :, dy:dy + 8, dx:dx + 8].flatten(1)


def batches(num, batch_size, gen, sampler=None, epoch=0):
    if sampler is None:
        order = torch.randperm(num, generator=gen)
    else:
        sampler.set_epoch(epoch)
        order = torch.tensor(list(sampler))
    return order.split(batch_size)


def train(backbone, head, loss_fn, x, y, epochs, gen, lr=0.1, params=None,
          sampler=None, drw_epoch=None, augment=None, mixup=False,
          backbone_train=True, cosine=False):
    """SGD over ``params`` (tensors or parameter groups; default: backbone
    and head), weight decay 5e-4 unless a group says otherwise.
    ``backbone_train`` False keeps the backbone in eval mode (frozen
    BatchNorm statistics); ``mixup`` mixes each batch with a shuffled copy
    by lam ~ Beta(1, 1) (MiSLAS methods.py L8-L28)."""
    params = params if params is not None else [
        p for m in (backbone, head) for p in m.parameters()
    ]
    opt = torch.optim.SGD(params, lr=lr, momentum=0.9, weight_decay=5e-4)
    if cosine:
        sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, epochs)
    else:
        sched = torch.optim.lr_scheduler.MultiStepLR(
            opt, [int(0.8 * epochs), int(0.9 * epochs)], 0.1)
    loss_fn.train()
    head.train()
    backbone.train(backbone_train)
    for epoch in range(epochs):
        if hasattr(loss_fn, 'set_deferred_reweighting'):
            loss_fn.set_deferred_reweighting(
                0.9999 if drw_epoch is not None and epoch >= drw_epoch else
                None)
        for idx in batches(len(x), 32, gen, sampler, epoch):
            inputs = x[idx] if augment is None else augment(x[idx], gen)
            if mixup:  # Beta(1, 1) is uniform
                lam = torch.rand((), generator=gen).item()
                perm = torch.randperm(len(idx), generator=gen)
                logits = head((backbone(lam * inputs +
                                        (1 - lam) * inputs[perm]), ))
                loss = lam * loss_fn(logits, y[idx], avg_factor=len(idx)) + \
                    (1 - lam) * loss_fn(logits, y[idx][perm],
                                        avg_factor=len(idx))
            else:
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


def run_seed(seed, epochs, only=None):
    x, y, xt, yt, train_set = digits(seed)
    counts = torch.bincount(y, minlength=NUM_CLASSES)
    stats = ClassStatistics.from_labels([[int(v)] for v in y], NUM_CLASSES)
    wanted = set(only or list(ONE_STAGE) + list(DECOUPLED) +
                 list(MULTI_EXPERT) + list(SADE_ROWS))
    if not only:
        wanted |= set(PAIRED_ROWS)
    if wanted & set(DECOUPLED) - {'MiSLAS', 'MiSLAS (eval BN)'}:
        wanted.add('CE')
    if wanted & {'MiSLAS', 'MiSLAS (eval BN)'}:
        wanted.add('CE + mixup')
    results, first_stages = {}, {}

    def score(pred):
        return shot_accuracy(pred.numpy(), yt.numpy(), counts.numpy(), MANY,
                             FEW)

    for name, (loss_cfg, cosine) in ONE_STAGE.items():
        if name not in wanted:
            continue
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
        params = None
        if not cosine:  # LinearClsHead's init_cfg, without its log lines
            nn.init.normal_(head.fc.weight, std=0.01)
            nn.init.zeros_(head.fc.bias)
        if name in SIGMOID_PRIOR:
            # richardaecn/class-balanced-loss src/model_base.py L188-L197
            # (bias -log(C - 1)), src/cifar_main.py L348-L351 (no decay)
            nn.init.constant_(head.fc.bias, -math.log(NUM_CLASSES - 1))
            params = [
                dict(params=[*backbone.parameters(), head.fc.weight]),
                dict(params=[head.fc.bias], weight_decay=0.0)
            ]
        train(backbone, head, loss_fn, x, y, epochs, gen, params=params,
              drw_epoch=int(0.8 * epochs), augment=shift,
              mixup=name == 'CE + mixup')
        results[name] = score(predict(backbone, head, xt))
        first_stages[name] = (backbone, head)
    for name, loss_cfg in MULTI_EXPERT.items():
        if name in wanted:
            results[name] = score(
                train_multi_expert(loss_cfg, x, y, xt, stats, epochs,
                                   seed))
    if wanted & set(SADE_ROWS):
        for name, pred in zip(SADE_ROWS,
                              train_sade(x, y, xt, stats, epochs, seed)):
            results[name] = score(pred)
    for name in PAIRED_ROWS:
        if name in wanted:
            results[name] = score(
                train_paired(name, x, y, xt, stats, epochs, seed, train_set))
    results.update(
        decoupled(first_stages, stats, x, y, xt, score, seed, train_set,
                  wanted))
    if wanted & set(WB_ROWS):
        results.update(
            weight_balancing(stats, x, y, xt, score, seed, epochs))
    return {k: v for k, v in results.items() if k in wanted}


def train_paired(name, x, y, xt, stats, epochs, seed, train_set):
    """BBN or CMO on pairs drawn by lt_mm.PairedSampler (first stream:
    shuffled once an epoch; second: lt_mm.ReversedSampler for BBN,
    lt_mm.ClassBalancedSampler for CMO), 32 pairs a step, the one-stage
    recipe otherwise; returns the test predictions."""
    from mmengine.logging import MessageHub
    from mmpretrain.structures import DataSample

    from lt_mm.cls.models.heads import BBNClsHead
    from lt_mm.core.bbn import cumulative_learning_alpha
    from lt_mm.datasets import PairedDataset, PairedSampler
    torch.manual_seed(seed)
    np.random.seed(seed)  # CMO's coin, lam and box centre
    gen = torch.Generator().manual_seed(seed)
    bbn = name == 'BBN'
    sampler = PairedSampler(
        PairedDataset(train_set),
        paired_sampler=dict(type='lt_mm.ReversedSampler' if bbn else
                            'lt_mm.ClassBalancedSampler'),
        seed=seed)
    backbone = Backbone()
    if bbn:  # the last Linear-BN-ReLU is the conventional branch
        layers = list(backbone)
        trunk, branches = nn.Sequential(*layers[:3]), nn.ModuleList([
            nn.Sequential(*layers[3:]),
            copy.deepcopy(nn.Sequential(*layers[3:]))
        ])
        branches[1][0].reset_parameters()
        head = BBNClsHead(num_classes=NUM_CLASSES, in_channels=128)
        modules = (trunk, branches, head)
    else:
        head = LinearClsHeadForStudy(num_classes=NUM_CLASSES, in_channels=64)
        loss_fn = MODELS.build(
            dict(type='CrossEntropyLoss') if name == 'CE + CMO' else dict(
                type='lt_mm.BalancedSoftmaxLoss', num_classes=NUM_CLASSES))
        if hasattr(loss_fn, 'set_class_statistics'):
            loss_fn.set_class_statistics(stats)
        cmo = MODELS.build(
            dict(type='lt_mm.CMODataPreprocessor', num_classes=NUM_CLASSES,
                 mean=[0.], std=[1.], begin=max(1, round(0.02 * epochs)),
                 end=epochs - max(1, round(0.015 * epochs))))
        modules = (backbone, head)
    nn.init.normal_(head.fc.weight, std=0.01)
    nn.init.zeros_(head.fc.bias)
    opt = torch.optim.SGD([p for m in modules for p in m.parameters()],
                          lr=0.1, momentum=0.9, weight_decay=5e-4,
                          nesterov=bbn)
    sched = torch.optim.lr_scheduler.MultiStepLR(
        opt, [int(0.8 * epochs), int(0.9 * epochs)], 0.1)
    hub = MessageHub.get_current_instance()
    for m in modules:
        m.train()
    for epoch in range(epochs):
        hub.update_info_dict(dict(epoch=epoch, max_epochs=epochs))
        sampler.set_epoch(epoch)
        items = torch.tensor(list(sampler))
        for step in items.split(64):
            first, second = step[0::2], step[1::2] - len(x)
            if bbn:
                feats = [(branch(trunk(shift(x[i], gen))), )
                         for i, branch in ((first, branches[0]),
                                           (second, branches[1]))]
                losses = head.loss_bilateral(
                    *feats, *[[DataSample().set_gt_label(int(v))
                               for v in y[i]] for i in (first, second)],
                    cumulative_learning_alpha(epoch, epochs))
                loss = losses['loss']
            else:
                order = torch.stack((first, second), 1).flatten()
                samples = []
                for k, v in enumerate(y[order]):
                    sample = DataSample().set_gt_label(int(v))
                    sample.set_metainfo(dict(paired_stream=k % 2))
                    samples.append(sample)
                images = torch.stack(
                    [shift(x[i], gen).view(-1, 1, 8, 8)
                     for i in (first, second)], 1).view(-1, 1, 8, 8)
                data = cmo(dict(inputs=images, data_samples=samples), True)
                out = data['data_samples']
                target = torch.stack([s.gt_score for s in out]) \
                    if 'gt_score' in out[0] else torch.cat(
                        [s.gt_label for s in out])
                logits = head((backbone(data['inputs'].flatten(1)), ))
                loss = loss_fn(logits, target, avg_factor=len(out))
            opt.zero_grad()
            loss.backward()
            opt.step()
        sched.step()
    for m in modules:
        m.eval()
    with torch.no_grad():
        if bbn:
            shared = trunk(xt)
            return head((torch.cat([b(shared) for b in branches], 1),
                         )).argmax(1)
        return head((backbone(xt), )).argmax(1)


class LinearClsHeadForStudy(TauNormClsHead):
    """A plain linear head: TauNormClsHead predicts with tau 0 and bias."""

    def __init__(self, **kwargs):
        super().__init__(tau=0.0, keep_bias=True, **kwargs)


def second_stage(first_stage, head, loss_fn, x, y, seed, train_set, params,
                 bn_train):
    """The authors' second stage: a copy of the frozen backbone, 10 epochs
    of cosine decay on round-robin class-aware batches; BatchNorm in train
    mode (``bn_train``) shifts its statistics to those batches."""
    frozen = copy.deepcopy(first_stage[0]).requires_grad_(False)
    sampler = ClassAwareSampler(train_set, num_samples_cls=4, seed=seed)
    train(frozen, head, loss_fn, x, y, 10,
          torch.Generator().manual_seed(seed), params=params,
          sampler=sampler, backbone_train=bn_train, cosine=True)
    return frozen


def decoupled(first_stages, stats, x, y, xt, score, seed, train_set, wanted):
    results = {}
    ce = MODELS.build(dict(type='CrossEntropyLoss'))
    for suffix, bn_train in (('', True), (' (eval BN)', False)):
        if 'CE' in first_stages and 'cRT' + suffix in wanted:
            torch.manual_seed(seed)
            crt = LinearClsHeadForStudy(num_classes=NUM_CLASSES,
                                        in_channels=64)
            crt.fc.reset_parameters()
            frozen = second_stage(first_stages['CE'], crt, ce, x, y, seed,
                                  train_set, list(crt.fc.parameters()),
                                  bn_train)
            results['cRT' + suffix] = score(predict(frozen, crt, xt))
        if 'CE' in first_stages and 'LWS' + suffix in wanted:
            lws = LWSClsHead(num_classes=NUM_CLASSES, in_channels=64)
            lws.load_state_dict(first_stages['CE'][1].state_dict(),
                                strict=False)
            frozen = second_stage(first_stages['CE'], lws, ce, x, y, seed,
                                  train_set, [lws.scales], bn_train)
            results['LWS' + suffix] = score(predict(frozen, lws, xt))
        if 'CE + mixup' in first_stages and 'MiSLAS' + suffix in wanted:
            # MiSLAS train_stage2.py L241-L244, L452-L462: the classifier
            # at lr_factor 0.2, the scales at lr x1; label-aware smoothing
            las = MODELS.build(dict(type='lt_mm.LabelAwareSmoothingLoss',
                                    num_classes=NUM_CLASSES))
            las.set_class_statistics(stats)
            mislas = LWSClsHead(num_classes=NUM_CLASSES, in_channels=64)
            mislas.load_state_dict(first_stages['CE + mixup'][1].state_dict(),
                                   strict=False)
            frozen = second_stage(
                first_stages['CE + mixup'], mislas, las, x, y, seed,
                train_set, [
                    dict(params=list(mislas.fc.parameters()), lr=0.02),
                    dict(params=[mislas.scales], lr=0.1)
                ], bn_train)
            results['MiSLAS' + suffix] = score(predict(frozen, mislas, xt))
    if 'CE' not in first_stages:
        return results
    backbone, head = first_stages['CE']
    state = head.state_dict()

    posthoc = LogitAdjustedClsHead(num_classes=NUM_CLASSES, in_channels=64)
    posthoc.load_state_dict(state, strict=False)
    posthoc.set_class_statistics(stats)
    results['Post-hoc LA'] = score(predict(backbone, posthoc, xt))

    tau = TauNormClsHead(num_classes=NUM_CLASSES, in_channels=64, tau=1.0)
    tau.load_state_dict(state)
    results['tau-norm'] = score(predict(backbone, tau, xt))

    # the authors' default: centred, L2-normalised features (two passes)
    ncm = NCMClsHead(num_classes=NUM_CLASSES, in_channels=64)
    backbone.eval()
    with torch.no_grad():
        ncm.accumulate_feature_mean((backbone(x), ))
        ncm.accumulate((backbone(x), ), y)
    results['NCM'] = score(predict(backbone, ncm, xt))

    # BAGS: a new (C + G)-way classifier, instance-balanced sampling, the
    # groups at the shot thresholds, frozen backbone in eval mode
    if 'BAGS' in wanted:
        frozen = copy.deepcopy(backbone).eval().requires_grad_(False)
        torch.manual_seed(seed)
        bags = GroupSoftmaxClsHead(
            num_classes=NUM_CLASSES, in_channels=64,
            loss=dict(type='lt_mm.ClsGroupSoftmaxLoss',
                      bins=(FEW, MANY + 1)))
        bags.loss_module.set_class_statistics(stats)
        train(frozen, bags, bags.loss_module, x, y, 10,
              torch.Generator().manual_seed(seed),
              params=list(bags.parameters()), backbone_train=False)
        results['BAGS'] = score(predict(frozen, bags, xt))
    return results


def weight_balancing(stats, x, y, xt, score, seed, epochs):
    """Weight balancing (Alshammari et al., CVPR 2022; LTR-weight-balancing
    demo1 / demo2): stage 1 is the CE recipe with the authors' tuned
    weight decay 5e-3; stage 2 trains only the classifier of a copy, 10
    epochs of cosine decay from lr 0.01, weight decay 0.1, their
    class-balanced softmax BCE, on instance-balanced batches with the
    frozen backbone in train mode, and projects the classifier rows onto
    the MaxNorm ball (radius min + 0.1 (max - min) of the stage-1 norms)
    after every epoch."""
    from lt_mm.core.max_norm import max_norm_project_, max_norm_radius
    torch.manual_seed(seed)
    gen = torch.Generator().manual_seed(seed)
    backbone = Backbone()
    head = LinearClsHeadForStudy(num_classes=NUM_CLASSES, in_channels=64)
    nn.init.normal_(head.fc.weight, std=0.01)
    nn.init.zeros_(head.fc.bias)
    ce = MODELS.build(dict(type='CrossEntropyLoss'))
    params = [
        p for m in (backbone, head) for p in m.parameters()
    ]
    train(backbone, head, ce, x, y, epochs, gen,
          params=[dict(params=params, weight_decay=5e-3)], augment=shift)
    results = {WB_ROWS[0]: score(predict(backbone, head, xt))}

    frozen = copy.deepcopy(backbone).requires_grad_(False).train()
    wb = copy.deepcopy(head).train()
    loss_fn = MODELS.build(dict(type='lt_mm.ClassBalancedSoftmaxBCELoss',
                                num_classes=NUM_CLASSES))
    loss_fn.set_class_statistics(stats)
    radius = max_norm_radius(wb.fc.weight)
    opt = torch.optim.SGD(wb.fc.parameters(), lr=0.01, momentum=0.9,
                          weight_decay=0.1)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, 10)
    for _ in range(10):
        for idx in batches(len(x), 32, gen):
            logits = wb((frozen(shift(x[idx], gen)), ))
            loss = loss_fn(logits, y[idx], avg_factor=len(idx))
            opt.zero_grad()
            loss.backward()
            opt.step()
        sched.step()
        max_norm_project_(wb.fc.weight.data, radius)
    results[WB_ROWS[1]] = score(predict(frozen, wb, xt))
    return results


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--seeds', type=int, default=5)
    parser.add_argument('--epochs', type=int, default=60)
    parser.add_argument(
        '--only', nargs='+', metavar='NAME',
        choices=list(ONE_STAGE) + list(DECOUPLED) + list(MULTI_EXPERT) +
        list(SADE_ROWS) + list(PAIRED_ROWS),
        help='rows to run (default: all)')
    args = parser.parse_args()
    torch.set_num_threads(1)
    runs = [
        run_seed(seed, args.epochs, args.only) for seed in range(args.seeds)
    ]
    names = [
        n for n in list(ONE_STAGE) + list(DECOUPLED) + list(MULTI_EXPERT) +
        list(SADE_ROWS) + list(PAIRED_ROWS) if n in runs[0]
    ]
    keys = ('top1', 'many', 'medium', 'few')
    print(f'long-tailed digits, {args.seeds} seeds, {args.epochs} epochs; '
          'accuracy % (mean ± std)')
    print(f'| {"method":<22} | ' + ' | '.join(f'{k:^13}' for k in keys) +
          ' | few - CE |')
    print('|' + '-' * 24 + '|' + '|'.join('-' * 15 for _ in keys) +
          '|----------|')
    ce_few = np.mean([r['CE']['few'] for r in runs]) if 'CE' in runs[0] \
        else float('nan')
    for name in names:
        cells = []
        for k in keys:
            v = np.array([r[name][k] for r in runs])
            cells.append(f'{v.mean():5.1f} ± {v.std():4.1f}')
        few = np.mean([r[name]['few'] for r in runs]) - ce_few
        print(f'| {name:<22} | ' + ' | '.join(cells) + f' | {few:+8.1f} |')


if __name__ == '__main__':
    main()
