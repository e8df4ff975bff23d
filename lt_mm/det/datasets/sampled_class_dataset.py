from typing import Tuple, Union

from lt_mm.datasets.dataset_wrapper import DatasetWrapper
from lt_mm.registry import DATASETS


@DATASETS.register_module()
class SampledClassDataset(DatasetWrapper):
    """Serves an image together with the class a sampler drew it for.

    :class:`lt_mm.BiLevelSampler` yields ``(image index, class)`` pairs; the
    DataLoader hands each pair to this wrapper, which loads the image from the
    wrapped dataset and writes the class into its data sample's metainfo as
    ``sampled_class``, where :class:`lt_mm.SimCalRoIHead` reads it. A plain
    index serves the image with ``sampled_class = -1`` (no class drawn).

    The metainfo travels beside the pipeline instead of through
    ``PackDetInputs``' ``meta_keys``, so any training pipeline works
    unchanged. Should the wrapped dataset replace an image its pipeline
    drops by a random other one (mmdet's datasets do), the class tag stays
    and the head finds no positive of it there, which it handles.

    Args:
        dataset (dict | Dataset): The detection dataset to wrap (not a
            repeat-factor wrapper: the sampler does the balancing).
        lazy_init (bool): Defer the wrapped dataset's ``full_init``.
    """

    def get_data_info(self, idx: int) -> dict:
        return self.dataset.get_data_info(idx)

    def __len__(self) -> int:
        return len(self.dataset)

    def __getitem__(self, idx: Union[int, Tuple[int, int]]) -> dict:
        if isinstance(idx, tuple):
            if len(idx) != 2:
                raise ValueError(
                    f'SampledClassDataset takes an index or an (index, '
                    f'class) pair, got {idx!r}')
            index, sampled_class = int(idx[0]), int(idx[1])
        else:
            index, sampled_class = int(idx), -1
        results = self.dataset[index]
        data_sample = results.get('data_samples') if isinstance(
            results, dict) else None
        if data_sample is None or not hasattr(data_sample, 'set_metainfo'):
            raise TypeError(
                "SampledClassDataset needs a pipeline that ends in a packing "
                "transform giving 'data_samples' (e.g. PackDetInputs)")
        data_sample.set_metainfo(dict(sampled_class=sampled_class))
        return results
