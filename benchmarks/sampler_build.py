"""Build time and peak memory of lt_mm.RepeatFactorSampler against mmengine's
ClassBalancedDataset on the same LVIS-v1-sized dataset, from one run.

    python benchmarks/sampler_build.py [--images 100170] [--vertices 32]

The dataset is an mmdet ``BaseDetDataset`` held in memory with synthetic,
LVIS-like annotations: 1203 classes whose image counts follow LVIS v1's
groups (337 rare in 1-10 images, 461 common in 11-100, 405 frequent, the
largest in 20% of the images), 12.7 instances per image as in LVIS v1
(~1.27 M on 100,170 images), each with a box and a polygon mask of
``--vertices`` points, serialised as mmengine does by default. Every
builder starts from a dataset after its ``full_init``; time and memory
(tracemalloc, which counts numpy buffers too) are measured in separate runs;
times are CPU seconds of the process.

The samplers run twice: on a plain mmdet dataset, where they unpickle every
data info once as ClassBalancedDataset does, and on one with lt_mm's
``LabelIndexCacheMixin`` (as ``lt_mm.LVISDataset`` has), which reads the
labels during ``full_init``; the extra ``full_init`` time that costs is
printed too.
"""
import argparse
import gc
import time
import tracemalloc

import numpy as np
from mmdet.datasets import BaseDetDataset
from mmengine.dataset import ClassBalancedDataset

from lt_mm.datasets.label_index import LabelIndexCacheMixin
from lt_mm.datasets import RepeatFactorSampler

NUM_CLASSES = 1203


def lvis_like_image_counts(num_images, rng):
    """Images per class in LVIS v1's rare / common / frequent proportions."""
    rare = rng.integers(1, 11, 337)
    common = rng.integers(11, 101, 461)
    # Frequent: Zipf-like from 20% of the images (LVIS v1's largest class
    # is in ~20k) down to 101.
    top = 0.2 * num_images
    frequent = (top * np.arange(1, 406)**(-np.log(top / 101) / np.log(405)))
    frequent = np.maximum(frequent.astype(int), 101)
    return rng.permutation(np.concatenate([rare, common, frequent]))


def synthetic_data_list(num_images, vertices, seed=0):
    rng = np.random.default_rng(seed)
    counts = lvis_like_image_counts(num_images, rng)
    images = np.concatenate(
        [rng.choice(num_images, n, replace=False) for n in counts])
    classes = np.repeat(np.arange(NUM_CLASSES), counts)
    order = np.argsort(images, kind='stable')
    images, classes = images[order], classes[order]
    # LVIS v1: 1,270,141 instances on 100,170 images.
    per_pair = rng.geometric(len(images) / (12.68 * num_images), len(images))
    inst_image = np.repeat(images, per_pair)
    inst_label = np.repeat(classes, per_pair).tolist()
    inst_offsets = np.searchsorted(inst_image, np.arange(num_images + 1))
    polygon = rng.uniform(0, 640, (len(inst_label), 2 * vertices)).round(2)
    data_list = []
    for img in range(num_images):
        lo, hi = inst_offsets[img], inst_offsets[img + 1]
        instances = [
            dict(
                ignore_flag=0,
                bbox=[10.0, 20.0, 110.0, 220.0],
                bbox_label=inst_label[i],
                mask=[polygon[i].tolist()]) for i in range(lo, hi)
        ]
        data_list.append(
            dict(
                img_path=f'train2017/{img:012d}.jpg',
                img_id=img,
                height=480,
                width=640,
                instances=instances))
    return data_list


class SyntheticLVIS(BaseDetDataset):
    METAINFO = dict(classes=tuple(f'class_{i}' for i in range(NUM_CLASSES)))

    def __init__(self, data_list, **kwargs):
        self._synthetic = data_list
        super().__init__(ann_file='', data_root='', pipeline=[], **kwargs)

    def load_data_list(self):
        # a shallow copy: each dataset gets its own list of the same infos
        return list(self._synthetic)


class SyntheticLVISWithLabelCache(LabelIndexCacheMixin, SyntheticLVIS):
    pass


BUILDERS = {
    # name: (build, dataset with the label cache)
    'ClassBalancedDataset': (lambda ds: ClassBalancedDataset(
        ds, oversample_thr=1e-3), False),
    'RepeatFactorSampler (ceil)': (lambda ds: RepeatFactorSampler(
        ds, repeat_thr=1e-3, rounding='ceil', seed=0), False),
    'RepeatFactorSampler (stochastic)': (lambda ds: RepeatFactorSampler(
        ds, repeat_thr=1e-3, seed=0), False),
    '  same, label cache (ceil)': (lambda ds: RepeatFactorSampler(
        ds, repeat_thr=1e-3, rounding='ceil', seed=0), True),
    '  same, label cache (stochastic)': (lambda ds: RepeatFactorSampler(
        ds, repeat_thr=1e-3, seed=0), True),
}


def init_time(dataset_type, data_list):
    """The dataset and the CPU seconds of its ``full_init``."""
    dataset = dataset_type(data_list, lazy_init=True)
    gc.collect()
    start = time.process_time()
    dataset.full_init()
    return dataset, time.process_time() - start


def build_time(build, dataset):
    """CPU seconds of this process (single-threaded work, so it does not
    depend on what else the machine runs)."""
    gc.collect()
    start = time.process_time()
    built = build(dataset)
    return time.process_time() - start, len(built)


def build_peak_memory(build, dataset):
    gc.collect()
    tracemalloc.start()
    built = build(dataset)  # noqa: F841 (kept alive until the peak is read)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--images', type=int, default=100170)
    parser.add_argument('--vertices', type=int, default=32)
    args = parser.parse_args()

    data_list = synthetic_data_list(args.images, args.vertices)
    dataset, plain_init = init_time(SyntheticLVIS, data_list)
    cached, cached_init = init_time(SyntheticLVISWithLabelCache, data_list)
    del data_list
    num_instances = sum(
        len(dataset.get_data_info(i)['instances'])
        for i in range(len(dataset)))
    print(f'{len(dataset)} images, {num_instances} instances, '
          f'{NUM_CLASSES} classes, serialised '
          f'{dataset.data_bytes.nbytes / 2**20:.0f} MiB')
    print(f'full_init: {plain_init:.2f} s, with the label cache '
          f'{cached_init:.2f} s (+{cached_init - plain_init:.2f} s)')
    rows = []
    for name, (build, with_cache) in BUILDERS.items():
        ds = cached if with_cache else dataset
        seconds, length = build_time(build, ds)
        peak = build_peak_memory(build, ds)
        rows.append((name, seconds, peak, length))
    ref_s, ref_mem = rows[0][1], rows[0][2]
    print(f'{"builder":<34}{"CPU s":>8}{"ref / ours":>12}{"peak MiB":>10}'
          f'{"ours / ref":>12}{"epoch len":>11}')
    for name, seconds, peak, length in rows:
        print(f'{name:<34}{seconds:8.2f}{ref_s / seconds:12.2f}'
              f'{peak / 2**20:10.1f}{peak / ref_mem:12.2f}{length:11d}')


if __name__ == '__main__':
    main()
