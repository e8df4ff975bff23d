"""SimCal: lt_mm.BiLevelSampler, lt_mm.SampledClassDataset and
lt_mm.SimCalRoIHead on the demo model's shapes."""
import copy
import os
from types import SimpleNamespace

import numpy as np
import pytest
import torch
import torch.distributed as dist
import torch.multiprocessing as mp
import torch.nn.functional as F
from mmdet.models.roi_heads import StandardRoIHead
from mmdet.structures import DetDataSample
from mmdet.structures.bbox import bbox2roi
from mmengine.dataset import BaseDataset
from mmengine.registry import init_default_scope
from mmengine.structures import InstanceData

import lt_mm  # noqa: F401
from lt_mm.core.dual_head_calibration import (episode_share,
                                              merge_dual_head_scores,
                                              select_calibration_rois)
from lt_mm.det import BiLevelSampler, SampledClassDataset, SimCalRoIHead

from .loss_helpers import _free_port, build_roi_head

CONFIG = 'configs/demo/simcal_mask_rcnn.py'


@pytest.fixture(autouse=True)
def mmdet_scope():
    init_default_scope('mmdet')


class ToyDetection(BaseDataset):
    """Detection data infos of given labels; items are bare data samples."""
    METAINFO = dict(classes=tuple(f'c{i}' for i in range(6)))

    def __init__(self, per_image):
        self.per_image = per_image
        super().__init__(serialize_data=False)

    def load_data_list(self):
        return [
            dict(instances=[
                dict(bbox_label=c, ignore_flag=0) for c in labels
            ]) for labels in self.per_image
        ]

    def __getitem__(self, idx):
        return dict(inputs=torch.zeros(1), data_samples=DetDataSample())


# class 0 in 40 images, 1 in 10, 2 in 3, 3 in 1, 4 only ignored, 5 never
PER_IMAGE = [[0]] * 30 + [[0, 1]] * 8 + [[0, 0, 2]] * 2 + [[1, 2], [1, 3]]


def toy_images():
    return [list(x) for x in PER_IMAGE] + [[]]  # and one without instances


def toy_wrapped():
    dataset = ToyDetection(toy_images())
    # class 4 only in an ignored instance: it must never be drawn
    dataset.data_list[-1]['instances'] = [dict(bbox_label=4, ignore_flag=1)]
    return SampledClassDataset(dataset)


def test_sampler_balances_classes_not_images():
    """SimCal sampler balance over classes."""
    dataset = toy_wrapped()
    sampler = BiLevelSampler(dataset, classes_per_episode=2,
                             images_per_class=3, episodes_per_epoch=2000,
                             seed=0)
    pairs = list(sampler)
    assert len(pairs) == len(sampler) == 2000 * 6
    per_image = [[i['bbox_label'] for i in d['instances']
                  if not i['ignore_flag']]
                 for d in dataset.dataset.data_list]
    assert all(c in per_image[i] for i, c in pairs)
    counts = np.bincount([c for _, c in pairs], minlength=6)
    # classes 0..3 each 12000 / 4 = 3000 times (binomial sd 47); class 3's
    # single image is served as often as all 40 images of class 0 together
    assert counts[4] == counts[5] == 0
    assert np.abs(counts[:4] - 3000).max() < 5 * 47
    images = np.bincount([i for i, _ in pairs], minlength=len(per_image))
    assert images[41] >= 3000 - 5 * 47  # the image holding class 3
    # an episode: 2 distinct classes, 3 images each
    episodes = np.array([c for _, c in pairs]).reshape(2000, 2, 3)
    assert (episodes == episodes[:, :, :1]).all()
    # classes with replacement (twangnh/SimCal,
    # mmdet/datasets/loader/sampler.py L87): both draws the same class in
    # 1 / 4 of the episodes (500, binomial sd 19)
    same = (episodes[:, 0, 0] == episodes[:, 1, 0]).sum()
    assert abs(same - 500) < 5 * 19


def test_sampler_shards_one_episode_list_across_ranks():
    dataset = toy_wrapped()

    def shard(rank, epoch, world_size=2):
        sampler = BiLevelSampler(dataset, classes_per_episode=2,
                                 images_per_class=2, episodes_per_epoch=5,
                                 seed=3)
        sampler.rank, sampler.world_size = rank, world_size
        sampler.set_epoch(epoch)
        return list(sampler)

    single = shard(0, 1, world_size=1)
    ranks = [shard(0, 1), shard(1, 1)]
    assert len(single) == 20 and [len(r) for r in ranks] == [10, 10]
    # rank r takes every 2nd pair from r on: one episode list, no overlap
    assert ranks[0] == single[0::2] and ranks[1] == single[1::2]
    assert shard(0, 1) == ranks[0]  # seed + epoch decide
    assert shard(0, 2) != ranks[0]
    # 20 pairs over 3 ranks: padded by the list's head to 21
    assert [len(shard(r, 1, world_size=3)) for r in range(3)] == [7, 7, 7]
    assert shard(2, 1, world_size=3)[-1] == single[0]


def test_sampler_rejects_bad_input():
    with pytest.raises(TypeError, match='SampledClassDataset'):
        BiLevelSampler(ToyDetection(toy_images()), seed=0)
    with pytest.raises(ValueError, match='episodes_per_epoch'):
        BiLevelSampler(toy_wrapped(), episodes_per_epoch=0, seed=0)
    with pytest.raises(ValueError, match='no instance'):
        BiLevelSampler(SampledClassDataset(ToyDetection([[], []])), seed=0)


def test_sampled_class_dataset_tags_the_data_sample():
    dataset = toy_wrapped()
    assert len(dataset) == len(toy_images())
    assert dataset.metainfo['classes'] == ToyDetection.METAINFO['classes']
    assert dataset[(41, 3)]['data_samples'].sampled_class == 3
    assert dataset[5]['data_samples'].sampled_class == -1
    with pytest.raises(ValueError, match='pair'):
        dataset[(1, 2, 3)]


def test_calibration_roi_selection_hand_case():
    pos_labels = [torch.tensor([3, 1, 3, 3]), torch.tensor([2, 2]),
                  torch.tensor([], dtype=torch.long)]
    g = torch.Generator().manual_seed(0)
    pos, neg = select_calibration_rois(pos_labels, [3, 2, 5], [2, 1, 6],
                                       generator=g)
    assert [p.tolist() for p in pos] == [[0, 2, 3], [0, 1], []]
    # 5 positives, 9 negatives: 5 negatives, distinct, within each image
    flat = [n.item() + off for n, off in
            ((n, off) for ns, off in zip(neg, (0, 2, 3)) for n in ns)]
    assert len(flat) == len(set(flat)) == 5
    assert all(len(n) <= m and (n < m).all() for n, m in zip(neg, (2, 1, 6)))
    # fewer negatives than positives: all of them; no positive: none
    pos, neg = select_calibration_rois(pos_labels[:1], [3], [2])
    assert sorted(neg[0].tolist()) == [0, 1]
    pos, neg = select_calibration_rois(pos_labels[:1], [0], [7])
    assert pos[0].numel() == 0 and neg[0].numel() == 0
    with pytest.raises(ValueError, match='one entry per image'):
        select_calibration_rois(pos_labels, [1], [1, 1, 1])


def test_episode_split_over_processes_draws_the_one_process_negatives():
    """One episode of 3 images (twangnh/SimCal, mmdet/apis/train_new.py
    L222-L225: P positives of the drawn classes, then P of the episode's
    negatives by one random permutation) held by one process, or split as
    images [0, 1] | [2] over two processes that share P, the negatives'
    count and the generator's seed: the same negatives are kept."""
    pos_labels = [torch.tensor([3, 1, 3, 3]), torch.tensor([2, 2]),
                  torch.tensor([4])]
    classes, negatives = [3, 2, 4], [2, 1, 6]

    def gen():
        return torch.Generator().manual_seed(5)

    whole_pos, whole_neg = select_calibration_rois(pos_labels, classes,
                                                   negatives, generator=gen())
    # counts per process: (positives kept, negatives)
    counts = torch.tensor([[5, 3], [1, 6]])
    assert episode_share(counts, 0) == (6, 9, 0, 12 / 2)
    assert episode_share(counts, 1) == (6, 9, 3, 12 / 2)
    first = select_calibration_rois(
        pos_labels[:2], classes[:2], negatives[:2], generator=gen(),
        episode_positives=6, episode_negatives=9, first_negative=0)
    second = select_calibration_rois(
        pos_labels[2:], classes[2:], negatives[2:], generator=gen(),
        episode_positives=6, episode_negatives=9, first_negative=3)
    split_neg = first[1] + second[1]
    assert [n.tolist() for n in split_neg] == [n.tolist() for n in whole_neg]
    assert [p.tolist() for p in first[0] + second[0]] == [
        p.tolist() for p in whole_pos]
    # 6 positives, 9 negatives: 6 negatives kept over both processes
    assert sum(len(n) for n in split_neg) == 6
    with pytest.raises(ValueError, match='cannot hold'):
        select_calibration_rois(pos_labels[2:], classes[2:], negatives[2:],
                                episode_positives=6, episode_negatives=9,
                                first_negative=4)
    with pytest.raises(ValueError, match='rank'):
        episode_share(counts, 2)


def test_background_draw_is_uniform_over_the_batch():
    counts = torch.zeros(2)
    for seed in range(400):
        g = torch.Generator().manual_seed(seed)
        # image 0 holds 1 of the 4 negatives
        _, neg = select_calibration_rois(
            [torch.tensor([1]), torch.tensor([], dtype=torch.long)], [1, 0],
            [1, 3], generator=g)
        counts += torch.tensor([len(neg[0]), len(neg[1])], dtype=torch.float)
    assert counts.sum() == 400
    assert abs(counts[0].item() - 100) < 5 * 9  # p = 1/4, sd about 9


def test_dual_head_merge():
    p = torch.tensor([[0.5, 0.2, 0.1, 0.2]])
    q = torch.tensor([[0.1, 0.1, 0.7, 0.1]])
    merged = merge_dual_head_scores(p, q, torch.tensor([False, True, True]))
    assert merged[0].tolist() == pytest.approx([0.5, 0.1, 0.7, 0.2])
    with pytest.raises(ValueError, match='one flag per foreground'):
        merge_dual_head_scores(p, q, torch.tensor([True]))


def build_head(edit=None):
    return build_roi_head(CONFIG, edit)


def batch(sampled_classes=(3, 17), size=128, seed=0):
    """FPN features of the demo's shapes, proposals and ground truths."""
    g = torch.Generator().manual_seed(seed)
    x = tuple(
        torch.randn(len(sampled_classes), 64, size // s, size // s,
                    generator=g) for s in (4, 8, 16, 32, 64))
    samples, proposals = [], []
    for c in sampled_classes:
        gt_boxes = torch.tensor([[10.0, 12.0, 60.0, 70.0],
                                 [64.0, 30.0, 120.0, 100.0],
                                 [20.0, 80.0, 50.0, 120.0]])
        sample = DetDataSample(
            metainfo=dict(img_shape=(size, size), pad_shape=(size, size),
                          batch_input_shape=(size, size),
                          scale_factor=(1.0, 1.0), ori_shape=(size, size),
                          sampled_class=c))
        sample.gt_instances = InstanceData(
            bboxes=gt_boxes, labels=torch.tensor([3, 17, 3]))
        sample.ignored_instances = InstanceData(
            bboxes=torch.zeros(0, 4), labels=torch.zeros(0).long())
        samples.append(sample)
        jitter = torch.rand(60, 4, generator=g) * 100
        boxes = torch.cat([
            gt_boxes + torch.randn(3, 4, generator=g),
            torch.stack([jitter[:, 0], jitter[:, 1], jitter[:, 0] + 20,
                         jitter[:, 1] + 20], dim=1)
        ])
        proposals.append(InstanceData(bboxes=boxes,
                                      scores=torch.rand(63, generator=g)))
    return x, proposals, samples


class Counts(SimpleNamespace):
    pass


def set_counts(head, counts):
    head.set_class_statistics(
        Counts(num_classes=len(counts),
               instance_counts=np.asarray(counts, dtype=np.float64)))


def test_calibration_head_defaults_to_box_head_without_regressor():
    head = build_head()
    assert isinstance(head, SimCalRoIHead)
    assert not head.calibration_head.with_reg
    assert head.calibration_head.num_classes == head.num_classes == 20
    names = {k for k, _ in head.calibration_head.named_parameters()}
    layers = ('shared_fcs.0', 'shared_fcs.1', 'fc_cls')
    assert names == {f'{m}.{p}' for m in layers for p in ('weight', 'bias')}
    assert head.calibrated == 0 and not head.has_statistics


def test_first_training_step_copies_the_box_head_and_trains_on_drawn_rois():
    head = build_head()
    head.train()
    captured = {}
    loss_cls = head.calibration_head.loss_cls
    forward = loss_cls.forward
    bbox_loss_calls = []
    head.bbox_loss = lambda *a, **k: bbox_loss_calls.append(1)

    def spy(cls_score, labels, **kwargs):
        captured.update(labels=labels.clone(), avg_factor=kwargs['avg_factor'])
        return forward(cls_score, labels, **kwargs)

    loss_cls.forward = spy
    box = {k: v.clone() for k, v in head.bbox_head.state_dict().items()}
    x, proposals, samples = batch(sampled_classes=(3, 3))
    losses = head.loss(x, proposals, samples)
    assert head.calibrated == 1
    for name, value in head.calibration_head.state_dict().items():
        assert torch.equal(value, box[name])
    labels = captured['labels']
    # both images were drawn for class 3 (2 of their 3 boxes; the third is
    # 17): the kept positives are all 3, background (20) as many
    fg = labels[labels < 20]
    assert set(fg.tolist()) == {3}
    assert (labels == 20).sum() == len(fg) > 0
    assert captured['avg_factor'] == len(labels)
    assert losses['num_calib_pos'].item() == len(fg)
    assert losses['loss_cls_calib'].requires_grad
    assert set(losses) == {'loss_cls_calib', 'acc_calib', 'num_calib_pos'}
    assert not bbox_loss_calls  # the frozen detector's losses are skipped
    # gradients reach the calibration head only
    losses['loss_cls_calib'].backward()
    assert head.calibration_head.fc_cls.weight.grad.abs().sum() > 0
    assert head.bbox_head.fc_cls.weight.grad is None
    # a later step (or a resumed / loaded calibrated head) copies no more
    with torch.no_grad():
        head.calibration_head.fc_cls.weight.add_(1.0)
    head.loss(*batch(seed=1))
    assert not torch.equal(head.calibration_head.fc_cls.weight,
                           head.bbox_head.fc_cls.weight)


def test_no_roi_of_the_drawn_class_gives_a_zero_loss_with_gradient():
    head = build_head()
    head.train()
    losses = head.loss(*batch(sampled_classes=(5, 6)))
    assert losses['loss_cls_calib'].item() == 0
    assert losses['loss_cls_calib'].requires_grad
    assert losses['num_calib_pos'].item() == 0


def test_training_without_sampled_classes_names_the_sampler():
    head = build_head()
    head.train()
    with pytest.raises(ValueError, match='BiLevelSampler'):
        head.loss(*batch(sampled_classes=(3, -1)))


def test_dual_head_inference_merges_by_instance_count():
    head = build_head()
    head.calibrated.fill_(1)
    with torch.no_grad():  # a calibrated head unlike the box head
        for p in head.calibration_head.parameters():
            p.normal_(0, 0.05)
    counts = np.full(20, 500.0)
    counts[[2, 7, 13]] = [119, 0, 3]
    set_counts(head, counts)
    head.eval()
    x, proposals, samples = batch()
    metas = [s.metainfo for s in samples]
    rois = bbox2roi([p.bboxes for p in proposals])
    with torch.no_grad():
        feats = head._bbox_forward(x, rois)['bbox_feats']
        p = F.softmax(head.bbox_head(feats)[0], dim=-1)
        q = F.softmax(head.calibration_head(feats)[0], dim=-1)
        # without a test cfg: the raw per-class scores, not renormalised
        raw = head.predict_bbox(x, metas, copy.deepcopy(proposals), None)
    scores = torch.cat([r.scores for r in raw])
    calibrated = [2, 7, 13]
    original = [c for c in range(21) if c not in calibrated]
    assert torch.equal(scores[:, calibrated], q[:, calibrated])
    assert torch.equal(scores[:, original], p[:, original])
    # with it: every detection's score is its class's merged score
    with torch.no_grad():
        out = head.predict_bbox(x, metas, copy.deepcopy(proposals),
                                head.test_cfg)
    assert len(out) == 2 and all(len(r.scores) > 0 for r in out)
    for r, image_scores in zip(out, scores.split(63)):
        for label, score in zip(r.labels, r.scores):
            assert (image_scores[:, label] - score).abs().min() < 1e-6
    # the threshold is strict: T instances keep the detector's head
    assert head.instance_threshold == 120  # the demo's scaled T
    counts[2] = 120
    set_counts(head, counts)
    assert head.calibrated_classes.nonzero().view(-1).tolist() == [7, 13]


def test_uncalibrated_head_predicts_like_the_standard_head():
    head = build_head()
    def plain(cfg):
        cfg.type = 'StandardRoIHead'
        del cfg['instance_threshold'], cfg['init_from_bbox_head']

    standard = build_head(plain)
    assert type(standard) is StandardRoIHead
    standard.load_state_dict(head.state_dict(), strict=False)
    head.eval()
    standard.eval()
    x, proposals, samples = batch()
    with torch.no_grad():
        ours = head.predict_bbox(x, [s.metainfo for s in samples],
                                 copy.deepcopy(proposals), head.test_cfg)
        theirs = standard.predict_bbox(x, [s.metainfo for s in samples],
                                       proposals, head.test_cfg)
    for a, b in zip(ours, theirs):
        torch.testing.assert_close(a.scores, b.scores)
        assert torch.equal(a.labels, b.labels)


def test_calibrated_head_without_counts_names_the_hook():
    head = build_head()
    head.calibrated.fill_(1)
    head.eval()
    x, proposals, samples = batch()
    with pytest.raises(RuntimeError, match='ClassStatisticsHook'):
        head.predict_bbox(x, [s.metainfo for s in samples], proposals,
                          head.test_cfg)


def test_state_survives_a_checkpoint_round_trip():
    head = build_head()
    head.calibrated.fill_(1)
    set_counts(head, np.arange(20))
    fresh = build_head()
    fresh.load_state_dict(head.state_dict())
    assert fresh.calibrated == 1
    assert fresh.instance_counts.dtype == torch.float64
    assert fresh.instance_counts.tolist() == list(range(20))


def test_bad_configs_are_refused():
    with pytest.raises(ValueError, match='softmax'):
        build_head(lambda cfg: cfg.bbox_head.update(
            loss_cls=dict(type='SeesawLoss', num_classes=20)))
    with pytest.raises(ValueError, match='num_classes'):
        build_head(lambda cfg: cfg.update(calibration_head=dict(
            copy.deepcopy(cfg.bbox_head), with_reg=False, num_classes=5)))
    with pytest.raises(ValueError, match='num_classes=20 but the training '
                       'dataset has 5 classes'):
        set_counts(build_head(), np.ones(5))


EPISODE = (3, 3, 17, 5)  # the drawn classes; 5 has no positive


def _episode_step(images, rank=0, world_size=1):
    """One calibration step on ``images`` of the 4-image episode: the loss
    and the calibration head's gradients (averaged over the processes, as
    DDP does)."""
    head = build_head()
    head.train()
    x, proposals, samples = batch(sampled_classes=EPISODE)
    x = tuple(level[images] for level in x)
    proposals = [proposals[i] for i in images]
    samples = [samples[i] for i in images]
    # the background draw's seed: rank 0's (or the one process's) draw
    torch.manual_seed(100 + rank)
    losses = head.loss(x, proposals, samples)
    losses['loss_cls_calib'].backward()
    grads = {}
    for name, p in head.calibration_head.named_parameters():
        grad = p.grad.clone()
        if world_size > 1:
            dist.all_reduce(grad)
            grad /= world_size
        grads[name] = grad
    return dict(loss=losses['loss_cls_calib'].detach(),
                num_pos=losses['num_calib_pos'], grads=grads)


def _episode_worker(rank, port, out):
    os.environ.update(MASTER_ADDR='127.0.0.1', MASTER_PORT=str(port))
    dist.init_process_group('gloo', rank=rank, world_size=2)
    init_default_scope('mmdet')
    torch.save(_episode_step([[0, 1], [2, 3]][rank], rank, 2),
               f'{out}.{rank}')
    dist.destroy_process_group()


def test_an_episode_over_two_processes_trains_as_one_process(tmp_path):
    """The authors hold an episode in one process: negatives balanced
    against the whole episode's positives and the loss averaged over all
    its RoIs (twangnh/SimCal, mmdet/apis/train_new.py L222-L235,
    L389-L391). Two gloo processes with half the episode each must give the
    same mean loss and, after DDP's averaging, the same gradients. Rank 0
    holds 2 images drawn for class 3 (4 positives each), rank 1 one for
    class 17 (2 positives) and one for class 5 (none): P = 10 over the
    episode, 10 background RoIs, so the loss is the sum over 20 RoIs / 20;
    each process divides its part by 20 / 2."""
    whole = _episode_step([0, 1, 2, 3])
    assert whole['num_pos'].item() == 10
    out = str(tmp_path / 'episode')
    mp.spawn(_episode_worker, args=(_free_port(), out), nprocs=2)
    ranks = [torch.load(f'{out}.{rank}') for rank in range(2)]
    assert [r['num_pos'].item() for r in ranks] == [8, 2]
    # DDP's loss is the processes' mean
    mean = (ranks[0]['loss'] + ranks[1]['loss']) / 2
    assert mean.item() == pytest.approx(whole['loss'].item(), rel=1e-5)
    for name, grad in whole['grads'].items():
        assert grad.abs().sum() > 0
        for r in ranks:
            torch.testing.assert_close(r['grads'][name], grad, rtol=1e-4,
                                       atol=1e-7)


def test_lvis_config_follows_the_authors_calibration_recipe():
    """twangnh/SimCal trains the calibration head on single-scale 1333x800
    images with flips (configs/simcal/calibration/
    mask_rcnn_r50_fpn_1x_lvis_agnostic.py L132-L135) from episodes of 16
    classes with one image each (mmdet/datasets/loader/build_loader.py L46,
    imgs_per_gpu 4 x 4 GPUs in one process, config L125)."""
    from mmengine.config import Config
    cfg = Config.fromfile('configs/lvis/simcal_mask_rcnn_r50.py')
    loader = cfg.train_dataloader
    pipeline = loader.dataset.dataset.pipeline
    resizes = [t for t in pipeline if 'Resize' in t['type']]
    assert resizes == [
        dict(type='Resize', scale=(1333, 800), keep_ratio=True)]
    assert dict(type='RandomFlip', prob=0.5) in pipeline
    sampler = loader.sampler
    assert (sampler.classes_per_episode, sampler.images_per_class) == (16, 1)
