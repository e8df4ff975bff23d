"""Per-iteration training time of the LOCE and BAGS heads against mmdet's
StandardRoIHead with softmax cross-entropy on the demo config's shapes, from
one run.

    python benchmarks/roi_head_overhead.py [--iters 20] [--images 8]

Both heads are built from configs/demo/loce_mask_rcnn.py (the standard one
with its host type and softmax cross-entropy) with the same weights, and run
``loss`` + backward on the same batch: FPN features of 128 px images
(64 channels), 300 proposals and 5 ground truths per image, as the demo's
RPN and data give. LOCE's extra work: RoIAlign of 16 jittered boxes per
ground truth into the memory, up to 32 memory features through the box head,
the mean-score update. Its memory is filled once before timing, as the
initialiser does. BAGS is the standard head with ``lt_mm.GroupSoftmaxLoss``
(configs/demo/bags_mask_rcnn.py's loss; C + 6 logits, five softmaxes). The
heads alternate, and the median of ``--iters`` timed iterations of each is
reported with its ratio to the standard head.
"""
import argparse
import copy
import statistics
import time

import torch
from mmdet.registry import MODELS
from mmdet.structures import DetDataSample
from mmdet.structures.mask import BitmapMasks
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmengine.structures import InstanceData

from lt_mm.core import ClassStatistics

CONFIG = 'configs/demo/loce_mask_rcnn.py'
BAGS_CONFIG = 'configs/demo/bags_mask_rcnn.py'


def build_heads():
    cfg = Config.fromfile(CONFIG).model
    loce_cfg = dict(
        copy.deepcopy(cfg.roi_head),
        train_cfg=cfg.train_cfg.rcnn,
        test_cfg=cfg.test_cfg.rcnn)
    standard_cfg = copy.deepcopy(loce_cfg)
    standard_cfg['type'] = 'StandardRoIHead'
    standard_cfg['bbox_head']['loss_cls'] = dict(type='CrossEntropyLoss')
    torch.manual_seed(0)
    loce = MODELS.build(loce_cfg)
    standard = MODELS.build(standard_cfg)
    standard.load_state_dict(loce.state_dict(), strict=False)
    bags_cfg = copy.deepcopy(standard_cfg)
    bags_cfg['bbox_head']['loss_cls'] = Config.fromfile(
        BAGS_CONFIG).model.roi_head.bbox_head.loss_cls
    bags = MODELS.build(bags_cfg)
    num_classes = bags.bbox_head.num_classes
    bags.bbox_head.loss_cls.set_class_statistics(
        ClassStatistics.from_labels(
            [[c] * (3 * c + 1) for c in range(num_classes)], num_classes))
    return dict(StandardRoIHead=standard, LOCERoIHead=loce, BAGS=bags)


def make_batch(num_images, size=128, num_gts=5, num_proposals=300,
               num_classes=20, seed=0):
    g = torch.Generator().manual_seed(seed)
    x = tuple(
        torch.randn(num_images, 64, size // s, size // s, generator=g)
        for s in (4, 8, 16, 32, 64))
    samples, proposals = [], []
    for _ in range(num_images):
        xy = torch.rand(num_gts, 2, generator=g) * size * 0.6
        wh = torch.rand(num_gts, 2, generator=g) * size * 0.35 + 8
        gts = torch.cat([xy, (xy + wh).clamp(max=size - 1)], 1)
        masks = torch.zeros(num_gts, size, size, dtype=torch.uint8)
        for j, (x1, y1, x2, y2) in enumerate(gts.long().tolist()):
            masks[j, y1:y2, x1:x2] = 1
        sample = DetDataSample(metainfo=dict(
            img_shape=(size, size), pad_shape=(size, size),
            batch_input_shape=(size, size)))
        sample.gt_instances = InstanceData(
            bboxes=gts,
            labels=torch.randint(num_classes, (num_gts, ), generator=g),
            masks=BitmapMasks(masks.numpy(), size, size))
        samples.append(sample)
        near = gts.repeat(num_proposals // (2 * num_gts), 1)
        near = near + torch.randn(near.shape, generator=g) * 6
        far = torch.rand(num_proposals - len(near), 4, generator=g) * size
        boxes = torch.cat([near, far])
        boxes[:, 2:] = torch.maximum(boxes[:, 2:], boxes[:, :2] + 4)
        proposals.append(InstanceData(
            bboxes=boxes.clamp(0, size - 1),
            scores=torch.rand(num_proposals, generator=g)))
    return x, proposals, samples


def step(head, x, proposals, samples):
    losses = head.loss(x, copy.deepcopy(proposals), samples)
    sum(v for k, v in losses.items() if 'loss' in k).backward()
    head.zero_grad(set_to_none=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--iters', type=int, default=20)
    parser.add_argument('--images', type=int, default=8)
    args = parser.parse_args()
    init_default_scope('mmdet')
    heads = build_heads()
    x, proposals, samples = make_batch(args.images)
    with torch.no_grad():
        for _ in range(5):  # the initialiser's job: fill the memory
            heads['LOCERoIHead'].push_to_memory(x, samples)
    for head in heads.values():  # warm-up
        step(head, x, proposals, samples)
    times = {name: [] for name in heads}
    for _ in range(args.iters):
        for name, head in heads.items():
            start = time.perf_counter()
            step(head, x, proposals, samples)
            times[name].append(time.perf_counter() - start)
    median = {k: statistics.median(v) for k, v in times.items()}
    for name, value in median.items():
        print(f'{name:16s} {1000 * value:8.1f} ms / iteration (median of '
              f'{args.iters}, {args.images} images, '
              f'{torch.get_num_threads()} threads)')
    for name in ('LOCERoIHead', 'BAGS'):
        print(f'ratio {name} / StandardRoIHead: '
              f'{median[name] / median["StandardRoIHead"]:.2f}')


if __name__ == '__main__':
    main()
