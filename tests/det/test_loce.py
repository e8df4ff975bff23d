"""lt_mm.EquilibriumLoss and lt_mm.LOCERoIHead on the demo model's shapes."""
import copy
import math
import os
import socket
from types import SimpleNamespace

import pytest
import torch
import torch.distributed as dist
import torch.multiprocessing as mp
import torch.nn.functional as F
from mmdet.registry import MODELS
from mmdet.structures import DetDataSample
from mmdet.structures.mask import BitmapMasks
from mmengine.config import Config
from mmengine.dataset import BaseDataset
from mmengine.registry import init_default_scope
from mmengine.structures import InstanceData

import lt_mm  # noqa: F401
from lt_mm.core.feature_memory import ClassFeatureMemory
from lt_mm.core.finite_statistics import FiniteStatisticsGuard
from lt_mm.det import EquilibriumLoss, FeatureMemoryInitHook, LOCERoIHead

from .loss_helpers import build_roi_head

CONFIG = 'configs/demo/loce_mask_rcnn.py'


@pytest.fixture(autouse=True)
def mmdet_scope():
    init_default_scope('mmdet')


def test_equilibrium_loss_matches_shifted_cross_entropy():
    g = torch.Generator().manual_seed(0)
    logits = torch.randn(10, 4, generator=g)
    labels = torch.tensor([0, 1, 2, 3, 3, 3, 0, 1, 3, 3])
    weights = torch.rand(10, generator=g)
    m = torch.tensor([0.3, 0.05, 0.6, 0.01])
    loss = EquilibriumLoss(num_classes=3, loss_weight=2.0)
    expected = (F.cross_entropy(logits + m.log(), labels, reduction='none') *
                weights).sum() / 7.0
    with loss.mean_score_bound(m):
        value = loss(logits, labels, weights, avg_factor=7.0)
    assert value.item() == pytest.approx(2 * expected.item(), rel=1e-6)
    # explicit argument, and no mean scores left bound after the block
    assert loss(logits, labels, weights, avg_factor=7.0,
                mean_score=m).item() == pytest.approx(value.item())
    with pytest.raises(RuntimeError, match='LOCERoIHead'):
        loss(logits, labels)
    empty = torch.zeros(0, 4, requires_grad=True)
    assert loss(empty, labels[:0], mean_score=m).item() == 0
    with pytest.raises(ValueError, match='expects 4 logits'):
        loss(logits[:, :3], labels, mean_score=m[:3])
    with pytest.raises(ValueError, match='use_sigmoid=False'):
        EquilibriumLoss(use_sigmoid=True)


def build_head(edit=None):
    return build_roi_head(CONFIG, edit)


def batch(num_images=2, size=128, seed=0):
    """FPN features of the demo's shapes, proposals and ground truths."""
    g = torch.Generator().manual_seed(seed)
    x = tuple(
        torch.randn(num_images, 64, size // s, size // s, generator=g)
        for s in (4, 8, 16, 32, 64))
    samples, proposals = [], []
    for i in range(num_images):
        gt_boxes = torch.tensor([[10.0, 12.0, 60.0, 70.0],
                                 [64.0, 30.0, 120.0, 100.0],
                                 [20.0, 80.0, 50.0, 120.0]])[:3 - i]
        sample = DetDataSample(
            metainfo=dict(img_shape=(size, size), pad_shape=(size, size),
                          batch_input_shape=(size, size),
                          scale_factor=(1.0, 1.0), ori_shape=(size, size)))
        masks = torch.zeros(len(gt_boxes), size, size, dtype=torch.uint8)
        for j, (x1, y1, x2, y2) in enumerate(gt_boxes.long().tolist()):
            masks[j, y1:y2, x1:x2] = 1
        sample.gt_instances = InstanceData(
            bboxes=gt_boxes,
            labels=torch.tensor([3, 17, 3])[:len(gt_boxes)],
            masks=BitmapMasks(masks.numpy(), size, size))
        samples.append(sample)
        jitter = torch.randn(40, 4, generator=g) * 6
        boxes = gt_boxes.repeat(20, 1)[:40] + jitter
        boxes = torch.cat([boxes, torch.rand(60, 4, generator=g) * 64])
        boxes[:, 2:] = torch.maximum(boxes[:, 2:], boxes[:, :2] + 4)
        proposals.append(InstanceData(bboxes=boxes.clamp(0, size - 1),
                                      scores=torch.rand(100, generator=g)))
    return x, proposals, samples


def test_head_checks_its_parts():
    def decoded(cfg):
        cfg.bbox_head.reg_decoded_bbox = True

    def seesaw(cfg):
        cfg.bbox_head.loss_cls = dict(type='lt_mm.SeesawLoss', num_classes=20)

    with pytest.raises(ValueError, match='reg_decoded_bbox'):
        build_head(decoded)
    with pytest.raises(ValueError, match='softmax classifier'):
        build_head(seesaw)


def test_head_loss_fills_memory_and_moves_mean_scores():
    head = build_head()
    assert isinstance(head, LOCERoIHead)
    assert head.mean_score.tolist() == pytest.approx([0.01] * 21)
    x, proposals, samples = batch()
    losses = head.loss(x, proposals, samples)
    for key in ('loss_cls', 'loss_bbox', 'loss_mask'):
        assert torch.isfinite(losses[key]).all(), key
    sum(v for k, v in losses.items() if k.startswith('loss')).backward()
    assert head.bbox_head.fc_cls.weight.grad.abs().sum() > 0
    # 16 jittered boxes per ground truth: class 3 has 3 GTs, class 17 two
    assert head.feature_memory.lengths[3].item() == 48
    assert head.feature_memory.lengths[17].item() == 32
    assert head.feature_memory.lengths.sum().item() == 80
    assert head.feature_memory.features.shape == (20, 80, 64, 7, 7)
    # only the batch's classes moved, the background stays fixed
    moved = (head.mean_score != 0.01).nonzero()[:, 0].tolist()
    assert moved == [3, 17]
    assert head.mean_score[-1].item() == pytest.approx(0.01)
    # the mean scores are saved, the memory is not
    keys = head.state_dict().keys()
    assert 'mean_score' in keys and not any('feature_memory' in k
                                            for k in keys)


def test_memory_features_join_the_bbox_batch():
    head = build_head()
    x, proposals, samples = batch()
    head.push_to_memory(x, samples)
    # classes 3 and 17, the only ones with features, are the likely draws
    head.mean_score[:20] = 1.0
    head.mean_score[[3, 17]] = 1e-3
    seen = {}
    forward = head.bbox_head.forward

    def record(feats):
        seen['rows'] = len(feats)
        return forward(feats)

    head.bbox_head.forward = record
    labels_seen = {}
    loss_cls = head.bbox_head.loss_cls.forward

    def record_loss(cls_score, labels, *args, **kwargs):
        labels_seen['labels'] = labels
        return loss_cls(cls_score, labels, *args, **kwargs)

    head.bbox_head.loss_cls.forward = record_loss
    get_targets = head.bbox_head.get_targets

    def record_targets(*args, **kwargs):
        targets = get_targets(*args, **kwargs)
        seen['rois'] = len(targets[0])
        return targets

    head.bbox_head.get_targets = record_targets
    torch.manual_seed(0)
    losses = head.loss(x, proposals, samples)
    rois = seen['rois']
    extra = seen['rows'] - rois
    # 8 classes drawn by 1 / m, 4 features each; only classes 3 and 17
    # have features
    assert 0 < extra <= 32 and extra % 4 == 0
    memory_labels = labels_seen['labels'][rois:]
    assert len(memory_labels) == extra
    assert set(memory_labels.tolist()) <= {3, 17}
    assert torch.isfinite(losses['loss_cls'])


def test_update_mean_score_groups_by_ground_truth():
    """Image offsets, per-instance means and memory entries, by hand."""
    head = build_head()
    logits = torch.zeros(7, 21)
    # image 0: 3 priors, positives 0, 1 of GT 0 (class 2); image 1: 2 priors,
    # positive 3 of its GT 1 (class 5); then 2 memory features of class 5
    probs = {0: 0.2, 1: 0.4, 3: 0.7, 5: 0.5, 6: 0.3}
    labels = {0: 2, 1: 2, 3: 5, 5: 5, 6: 5}
    for row, p in probs.items():
        # a softmax giving p to the label and the rest evenly to the others
        logits[row] = torch.log(torch.full((21, ), (1 - p) / 20))
        logits[row, labels[row]] = math.log(p)
    results = [
        SimpleNamespace(pos_inds=torch.tensor([0, 1]),
                        priors=torch.zeros(3, 4),
                        pos_gt_labels=torch.tensor([2, 2]),
                        pos_assigned_gt_inds=torch.tensor([0, 0]), num_gts=1),
        SimpleNamespace(pos_inds=torch.tensor([0]), priors=torch.zeros(2, 4),
                        pos_gt_labels=torch.tensor([5]),
                        pos_assigned_gt_inds=torch.tensor([1]), num_gts=2)
    ]
    head.update_mean_score(logits, results, torch.tensor([5, 5]))
    m = head.mean_score.tolist()
    # class 2: one entry (0.3); class 5: GT entry 0.7 and memory entry 0.4
    assert m[2] == pytest.approx(0.9 * 0.01 + 0.1 * 0.3, rel=1e-5)
    assert m[5] == pytest.approx(0.81 * 0.01 + 0.19 * 0.55, rel=1e-5)
    assert m[0] == m[-1] == pytest.approx(0.01)


def test_prediction_is_the_standard_heads():
    head = build_head()
    head.eval()
    standard_cfg = Config.fromfile(CONFIG).model.roi_head
    standard_cfg.type = 'StandardRoIHead'
    standard_cfg.bbox_head.loss_cls = dict(type='CrossEntropyLoss')
    model_cfg = Config.fromfile(CONFIG).model
    standard = MODELS.build(
        dict(standard_cfg, train_cfg=model_cfg.train_cfg.rcnn,
             test_cfg=model_cfg.test_cfg.rcnn)).eval()
    missing = standard.load_state_dict(head.state_dict(), strict=False)
    assert missing.unexpected_keys == [
        'mean_score', 'statistics_guard.updates',
        'statistics_guard.skipped_rows'
    ]
    x, proposals, samples = batch()
    with torch.no_grad():
        ours = head.predict(x, copy.deepcopy(proposals), samples)
        theirs = standard.predict(x, copy.deepcopy(proposals), samples)
    for a, b in zip(ours, theirs):
        assert torch.equal(a.scores, b.scores)
        assert torch.equal(a.labels, b.labels)


def _rank_results(rank):
    """Rank 0: a GT of class 2 (RoIs 0.2, 0.4); rank 1: a GT of class 2
    (0.6) and a memory draw of class 5 (0.5)."""
    probs = [[0.2, 0.4], [0.6, 0.5]][rank]
    labels = [[2, 2], [2, 5]][rank]
    logits = torch.zeros(len(probs), 21)
    for row, (p, y) in enumerate(zip(probs, labels)):
        logits[row] = torch.log(torch.full((21, ), (1 - p) / 20))
        logits[row, y] = math.log(p)
    num_pos = [2, 1][rank]
    results = [
        SimpleNamespace(pos_inds=torch.arange(num_pos),
                        priors=torch.zeros(num_pos, 4),
                        pos_gt_labels=torch.tensor(labels[:num_pos]),
                        pos_assigned_gt_inds=torch.zeros(num_pos,
                                                         dtype=torch.long),
                        num_gts=1)
    ]
    return logits, results, torch.tensor(labels[num_pos:], dtype=torch.long)


def _mean_score_worker(rank, port, out):
    os.environ.update(MASTER_ADDR='127.0.0.1', MASTER_PORT=str(port))
    dist.init_process_group('gloo', rank=rank, world_size=2)
    state = SimpleNamespace(num_classes=20, momentum=0.9,
                            mean_score=torch.full((21, ), 0.01),
                            statistics_guard=FiniteStatisticsGuard('LOCE'))
    LOCERoIHead.update_mean_score(state, *_rank_results(rank))
    torch.save(state.mean_score, f'{out}.{rank}')
    dist.destroy_process_group()


def test_mean_scores_are_reduced_over_ranks(tmp_path):
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        port = s.getsockname()[1]
    out = str(tmp_path / 'mean_score')
    mp.spawn(_mean_score_worker, args=(port, out), nprocs=2)
    ranks = [torch.load(f'{out}.{rank}') for rank in range(2)]
    assert torch.equal(ranks[0], ranks[1])
    # class 2: entries 0.3 (rank 0) and 0.6 (rank 1); class 5: 0.5
    assert ranks[0][2].item() == pytest.approx(0.81 * 0.01 + 0.19 * 0.45,
                                               rel=1e-5)
    assert ranks[0][5].item() == pytest.approx(0.9 * 0.01 + 0.1 * 0.5,
                                               rel=1e-5)


class _ToyDetection(BaseDataset):
    """Images of given labels; an item is its index and its labels."""
    METAINFO = dict(classes=('a', 'b', 'c'))

    def __init__(self, per_image):
        self.per_image = per_image
        super().__init__(serialize_data=False)

    def load_data_list(self):
        return [
            dict(instances=[dict(bbox_label=c, ignore_flag=0) for c in y])
            for y in self.per_image
        ]

    def __getitem__(self, idx):
        return dict(index=idx, labels=self.per_image[idx])


# class 0 in 10 images, class 1 in 3, class 2 only in the last image
TOY_IMAGES = [[0]] * 8 + [[0, 1], [1], [0, 1, 2]]


class _FakeDetector(torch.nn.Module):
    """Records the initialiser's calls; its 'loss' forward puts 16 features
    per instance into a memory of 80 per class, as LOCERoIHead does."""

    def __init__(self, with_memory=True):
        super().__init__()
        self.layer = torch.nn.Linear(1, 1)
        if with_memory:
            self.memory = ClassFeatureMemory(num_classes=3, queue_size=80)
        self.calls, self.images = [], []

    def data_preprocessor(self, batch, training):
        assert training  # the training pipeline's preprocessing
        return batch

    def _run_forward(self, data, mode):
        self.calls.append((mode, self.training, torch.is_grad_enabled()))
        self.images.append([item['index'] for item in data])
        labels = torch.tensor([c for item in data for c in item['labels']])
        labels = labels.repeat_interleave(16)
        self.memory.push(torch.ones(len(labels), 4), labels,
                         torch.ones(len(labels), 4))


def _runner(model, per_image=TOY_IMAGES, batch_size=2):
    logger = SimpleNamespace(info=lambda message: None)
    dataloader = torch.utils.data.DataLoader(
        _ToyDetection(per_image), batch_size=batch_size, shuffle=True,
        collate_fn=list)
    return SimpleNamespace(model=model, train_dataloader=dataloader,
                           logger=logger)


def test_memory_init_hook_fills_every_class_from_a_class_balanced_pass():
    """fcjian/LOCE fills the memory from DistributedBalancedSampler
    (mmdet/datasets/samplers/distributed_banlanced_sampler.py L18-L35) with
    queue_size // 16 = 5 images per class (mmdet/apis/train.py L144-L153),
    through the training forward in eval mode
    (mmdet/core/utils/initializer_hook.py L10-L13).

    The pass, by hand: class 0's first 5 images (0-4), class 1's 3 images in
    turn (8, 9, 10, 8, 9), class 2's one image 5 times; batches of the
    training dataloader's 2. One pass over the natural distribution (the old
    initialiser) gave the rare class 2 one image, 16 of its 80 features
    (none in its first 5 batches); here image 10 comes 6 times: 96 >= 80.
    """
    model = _FakeDetector()
    FeatureMemoryInitHook().before_train(_runner(model))
    passed = [i for batch in model.images for i in batch]
    assert passed == [0, 1, 2, 3, 4, 8, 9, 10, 8, 9] + [10] * 5
    assert [len(b) for b in model.images] == [2] * 7 + [1]
    # in eval mode and without gradients, then back to train
    assert model.calls == [('loss', False, False)] * 8
    assert model.training
    assert model.memory.lengths.tolist() == [80, 80, 80]


def test_memory_init_hook_arguments_restore_and_errors():
    model = _FakeDetector()
    FeatureMemoryInitHook(images_per_class=1, max_iters=1).before_train(
        _runner(model))
    # one image per class: [0, 8, 10], one batch of 2
    assert model.images == [[0, 8]]
    assert model.memory.lengths.tolist() == [32, 16, 0]
    # a filled memory (restored from a checkpoint) is not refilled
    model.memory.lengths.fill_(80)
    FeatureMemoryInitHook().before_train(_runner(model))
    assert len(model.calls) == 1
    with pytest.raises(RuntimeError, match='no feature memory'):
        FeatureMemoryInitHook().before_train(
            _runner(_FakeDetector(with_memory=False)))
    with pytest.raises(ValueError, match='images_per_class'):
        FeatureMemoryInitHook(images_per_class=0)
