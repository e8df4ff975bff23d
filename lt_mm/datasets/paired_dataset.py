"""Two samples per step from two samplers over one dataset: the data of
BBN's two branches (uniform and reversed sampler, Zhou et al., CVPR 2020)
and of CMO's two images (instance and class-balanced sampler, Park et al.,
CVPR 2022).

:class:`PairedDataset` shows a dataset of ``N`` samples twice: index ``i``
is sample ``i`` of the first stream, index ``N + i`` sample ``i`` of the
second; every item says its stream in the metainfo field ``paired_stream``
(0 or 1). :class:`lt_mm.PairedSampler` draws the two streams and
interleaves them, so a batch of ``2 B`` items holds ``B`` pairs and a model
finds each stream with :func:`paired_streams`.
"""
from typing import List, Sequence, Tuple

from lt_mm.registry import DATASETS
from .dataset_wrapper import DatasetWrapper

PAIRED_STREAM = 'paired_stream'
_USE = ("train_dataloader = dict(dataset=dict(type='lt_mm.PairedDataset', "
        "dataset=...), sampler=dict(type='lt_mm.PairedSampler', ...))")


@DATASETS.register_module()
class PairedDataset(DatasetWrapper):
    """The training set seen as two streams (see the module docstring).

    Args:
        dataset (BaseDataset | dict): The training dataset or its config.
        lazy_init (bool): Defer the inner dataset's ``full_init``, as
            MMEngine's dataset wrappers. Defaults to False.
    """

    def __len__(self) -> int:
        return 2 * len(self.dataset)

    def __getitem__(self, idx: int) -> dict:
        num = len(self.dataset)
        if not 0 <= idx < 2 * num:
            raise IndexError(f'index {idx} out of range for the {num} x 2 '
                             'items of a PairedDataset')
        stream, index = divmod(int(idx), num)
        item = self.dataset[index]
        samples = item.get('data_samples') if isinstance(item, dict) else None
        if samples is None:
            raise TypeError('PairedDataset needs a pipeline that packs '
                            "'data_samples' (PackInputs), to tag the stream")
        samples.set_metainfo({PAIRED_STREAM: stream})
        return item


def paired_streams(data_samples: Sequence) -> Tuple[List[int], List[int]]:
    """Batch positions of the first and of the second stream, in batch
    order: ``first[k]`` and ``second[k]`` are the ``k``-th pair.

    Raises:
        ValueError: if a sample has no stream tag (the batch comes from a
            plain loader) or the streams differ in size.
    """
    streams = [s.metainfo.get(PAIRED_STREAM) for s in data_samples]
    if any(s not in (0, 1) for s in streams):
        raise ValueError(
            'this model trains on pairs of samples from two samplers; the '
            'batch has samples without a paired_stream tag. Use ' + _USE)
    first = [i for i, s in enumerate(streams) if s == 0]
    second = [i for i, s in enumerate(streams) if s == 1]
    if len(first) != len(second):
        raise ValueError(
            f'unpaired batch: {len(first)} samples of the first stream, '
            f'{len(second)} of the second; lt_mm.PairedSampler interleaves '
            'them, so train_dataloader.batch_size must be even')
    return first, second
