"""Balanced Group Softmax (BAGS) for classification: lt_mm.ClsGroupSoftmaxLoss
and lt_mm.GroupSoftmaxClsHead."""
import math
import sys

import pytest
import torch
import torch.nn.functional as F

pytest.importorskip('mmpretrain')

from mmpretrain.structures import DataSample  # noqa: E402

from lt_mm.cls import ClsGroupSoftmaxLoss, GroupSoftmaxClsHead  # noqa: E402
from lt_mm.core import ClassStatistics  # noqa: E402
from lt_mm.core.losses.group_softmax import group_softmax_losses  # noqa: E402
from lt_mm.registry import MODELS  # noqa: E402

# with the default bins (20, 101): groups [2, 2, 1, 0] (many, many, medium,
# few), G = 3, so the classifier has 4 + 3 logits
COUNTS = [200, 150, 30, 5]


def statistics(counts):
    labels = [[c] for c, n in enumerate(counts) for _ in range(n)]
    return ClassStatistics.from_labels(labels, len(counts))


def loss_with_groups(counts=COUNTS, **kwargs):
    loss = ClsGroupSoftmaxLoss(num_classes=len(counts), **kwargs)
    loss.set_class_statistics(statistics(counts))
    return loss


def head_with_groups(**kwargs):
    head = MODELS.build(
        dict(type='lt_mm.GroupSoftmaxClsHead', num_classes=4, in_channels=3,
             **kwargs))
    head.loss_module.set_class_statistics(statistics(COUNTS))
    return head


def nll(logits, columns, target):
    """-log softmax over the listed columns, at column ``target``."""
    return float(torch.logsumexp(logits[columns], 0) - logits[target])


def test_groups_follow_the_shot_split():
    loss = loss_with_groups()
    assert loss.group.tolist() == [2, 2, 1, 0]
    assert loss.num_groups == 3
    # integer counts: 19 | 20 and 100 | 101 are the group edges
    loss = loss_with_groups([19, 20, 100, 101])
    assert loss.group.tolist() == [0, 1, 1, 2]


def test_loss_and_scores_by_hand():
    loss = loss_with_groups()
    # all logits 0: sample 0 (class 0) is a positive of group 2 {0, 1,
    # others}: log 3, and "others" of group 0 {3, others}: log 2; sample 1
    # (class 3) the other way round; group 1 has no positive.
    # L = (log 3 + log 3) / 2 + (log 2 + log 2) / 2 = log 6
    z = torch.zeros(2, 7)
    torch.testing.assert_close(loss(z, torch.tensor([0, 3])),
                               torch.tensor(math.log(6)))
    # scores: 1/3, 1/3 in group 2, 1/2 in groups 1 and 0; renormalised
    loss.renormalize = False
    torch.testing.assert_close(loss.class_probabilities(z[:1]),
                               torch.tensor([[1 / 3, 1 / 3, 1 / 2, 1 / 2]]))
    loss.renormalize = True
    torch.testing.assert_close(loss.class_probabilities(z[:1]),
                               torch.tensor([[0.2, 0.2, 0.3, 0.3]]))

    # general logits; columns 4, 5, 6 are the "others" of groups 0, 1, 2
    z = torch.tensor([[2.0, -1.0, 0.5, 1.5, 0.3, -0.2, 0.7],
                      [0.1, 0.4, -1.2, 2.2, -0.5, 1.0, 0.0],
                      [1.0, 0.0, 3.0, -2.0, 0.2, 0.1, -0.3]])
    labels = torch.tensor([0, 3, 2])
    g2, g1, g0 = [0, 1, 6], [2, 5], [3, 4]
    expect = ((nll(z[0], g2, 0) + nll(z[1], g2, 6) + nll(z[2], g2, 6)) / 3 +
              (nll(z[2], g1, 2) + nll(z[0], g1, 5) + nll(z[1], g1, 5)) / 3 +
              (nll(z[1], g0, 3) + nll(z[0], g0, 4) + nll(z[2], g0, 4)) / 3)
    torch.testing.assert_close(loss(z, labels), torch.tensor(expect))
    # test-time score of class 2 (group 1): softmax over [z_2, o_1]
    loss.renormalize = False
    scores = loss.class_probabilities(z)
    torch.testing.assert_close(scores[:, 2], torch.sigmoid(z[:, 2] - z[:, 5]))
    torch.testing.assert_close(
        scores[:, :2], z[:, [0, 1, 6]].softmax(1)[:, :2])


def test_gradcheck_float64():
    loss = loss_with_groups().double()
    z = torch.randn(6, 7, dtype=torch.float64, requires_grad=True)
    labels = torch.tensor([0, 1, 2, 3, 0, 0])
    soft = F.one_hot(torch.tensor([0, 1, 3, 3, 2, 0]), 4).double() * 0.3 + \
        F.one_hot(labels, 4).double() * 0.7

    def seeded(target):
        def fn(x):
            torch.manual_seed(0)  # the same "others" subsample each call
            return loss(x, target)
        return fn

    assert torch.autograd.gradcheck(seeded(labels), (z, ))
    assert torch.autograd.gradcheck(seeded(soft), (z, ))


def test_equals_the_detection_adapter_without_background():
    pytest.importorskip('mmdet')
    from lt_mm.det import GroupSoftmaxLoss

    counts = [3, 50, 500, 5000, 7, 700]  # one or two classes per group
    ours = loss_with_groups(counts, bins=(10, 100, 1000))
    det = GroupSoftmaxLoss(num_classes=6, bins=(10, 100, 1000))
    det.set_class_statistics(statistics(counts))
    gen = torch.Generator().manual_seed(0)
    z = torch.randn(40, 6 + 4, generator=gen)
    labels = torch.multinomial(torch.tensor([8., 1, 1, 1, 1, 1]), 40, True,
                               generator=gen)
    torch.manual_seed(1)  # "others" subsampling draws the same keys
    loss = ours(z, labels)
    torch.manual_seed(1)
    det_z = torch.cat([z[:, :6], torch.zeros(40, 2), z[:, 6:]], 1)
    det_losses = det(det_z, labels)
    expect = sum(det_losses[f'loss_cls_group{g}'] for g in range(1, 5))
    torch.testing.assert_close(loss, expect)
    # test time: the detector's class scores are ours times p(fg) = 1/2
    det.renormalize, ours.renormalize = False, False
    torch.testing.assert_close(
        det.get_activation(det_z)[:, :6], ours.class_probabilities(z) / 2)


def test_others_are_subsampled_eight_to_one():
    loss = loss_with_groups()
    # 2 samples of the few-shot class 3 (group 0) among 30 of class 0
    labels = torch.tensor([3, 3] + [0] * 30)
    z = torch.zeros(32, 7, requires_grad=True)
    torch.manual_seed(0)
    loss(z, labels).backward()
    # a sample takes part in group 0 iff its "others" logit o_0 (column 4)
    # gets a gradient: the 2 positives and 2 * 8 of the 30 "others"
    in_group0 = z.grad[:, 4] != 0
    assert in_group0[:2].all() and int(in_group0.sum()) == 2 + 16
    # group 2 has 30 positives: all 2 "others" are kept
    assert (z.grad[:, 6] != 0).all()
    # group 1 has no positives: nothing
    assert (z.grad[:, [2, 5]] == 0).all()
    # a ratio of 1: 2 "others"
    loss.others_ratio = 1.0
    z.grad = None
    loss(z, labels).backward()
    assert int((z.grad[:, 4] != 0).sum()) == 2 + 2


def test_soft_targets_give_the_expected_hard_loss():
    loss = loss_with_groups(others_ratio=100.0)  # keep every "others"
    gen = torch.Generator().manual_seed(0)
    z = torch.randn(5, 7, generator=gen)
    a, b = torch.tensor([0, 1, 2, 3, 0]), torch.tensor([3, 2, 2, 0, 1])
    lam = 0.7
    target = lam * F.one_hot(a, 4) + (1 - lam) * F.one_hot(b, 4)
    # per group: sum_{j in g} t_j (-log p_g(j)) + (1 - t_g) (-log p_g(o)),
    # averaged over the batch (every group has a positive here)
    groups = {2: [0, 1], 1: [2], 0: [3]}
    expect = 0.0
    for g, classes in groups.items():
        columns = classes + [4 + g]
        for i in range(5):
            t = target[i, classes]
            expect += (sum(float(t[k]) * nll(z[i], columns, c)
                           for k, c in enumerate(classes)) +
                       (1 - float(t.sum())) * nll(z[i], columns, 4 + g)) / 5
    torch.testing.assert_close(loss(z, target), torch.tensor(expect))
    # one-hot soft targets equal class indices
    torch.testing.assert_close(loss(z, F.one_hot(a, 4).float()), loss(z, a))
    # per-sample weights scale each sample's rows
    w = torch.tensor([1.0, 2.0, 0.5, 1.0, 1.0])
    torch.manual_seed(0)
    torch.testing.assert_close(
        loss(z, a, weight=w),
        group_softmax_losses(z[:, :4], z[:, 4:], a, loss.group, 100.0,
                             w).sum())


def test_head_predicts_class_scores_and_trains_on_c_plus_g_logits():
    head = head_with_groups(cal_acc=True)
    assert head.fc.out_features == 4 + 3
    x = torch.randn(4, 3)
    logits = head((x, ))
    assert logits.shape == (4, 7)
    preds = head.predict((x, ))
    scores = torch.stack([p.pred_score for p in preds])
    torch.testing.assert_close(scores,
                               head.loss_module.class_probabilities(logits))
    torch.testing.assert_close(scores.sum(1), torch.ones(4))
    assert [int(p.pred_label) for p in preds] == scores.argmax(1).tolist()
    # make class 3 win every sample; training accuracy is on the C scores
    with torch.no_grad():
        head.fc.weight.zero_()
        head.fc.bias.copy_(torch.tensor([0., 0., 0., 5., 0., 0., 9.]))
    samples = [DataSample().set_gt_label(c) for c in (3, 3, 0, 1)]
    losses = head.loss((x, ), samples)
    # a list per k (one threshold), as LinearClsHead logs it
    assert [float(a) for a in losses['accuracy_top-1']] == [50.0]
    torch.testing.assert_close(
        losses['loss'], head.loss_module(head((x, )), torch.tensor([3, 3, 0,
                                                                    1])))
    # mixup / cutmix targets arrive as gt_score
    soft = [DataSample().set_gt_score(torch.tensor([0.6, 0., 0., 0.4]))] * 4
    head.cal_acc = False
    assert torch.isfinite(head.loss((x, ), soft)['loss'])
    head.cal_acc = True
    with pytest.raises(ValueError, match='cal_acc'):
        head.loss((x, ), soft)


def test_buffers_survive_a_state_dict_round_trip():
    head = head_with_groups()
    state = head.state_dict()
    assert state['loss_module.group'].tolist() == [2, 2, 1, 0]
    assert state['loss_module.class_counts'].dtype == torch.float64
    assert state['fc.weight'].shape == (7, 3)
    fresh = MODELS.build(dict(type='lt_mm.GroupSoftmaxClsHead', num_classes=4,
                              in_channels=3))
    fresh.load_state_dict(state)
    x = torch.randn(5, 3)
    torch.testing.assert_close(fresh.class_scores((x, )),
                               head.class_scores((x, )))


def test_empty_batch():
    loss = loss_with_groups()
    z = torch.zeros(0, 7, requires_grad=True)
    out = loss(z, torch.zeros(0, dtype=torch.long))
    assert out.item() == 0
    out.backward()
    assert z.grad.shape == (0, 7)
    head = head_with_groups()
    assert head.loss((torch.zeros(0, 3), ), [])['loss'].item() == 0
    assert head.predict((torch.zeros(0, 3), )) == []


def test_errors():
    with pytest.raises(RuntimeError, match='ClassStatisticsHook'):
        ClsGroupSoftmaxLoss(num_classes=4)(torch.zeros(2, 7),
                                           torch.tensor([0, 1]))
    with pytest.raises(RuntimeError, match='ClassStatisticsHook'):
        MODELS.build(dict(type='lt_mm.GroupSoftmaxClsHead', num_classes=4,
                          in_channels=3)).predict((torch.zeros(1, 3), ))
    with pytest.raises(ValueError, match='num_classes=4 but the training'):
        ClsGroupSoftmaxLoss(num_classes=4).set_class_statistics(
            statistics([5, 5, 5]))
    loss = loss_with_groups()
    with pytest.raises(ValueError, match=r'\(N, 7\) logits'):
        loss(torch.zeros(2, 4), torch.tensor([0, 1]))
    with pytest.raises(ValueError, match=r'labels must lie in \[0, 4\)'):
        loss(torch.zeros(2, 7), torch.tensor([0, 4]))
    with pytest.raises(ValueError, match='2 targets for 3 samples'):
        loss(torch.zeros(3, 7), torch.tensor([0, 1]))
    with pytest.raises(ValueError, match="reduction='mean'"):
        loss(torch.zeros(2, 7), torch.tensor([0, 1]),
             reduction_override='sum')
    with pytest.raises(ValueError, match="reduction='mean'"):
        ClsGroupSoftmaxLoss(num_classes=4, reduction='none')
    with pytest.raises(ValueError, match='bins must increase'):
        ClsGroupSoftmaxLoss(num_classes=4, bins=(100, 20))
    with pytest.raises(ValueError, match='num_classes=5 but its loss'):
        GroupSoftmaxClsHead(num_classes=5, in_channels=3,
                            loss=dict(type='lt_mm.ClsGroupSoftmaxLoss',
                                      num_classes=4))
    with pytest.raises(TypeError, match='ClsGroupSoftmaxLoss'):
        GroupSoftmaxClsHead(num_classes=4, in_channels=3,
                            loss=dict(type='CrossEntropyLoss'))


def test_digits_config_trains_and_tests_through_the_tools(preloaded_tools,
                                                        tmp_path):
    # the runs fork from the session's preloaded tool server
    # (tests/preloaded_tools.py); no validation (val_begin=2 of one epoch):
    # the checkpoints are written before it and the test run evaluates
    first = tmp_path / 'ce'
    fast = ['train_cfg.max_epochs=1', 'train_cfg.val_begin=2',
            'train_dataloader.batch_size=48']
    preloaded_tools.run([
        sys.executable, 'tools/train.py', 'configs/digits_lt/ce.py',
        '--work-dir', str(first), '--cfg-options', *fast])
    second = tmp_path / 'bags'
    output = preloaded_tools.run([
        sys.executable, 'tools/train.py', 'configs/digits_lt/bags.py',
        '--work-dir', str(second), '--cfg-options', *fast,
        f'load_from={first / "epoch_1.pth"}'
    ])
    assert 'handed to head.loss_module' in output
    assert 're-initialised head.fc' in output
    checkpoint = second / 'epoch_1.pth'
    state = torch.load(checkpoint, weights_only=False)['state_dict']
    # digits 124 ... 2 images, bins (10, 41): 3 many, 3 medium, 4 few
    assert state['head.loss_module.group'].tolist() == [2, 2, 2, 1, 1, 1, 0,
                                                        0, 0, 0]
    assert state['head.fc.weight'].shape == (10 + 3, 32)
    output = preloaded_tools.run([
        sys.executable, 'tools/test.py', 'configs/digits_lt/bags.py',
        str(checkpoint), '--work-dir', str(tmp_path / 'test')])
    assert 'class statistics' not in output  # no training data needed
    top1 = float(output.split('lt/top1: ')[-1].split()[0])
    assert 0 <= top1 <= 100


def test_cifar100_lt_config_builds_the_decoupled_bags_model():
    import os.path as osp

    from mmengine.config import Config
    from mmengine.registry import init_default_scope
    from mmpretrain.registry import MODELS as HOST_MODELS

    from tests.e2e.tooling import ROOT
    cfg = Config.fromfile(
        osp.join(ROOT, 'configs/cifar100_lt/resnet32_bags.py'))
    assert cfg.load_from == 'work_dirs/resnet32_ce/epoch_200.pth'
    assert cfg.optim_wrapper.paramwise_cfg.trainable == ['head']
    assert cfg.train_dataloader.sampler.type == 'DefaultSampler'
    assert cfg.model.head.loss == dict(
        type='lt_mm.ClsGroupSoftmaxLoss', num_classes=100, bins=(20, 101),
        others_ratio=8.0)
    init_default_scope('mmpretrain')
    model_cfg = cfg.model.copy()
    model_cfg.data_preprocessor = cfg.data_preprocessor
    model = HOST_MODELS.build(model_cfg).eval()
    counts = [int(500 * 0.01**(i / 99)) for i in range(100)]
    model.head.loss_module.set_class_statistics(statistics(counts))
    assert torch.bincount(model.head.loss_module.group).tolist() == [30, 35,
                                                                      35]
    with torch.no_grad():
        logits = model(torch.zeros(2, 3, 32, 32))
        preds = model.predict(torch.zeros(2, 3, 32, 32))
    assert logits.shape == (2, 100 + 3)
    assert preds[0].pred_score.shape == (100, )
