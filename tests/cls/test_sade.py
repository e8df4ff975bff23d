"""SADE (Zhang et al., NeurIPS 2022): the three experts' losses, the
reversed-rank prior, the test-time aggregation objective and its stopping
rule, against hand computations of the authors' code
(Vanint/SADE-AgnosticLT)."""
import math

import pytest
import torch

from lt_mm.core import ClassStatistics
from lt_mm.core.losses.logit_adjustment import log_class_prior
from lt_mm.core.losses.sade import reversed_rank_prior, sade_loss
from lt_mm.core.test_time_aggregation import (aggregate_expert_logits,
                                              aggregation_stops,
                                              learn_aggregation_weights,
                                              prediction_stability_loss)


def statistics(counts):
    return ClassStatistics.from_labels(
        [[c] for c, n in enumerate(counts) for _ in range(n)], len(counts))


def test_reversed_rank_prior_swaps_head_and_tail_values():
    """model/loss.py L255-L261: sort the prior, rank each class, take the
    value at the mirrored rank; not 1 / prior. Equal priors rank by class
    index."""
    prior = torch.tensor([0.6, 0.1, 0.3], dtype=torch.float64)
    assert reversed_rank_prior(prior).tolist() == pytest.approx(
        [0.1, 0.6, 0.3])
    # ascending order 1 (0.1), 0 (0.2), 2 (0.2), 3 (0.5): class 0 has rank
    # 1 and takes the value at rank 2, class 2 rank 2 takes rank 1's
    tied = torch.tensor([0.2, 0.1, 0.2, 0.5], dtype=torch.float64)
    assert reversed_rank_prior(tied).tolist() == pytest.approx(
        [0.2, 0.5, 0.2, 0.1])


def test_three_expert_losses_by_hand():
    """DiverseExpertLoss (model/loss.py L263-L286), tau 2, counts 6 / 1 / 3
    (pi = .6 / .1 / .3, pi_inv = .1 / .6 / .3), label 1:
    expert 1 CE(z_1), expert 2 CE(z_2 + log pi), expert 3
    CE(z_3 + log pi - 2 log pi_inv), summed."""
    z1 = torch.tensor([[1.0, 0.0, 0.0]])
    z2 = torch.tensor([[0.0, 1.0, 0.0]])
    z3 = torch.tensor([[0.0, 0.0, 1.0]])
    e = math.e
    ce1 = math.log(e + 2)  # -log(1 / (e + 1 + 1))
    ce2 = -math.log(0.1 * e / (0.6 + 0.1 * e + 0.3))
    # z_3 + log pi - 2 log pi_inv: exp = .6 / .01, .1 / .36, e * .3 / .09
    adj = [0.6 / 0.01, 0.1 / 0.36, e * 0.3 / 0.09]
    ce3 = -math.log(adj[1] / sum(adj))
    expected = ce1 + ce2 + ce3

    log_prior = log_class_prior([6, 1, 3])
    loss = sade_loss([z1, z2, z3], torch.tensor([[0.0, 1.0, 0.0]]),
                     log_prior, tau=2.0)
    assert loss.tolist() == pytest.approx([expected], rel=1e-6)

    from lt_mm.cls.models.losses import SADELoss
    module = SADELoss(num_classes=3, tau=2.0)
    module.set_class_statistics(statistics([6, 1, 3]))
    two = module([z1.repeat(2, 1), z2.repeat(2, 1), z3.repeat(2, 1)],
                 torch.tensor([1, 1]))
    assert float(two) == pytest.approx(expected, rel=1e-6)


def test_sade_loss_gradcheck():
    torch.manual_seed(0)
    logits = [torch.randn(4, 5, dtype=torch.float64, requires_grad=True)
              for _ in range(3)]
    target = torch.softmax(torch.randn(4, 5, dtype=torch.float64), 1)
    log_prior = log_class_prior([50, 20, 9, 3, 1])
    assert torch.autograd.gradcheck(
        lambda a, b, c: sade_loss([a, b, c], target, log_prior, 2.0).sum(),
        logits)


def test_sade_loss_refuses_other_inputs():
    from lt_mm.cls.models.losses import SADELoss
    module = SADELoss(num_classes=3)
    z = torch.zeros(2, 3)
    with pytest.raises(RuntimeError, match='ClassStatisticsHook'):
        module([z, z, z], torch.tensor([0, 1]))
    module.set_class_statistics(statistics([6, 1, 3]))
    with pytest.raises(ValueError, match='three experts'):
        module([z, z], torch.tensor([0, 1]))
    with pytest.raises(ValueError, match=r'\(N, 3\)'):
        module([z, z, torch.zeros(2, 4)], torch.tensor([0, 1]))


def test_aggregation_objective_by_hand():
    """test_training_cifar.py L359-L376: z = sum_k softmax(w)_k z_k per view,
    loss = -mean cos(softmax(z'), softmax(z'')). w = (0, 0, log 2) gives
    the weights 1/4, 1/4, 1/2. Sample 1: view 1 aggregates to (0.5, 0.5),
    view 2 to (1, 0); sample 2: both views equal (cos 1)."""
    w = torch.tensor([0.0, 0.0, math.log(2.0)], dtype=torch.float64)
    v1 = torch.tensor([[[2.0, 0.0], [1.0, 3.0]],
                       [[0.0, 2.0], [1.0, 3.0]],
                       [[0.0, 0.0], [1.0, 3.0]]], dtype=torch.float64)
    v2 = torch.tensor([[[4.0, 0.0], [1.0, 3.0]],
                       [[0.0, 0.0], [1.0, 3.0]],
                       [[0.0, 0.0], [1.0, 3.0]]], dtype=torch.float64)
    assert aggregate_expert_logits(v1, w)[0].tolist() == pytest.approx(
        [0.5, 0.5])
    e = math.e
    cos1 = (e + 1) / (math.sqrt(2) * math.sqrt(e**2 + 1))
    loss = prediction_stability_loss(list(v1), list(v2), w)
    assert float(loss) == pytest.approx(-(cos1 + 1) / 2, rel=1e-12)


def test_aggregation_objective_gradcheck():
    torch.manual_seed(0)
    v1, v2 = torch.randn(2, 3, 4, 6, dtype=torch.float64)
    w = torch.randn(3, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(
        lambda w: prediction_stability_loss(v1, v2, w), (w, ))


def test_stopping_rule_rounds_to_two_decimals():
    """test_training_cifar.py L317-L320, L384-L386: np.round(softmax(w), 2)
    < 0.05 for one expert stops learning."""
    def raw(mix):
        return torch.tensor(mix, dtype=torch.float64).log()

    assert not aggregation_stops(raw([1 / 3, 1 / 3, 1 / 3]))
    assert not aggregation_stops(raw([0.046, 0.477, 0.477]))  # 0.05
    assert aggregation_stops(raw([0.044, 0.478, 0.478]))  # 0.04


def test_learning_stops_after_the_pass_a_weight_fell_below_005():
    """Identical views give no gradient: the weights stay 1/3 for all 5
    passes. Views on which only expert 1 is stable drive its weight up and
    the others' below 0.05 within a pass: learning stops after that pass,
    with the rounded weights of each pass recorded."""
    def learn(view1, view2, lr):
        w = torch.full((3, ), 1 / 3, requires_grad=True)
        opt = torch.optim.SGD([w], lr=lr, momentum=0.9, weight_decay=5e-4,
                              nesterov=True)
        history = learn_aggregation_weights(
            lambda: [(view1, view2)] * 4, w, opt, max_epochs=5)
        return history, w

    torch.manual_seed(0)
    same = torch.randn(3, 8, 5)
    history, w = learn(same, same, 0.1)
    assert len(history) == 5
    assert history[-1] == pytest.approx([0.33, 0.33, 0.33], abs=1e-9)

    stable = torch.randn(8, 5) * 3
    noisy1, noisy2 = torch.randn(2, 2, 8, 5) * 3
    view1 = torch.stack([stable, *noisy1])
    view2 = torch.stack([stable, *noisy2])
    history, w = learn(view1, view2, 100.0)
    assert len(history) < 5
    assert min(history[-1]) < 0.05
    assert all(min(mix) >= 0.05 for mix in history[:-1])
    assert history[-1][0] > 0.9


def test_head_predicts_with_the_weighted_experts():
    """Equal raw weights (1/3 each, the authors' start) give the experts'
    mean, the authors' prediction without aggregation
    (model/ldam_drw_resnets/expert_resnet_cifar.py L196); set weights give
    sum_k softmax(w)_k z_k (test_training_cifar.py L401-L402)."""
    from lt_mm.cls.models.heads import SADEClsHead
    head = SADEClsHead(num_classes=4, in_channels=6)
    assert head.aggregation_weights.tolist() == pytest.approx([1 / 3] * 3)
    assert 'aggregation_weights' in head.state_dict()
    torch.manual_seed(0)
    feats = tuple(torch.randn(5, 6) for _ in range(3))
    experts = head.forward_experts(feats)
    torch.testing.assert_close(head(feats), sum(experts) / 3)
    head.aggregation_weights.copy_(torch.tensor([0.0, 0.0, math.log(2.0)]))
    torch.testing.assert_close(
        head(feats), (experts[0] + experts[1]) / 4 + experts[2] / 2)
    head.reset_aggregation_weights()
    torch.testing.assert_close(head(feats), sum(experts) / 3)


# config -> (tau, lr, weight decay, batch, epochs, test-time lr and weight
# decay), from the authors' configs/config_*_sade.json and
# configs/test_time_*_sade.json
RECIPES = {
    'configs/cifar100_lt/resnet32_sade': (2.0, 0.1, 5e-4, 128, 200, 0.1,
                                          5e-4),
    'configs/imagenet_lt/resnext50_sade': (2.0, 0.025, 5e-4, 64, 180, 0.025,
                                           5e-4),
    'configs/places_lt/resnet152_sade': (1.0, 0.01, 4e-4, 128, 30, 0.01,
                                         4e-4),
    'configs/inat2018/resnet50_sade': (1.0, 0.2, 2e-4, 512, 100, 0.2, 2e-4),
}


@pytest.mark.parametrize('name', sorted(RECIPES))
def test_configs_follow_the_authors_recipes(name):
    """Vanint/SADE-AgnosticLT configs/config_{cifar100_ir100,
    imagenet_lt_resnext50, places_lt_resnet152, iNaturalist_resnet50}_sade
    .json and their test_time_*.json: tau, Nesterov SGD, batch, epochs; the
    test-time stage is the training config plus the aggregation hook."""
    import os.path as osp

    from mmengine.config import Config
    root = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
    tau, lr, wd, batch, epochs, tt_lr, tt_wd = RECIPES[name]
    train = Config.fromfile(osp.join(root, name + '.py'))
    test = Config.fromfile(osp.join(root, name + '_test_time.py'))
    head = train.model.head
    assert head.type == 'lt_mm.SADEClsHead' and head.num_experts == 3
    assert head.scale == 30.0 and head.loss.type == 'lt_mm.SADELoss'
    assert head.loss.tau == tau
    opt = train.optim_wrapper.optimizer
    assert (opt.lr, opt.weight_decay, opt.momentum, opt.nesterov) == (
        lr, wd, 0.9, True)
    assert train.train_dataloader.batch_size == batch
    assert train.train_cfg.max_epochs == epochs
    assert test.model == train.model and test.get('custom_hooks') != \
        train.get('custom_hooks')
    hook, = test.custom_hooks
    assert hook.type == 'lt_mm.TestTimeAggregationHook'
    assert (hook.lr, hook.weight_decay, hook.momentum, hook.nesterov,
            hook.batch_size, hook.max_epochs) == (tt_lr, tt_wd, 0.9, True,
                                                  128, 5)
    multi_view = [t for t in hook.pipeline if t.type == 'MultiView']
    assert len(multi_view) == 1 and multi_view[0].num_views == 2
