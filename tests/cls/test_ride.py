"""RIDE loss (Wang et al., ICLR 2021) against hand computations of the
authors' RIDELoss (frank-xwang/RIDE-LongTailRecognition, model/loss.py
L124-L247)."""
import functools
import math
from types import SimpleNamespace

import pytest
import torch
import torch.nn as nn

from lt_mm.core import ClassStatistics
from lt_mm.core.losses.ride import ride_diversity, ride_diversity_temperatures
from lt_mm.registry import HOOKS, MODELS


def softmax(z, t=None):
    t = t or [1.0] * len(z)
    e = [math.exp(a / b) for a, b in zip(z, t)]
    return [x / sum(e) for x in e]


def kl(q, p):
    return sum(a * math.log(a / b) for a, b in zip(q, p))


def stats(counts):
    labels = [[c] for c, n in enumerate(counts) for _ in range(n)]
    return ClassStatistics.from_labels(labels, len(counts))


def test_diversity_temperatures_by_hand():
    """model/loss.py L162-L168: v_j = C pi_j r + 1 - r, T_j = T_0 v_j / max v.
    Counts (3, 1), r = 0.05: v = (1.025, 0.975), T = (1, 0.975 / 1.025)."""
    t = ride_diversity_temperatures([3, 1], 1.0, 0.05)
    torch.testing.assert_close(
        t, torch.tensor([1.0, 0.975 / 1.025], dtype=torch.float64))
    torch.testing.assert_close(
        ride_diversity_temperatures([3, 1], 2.0, 0.05), 2 * t)
    with pytest.raises(ValueError, match='too large'):
        ride_diversity_temperatures([0, 10], 1.0, 1.5)


def test_diversity_kl_by_hand():
    """model/loss.py L240-L245: T_bar^2 * KL(softmax(z / T) || softmax(z_k /
    T)), batchmean, z the experts' mean logits. Two experts z_1 = (2, 0),
    z_2 = (0, 0), z = (1, 0): q = (0.7311, 0.2689), p_1 = (0.8808, 0.1192),
    KL(q || p_1) = 0.08261, KL(q || p_2) = 0.11094."""
    z1, z2 = torch.tensor([[2.0, 0.0]]), torch.tensor([[0.0, 0.0]])
    mean = (z1 + z2) / 2
    torch.testing.assert_close(ride_diversity(z1, mean, 1.0),
                               torch.tensor([0.0826077]))
    torch.testing.assert_close(ride_diversity(z2, mean, 1.0),
                               torch.tensor([0.1109441]))
    # per-class temperatures T = (1, 0.9512): the T_bar^2 = 0.9518 factor
    t = ride_diversity_temperatures([3, 1])
    expected = [
        ((1 + 0.975 / 1.025) / 2)**2 *
        kl(softmax([1, 0], t.tolist()), softmax(z, t.tolist()))
        for z in ([2, 0], [0, 0])
    ]
    torch.testing.assert_close(ride_diversity(z1, mean, t),
                               torch.tensor([expected[0]]))
    torch.testing.assert_close(ride_diversity(z2, mean, t),
                               torch.tensor([expected[1]]))
    assert expected == pytest.approx([0.0786272, 0.1055982], abs=1e-6)


def hand_ride_loss(experts, labels, counts, factor, reweighted):
    """The authors' RIDELoss.forward in scalars: for each expert LDAM
    (margins 0.5 (n_min / n_j)^(1/4), s = 30) averaged by the class weights,
    plus factor * T_bar^2 * KL batchmean."""
    m = [0.5 * (min(counts) / n)**0.25 for n in counts]
    if reweighted:
        w = [(1 - 0.9999) / (1 - 0.9999**n) for n in counts]
        v = [len(counts) * n / sum(counts) * 0.05 + 0.95 for n in counts]
        t = [x / max(v) for x in v]
    else:
        w, t = [1.0] * len(counts), [1.0] * len(counts)
    t_bar = sum(t) / len(t)
    n = len(labels)
    mean = [[sum(e[i][j] for e in experts) / len(experts)
             for j in range(len(counts))] for i in range(n)]
    base = div = 0.0
    for e in experts:
        num = den = 0.0
        for i, y in enumerate(labels):
            z = list(e[i])
            z[y] -= 30 * m[y]
            num += w[y] * -math.log(softmax(z)[y])
            den += w[y]
        base += num / den
        div += t_bar**2 * sum(
            kl(softmax(mean[i], t), softmax(e[i], t)) for i in range(n)) / n
    return base, factor * div


@pytest.mark.parametrize('reweighted', [False, True])
def test_ride_loss_by_hand(reweighted):
    """model/loss.py L216-L247 with reweight_epoch passed (weights and
    temperatures on) and not."""
    counts = [3, 1]
    experts = [[[2.0, 0.0], [0.0, 1.0]], [[0.0, 0.0], [0.5, -1.0]],
               [[-1.0, 1.5], [0.2, 0.3]]]
    labels = [0, 1]
    loss = MODELS.build(dict(type='lt_mm.RIDELoss', num_classes=2))
    loss.set_class_statistics(stats(counts))
    loss.set_deferred_reweighting(0.9999 if reweighted else None)
    out = loss([torch.tensor(e) for e in experts], torch.tensor(labels))
    base, div = hand_ride_loss(experts, labels, counts, -0.45, reweighted)
    assert out['loss_ride_base'].item() == pytest.approx(base, rel=1e-5)
    assert out['loss_ride_diversity'].item() == pytest.approx(div, rel=1e-5)
    assert div < 0


def test_ride_loss_gradcheck():
    """The ensemble target is detached (model/loss.py L241-L243); its
    gradient through the sum over experts vanishes anyway, since
    sum_k (log q - log p_k) is constant over the classes when q is the
    softmax of the mean logits, so the full function's numeric gradient
    agrees."""
    counts = [5, 2, 1]
    loss = MODELS.build(
        dict(type='lt_mm.RIDELoss', num_classes=3, scale=3.0))
    loss.set_class_statistics(stats(counts))
    gen = torch.Generator().manual_seed(0)
    logits = [
        torch.randn(3, 3, generator=gen, dtype=torch.float64,
                    requires_grad=True) for _ in range(2)
    ]
    labels = torch.tensor([0, 1, 2])
    for beta in (None, 0.9999):
        loss.set_deferred_reweighting(beta)
        assert torch.autograd.gradcheck(
            lambda *z: sum(loss(list(z), labels).values()), logits)
    t = ride_diversity_temperatures(counts)
    mean = torch.stack(logits).mean(0).detach()
    assert torch.autograd.gradcheck(
        lambda z: ride_diversity(z, mean, t), logits[:1])


def test_reweighting_and_temperatures_switch_at_the_drw_epoch():
    """RIDE's CIFAR config: reweight_epoch 160 with the trainer's 1-indexed
    epochs and ``epoch > reweight_epoch`` (model/loss.py L190-L199,
    base/base_trainer.py L75): 0-indexed epoch 160 is the first re-weighted
    one, DRWHook(start_epoch=160)."""
    loss = MODELS.build(dict(type='lt_mm.RIDELoss', num_classes=2))
    loss.set_class_statistics(stats([3, 1]))
    model = nn.Module()
    model.loss = loss
    hook = HOOKS.build(dict(type='lt_mm.DRWHook', start_epoch=160))
    experts = [[[2.0, 0.0], [0.0, 1.0]], [[0.0, 0.0], [0.5, -1.0]]]
    logits = [torch.tensor(e) for e in experts]
    labels = torch.tensor([0, 1])
    runner = SimpleNamespace(
        model=model, epoch=159, logger=SimpleNamespace(info=print))
    hook.before_train_epoch(runner)
    assert loss.temperatures() == 1.0 and loss.class_weights() is None
    before = loss(logits, labels)
    runner.epoch = 160
    hook.before_train_epoch(runner)
    torch.testing.assert_close(
        loss.temperatures(),
        torch.tensor([1.0, 0.975 / 1.025], dtype=torch.float64))
    after = loss(logits, labels)
    for reweighted, out in ((False, before), (True, after)):
        base, div = hand_ride_loss(experts, [0, 1], [3, 1], -0.45,
                                   reweighted)
        assert out['loss_ride_base'].item() == pytest.approx(base, rel=1e-5)
        assert out['loss_ride_diversity'].item() == pytest.approx(
            div, rel=1e-5)


def test_ride_loss_refuses_a_single_tensor_and_needs_statistics():
    loss = MODELS.build(dict(type='lt_mm.RIDELoss', num_classes=2))
    with pytest.raises(RuntimeError, match='ClassStatisticsHook'):
        loss([torch.zeros(1, 2)], torch.tensor([0]))
    loss.set_class_statistics(stats([3, 1]))
    with pytest.raises(ValueError, match='list of per-expert logits'):
        loss(torch.zeros(1, 2), torch.tensor([0]))


ROOT = __file__.rsplit('/tests/', 1)[0]


@functools.lru_cache()
def config(path):
    from mmengine.config import Config
    return Config.fromfile(f'{ROOT}/{path}')


@pytest.mark.parametrize('path,recipe', [
    # configs/config_imbalance_cifar100_ride.json
    ('configs/cifar100_lt/resnet32_ride.py',
     dict(wd=5e-4, epochs=200, batch=128, steps=[160, 180], gamma=0.01,
          reweight=160, factor=-0.45, r=0.05, widths=(24, 48))),
    # configs/config_imagenet_lt_resnext50_ride.json (factor: class default)
    ('configs/imagenet_lt/resnext50_ride.py',
     dict(wd=2e-4, epochs=100, batch=256, steps=[60, 80], gamma=0.1,
          reweight=80, factor=-0.2, r=0.02, widths=(192, 384))),
])
def test_ride_configs_follow_the_authors_json(path, recipe):
    cfg = config(path)
    assert cfg.optim_wrapper.optimizer == dict(
        type='SGD', lr=0.1, momentum=0.9, weight_decay=recipe['wd'],
        nesterov=True)
    assert cfg.train_cfg.max_epochs == recipe['epochs']
    assert cfg.train_dataloader.batch_size == recipe['batch']
    warmup, steps = cfg.param_scheduler
    assert (warmup.type, warmup.start_factor, warmup.end) == ('LinearLR',
                                                              0.2, 5)
    assert (steps.milestones, steps.gamma) == (recipe['steps'],
                                               recipe['gamma'])
    assert cfg.custom_hooks == [
        dict(type='lt_mm.DRWHook', start_epoch=recipe['reweight'],
             beta=0.9999)
    ]
    assert cfg.model.backbone.num_experts == 3
    assert tuple(cfg.model.backbone.expert_channels) == recipe['widths']
    head = cfg.model.head
    assert (head.num_experts, head.cosine, head.scale) == (3, True, 30.0)
    assert (head.loss.diversity_factor, head.loss.reweight_factor,
            head.loss.max_m) == (recipe['factor'], recipe['r'], 0.5)


def test_router_targets_by_hand():
    """ea_resnet_cifar.py L219-L228: correctness of the running sum of
    experts 0..i, target i = (not correct_i) and any(correct_{i+1:})."""
    from lt_mm.core.expert_routing import router_targets
    # label 0 for all four samples; expert logits over two classes
    e0 = torch.tensor([[1.0, 0.0], [0.0, 1.0], [0.0, 1.0], [0.0, 1.0]])
    e1 = torch.tensor([[0.0, 0.0], [3.0, 0.0], [0.0, 0.0], [0.5, 0.0]])
    e2 = torch.tensor([[0.0, 0.0], [0.0, 0.0], [5.0, 0.0], [0.0, 3.0]])
    # running sums' argmax == 0: sample 0 (T, T, T); 1 (F, T, T);
    # 2 (F, F, T); 3 (F, F, F)
    targets = router_targets([e0, e1, e2], torch.zeros(4, dtype=torch.long))
    assert targets.tolist() == [[0, 0], [1, 0], [1, 1], [0, 0]]


def test_routed_inference_by_hand():
    """ea_resnet_cifar.py L235-L250: expert k + 1 runs on the rows that
    reached k and whose router says yes; the output is the mean over the
    experts each row went through."""
    from lt_mm.core.expert_routing import routed_cost, routed_mean_logits
    experts = torch.tensor([[[1.0], [2.0], [3.0]], [[10.0], [20.0], [30.0]],
                            [[100.0], [200.0], [300.0]]])  # (K, N, 1)
    seen = []

    def run_expert(k, rows):
        seen.append((k, rows.tolist()))
        return rows.float(), experts[k, rows]

    def wants_next(i, feats, mean):
        # router 0 sends rows 1, 2 on; router 1 sends row 2 on
        return feats >= (1 if i == 0 else 2)

    logits, counts = routed_mean_logits(3, 3, run_expert, wants_next)
    assert seen == [(0, [0, 1, 2]), (1, [1, 2]), (2, [2])]
    assert counts.tolist() == [1, 2, 3]
    assert logits.flatten().tolist() == [1.0, 11.0, 111.0]
    # cost: shared 5, experts 7 / 11 / 13, routers 2 / 3
    assert routed_cost(counts, 5, [7, 11, 13], [2, 3]).tolist() == [
        5 + 7 + 2, 5 + 7 + 11 + 2 + 3, 5 + 7 + 11 + 13 + 2 + 3
    ]


def digits_router_config():
    return config('configs/digits_lt/ride_router.py')


def routed_digits_model(bias):
    from mmengine.registry import DefaultScope
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        model = MODELS.build(digits_router_config().model).eval()
    with torch.no_grad():
        model.head.routers['out'].weight.zero_()
        model.head.routers['out'].bias.fill_(bias)
    return model


@pytest.mark.parametrize('bias,experts', [(10.0, 3), (-10.0, 1)])
def test_routed_classifier_counts_experts_and_flops_by_hand(bias, experts):
    """The digits RIDE model (depth 8, 8x8 inputs, 3 experts at 24 / 48),
    multiply-accumulates by hand: shared stem 1*16*9*64 + stage 1
    2 * 16*16*9*64 = 304,128; an expert 16*24*9*16 + 24*24*9*16 +
    24*48*9*4 + 48*48*9*4 = 262,656 plus its classifier 48*10; a router
    48*16 + (16 + 5) = 789."""
    from mmpretrain.structures import DataSample
    model = routed_digits_model(bias)
    x = torch.randn(4, 1, 8, 8, generator=torch.Generator().manual_seed(0))
    assert model.costs(x) == (304_128, [262_656 + 480] * 3, [789] * 2)
    with torch.no_grad():
        out = model.predict(x, [DataSample() for _ in range(4)])
        feats = model.extract_feat(x)
        expert_logits = model.head.forward_experts(feats)
    assert [s.num_experts for s in out] == [experts] * 4
    expected = 304_128 + experts * 263_136 + min(experts, 2) * 789
    assert [s.gflops for s in out] == pytest.approx([expected / 1e9] * 4)
    mean = sum(expert_logits[:experts]) / experts
    torch.testing.assert_close(
        torch.stack([s.pred_score for s in out]), mean.softmax(1))


def test_router_loss_by_hand():
    """ea_resnet_cifar.py L227-L234: BCE with logits, positives weighted by
    pos_weight, averaged over the K - 1 routers; the experts get no
    gradient."""
    import torch.nn.functional as F
    from mmpretrain.structures import DataSample

    from lt_mm.core.expert_routing import router_targets
    model = routed_digits_model(0.0).train()
    head = model.head
    gen = torch.Generator().manual_seed(1)
    feats = tuple(torch.randn(6, 48, generator=gen) for _ in range(3))
    labels = torch.tensor([0, 1, 2, 3, 4, 5])
    samples = [DataSample().set_gt_label(int(v)) for v in labels]
    loss = head.loss(feats, samples)['loss_router']
    with torch.no_grad():
        z = head.forward_experts(feats)
        t = router_targets(z, labels)
        total = 0.0
        for i in range(2):
            r = head.router_logits(i, feats[i], sum(z[:i + 1]) / (i + 1))
            p = torch.sigmoid(r)
            total += -(100 * t[:, i] * p.log() +
                       (1 - t[:, i]) * (1 - p).log()).mean()
    torch.testing.assert_close(loss, total / 2)
    loss.backward()
    assert all(fc.weight.grad is None for fc in head.fcs)
    assert head.routers['out'].weight.grad is not None


def test_distillation_term_by_hand():
    """model/loss.py L266-L284 (RIDELossWithDistill): T_d^2 KL(softmax(t /
    T_d) || softmax(z / T_d)), batchmean, t the teacher's and z the
    student's mean logits, T_d = 1.5, next to the RIDE loss."""
    counts = [3, 1]
    experts = [[[2.0, 0.0], [0.0, 1.0]], [[0.0, 0.0], [0.5, -1.0]]]
    teacher = [[1.0, -1.0], [0.3, 0.9]]
    loss = MODELS.build(
        dict(type='lt_mm.RIDELoss', num_classes=2, distill_factor=1.0,
             distill_temperature=1.5))
    loss.set_class_statistics(stats(counts))
    out = loss([torch.tensor(e) for e in experts], torch.tensor([0, 1]),
               teacher_logits=torch.tensor(teacher))
    expected = 0.0
    for i in range(2):
        z = [(experts[0][i][j] + experts[1][i][j]) / 2 for j in range(2)]
        t = [1.5, 1.5]
        expected += 1.5**2 * kl(softmax(teacher[i], t), softmax(z, t)) / 2
    assert out['loss_ride_distill'].item() == pytest.approx(expected,
                                                            rel=1e-5)
    base, div = hand_ride_loss(experts, [0, 1], counts, -0.45, False)
    assert out['loss_ride_base'].item() == pytest.approx(base, rel=1e-5)
    with pytest.raises(ValueError, match='DistillationClassifier'):
        loss([torch.tensor(e) for e in experts], torch.tensor([0, 1]))


def test_distillation_classifier_feeds_the_frozen_teacher(tmp_path):
    """trainer/trainer.py L96-L138: the teacher's output on the same batch
    is the target of the student's mean logits; the student's checkpoint
    holds no teacher weights."""
    from mmengine.registry import DefaultScope
    from mmpretrain.structures import DataSample
    cfg = config('configs/digits_lt/ride.py')
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        teacher = MODELS.build(cfg.model)
        torch.save(dict(state_dict=teacher.state_dict()), tmp_path / 't.pth')
        student_cfg = cfg.model.copy()
        student_cfg.update(
            type='lt_mm.DistillationClassifier',
            teacher_config=f'{ROOT}/configs/digits_lt/ride.py',
            teacher_checkpoint=str(tmp_path / 't.pth'))
        student_cfg.head.loss.update(distill_factor=1.0)
        student = MODELS.build(student_cfg)
    counts = [5, 4, 3, 3, 2, 2, 2, 1, 1, 1]
    student.head.loss_module.set_class_statistics(stats(counts))
    x = torch.randn(4, 1, 8, 8, generator=torch.Generator().manual_seed(0))
    samples = [DataSample().set_gt_label(i) for i in range(4)]
    losses = student.loss(x, samples)
    teacher.eval()
    with torch.no_grad():
        t = teacher(x, mode='tensor')
    z = student.head(student.extract_feat(x))
    expected = 1.5**2 * torch.nn.functional.kl_div(
        (z / 1.5).log_softmax(1), (t / 1.5).softmax(1),
        reduction='batchmean')
    torch.testing.assert_close(losses['loss_ride_distill'], expected)
    assert not any('teacher' in k for k in student.state_dict())
    assert all(p.requires_grad for p in student.parameters())


def ride_custom_lr(epoch, step1, step2, gamma, warmup, base=0.1):
    """RIDE's CustomLR (train.py L50-L61), 0-indexed epochs."""
    lr = gamma * gamma if epoch >= step2 else gamma if epoch >= step1 else 1
    if epoch < warmup:
        lr = lr * (1 + epoch) / warmup
    return base * lr


@pytest.mark.parametrize('path,args', [
    ('configs/cifar100_lt/resnet32_ride.py', (160, 180, 0.01, 5)),
    # configs/config_imbalance_cifar100_distill_ride.json: warm-up 20
    ('configs/cifar100_lt/resnet32_ride_distill.py', (160, 180, 0.01, 20)),
    ('configs/imagenet_lt/resnext50_ride.py', (60, 80, 0.1, 5)),
])
def test_ride_schedules_reproduce_the_authors_custom_lr(path, args):
    from mmengine.optim import build_optim_wrapper
    from mmengine.registry import PARAM_SCHEDULERS
    cfg = config(path)
    wrapper = build_optim_wrapper(nn.Linear(1, 1), cfg.optim_wrapper)
    schedulers = [
        PARAM_SCHEDULERS.build(s, default_args=dict(
            optimizer=wrapper.optimizer)) for s in cfg.param_scheduler
    ]
    for epoch in range(cfg.train_cfg.max_epochs):
        lr = wrapper.optimizer.param_groups[0]['lr']
        assert lr == pytest.approx(ride_custom_lr(epoch, *args),
                                   rel=1e-6), epoch
        wrapper.optimizer.step()
        for scheduler in schedulers:
            scheduler.step()
    if 'distill' in path:
        assert cfg.model.type == 'lt_mm.DistillationClassifier'
        assert (cfg.model.head.loss.distill_factor,
                cfg.model.head.loss.distill_temperature,
                cfg.model.head.loss.loss_weight) == (1.0, 1.5, 3.0)
        teacher = config(cfg.model.teacher_config)
        assert teacher.model.backbone.num_experts == 6
        assert teacher.model.head.num_experts == 6
