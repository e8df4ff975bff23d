from typing import Dict, List, Optional, Sequence

import numpy as np
from mmengine.evaluator import BaseMetric

from lt_mm.registry import METRICS


@METRICS.register_module()
class ExpertCostMetric(BaseMetric):
    """Mean number of experts and mean GFLOPs per image of a routed
    multi-expert model (RIDE, Wang et al., ICLR 2021, Tables 1-3 report
    both).

    arXiv: https://arxiv.org/abs/2010.01809

    Reads ``num_experts`` and ``gflops`` of each prediction
    (:class:`lt_mm.RoutedExpertClassifier`) and reports ``experts/mean``,
    ``experts/gflops`` (``experts/mflops`` too, for small models) and
    ``experts/share_<n>``, the percentage of images that went through n
    experts (the authors' test.py L111).

    Args:
        collect_device (str): 'cpu' or 'gpu', where the ranks' results are
            gathered. Defaults to 'cpu'.
        prefix (str, optional): Prefix of the metric names. Defaults to
            'experts'.
        collect_dir (str, optional): Directory for gathering the results on
            the CPU. Defaults to None.
    """
    default_prefix = 'experts'

    def __init__(self,
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None,
                 collect_dir: Optional[str] = None) -> None:
        super().__init__(collect_device, prefix, collect_dir)

    def process(self, data_batch, data_samples: Sequence[dict]) -> None:
        for sample in data_samples:
            if 'num_experts' not in sample or 'gflops' not in sample:
                raise KeyError(
                    'ExpertCostMetric needs predictions with num_experts and '
                    'gflops: test with lt_mm.RoutedExpertClassifier')
            self.results.append(
                (int(sample['num_experts']), float(sample['gflops'])))

    def compute_metrics(self, results: List[tuple]) -> Dict[str, float]:
        counts = np.array([r[0] for r in results])
        gflops = np.array([r[1] for r in results])
        metrics = dict(
            mean=float(counts.mean()),
            gflops=float(gflops.mean()),
            mflops=float(gflops.mean() * 1e3))
        for n in range(1, int(counts.max()) + 1):
            metrics[f'share_{n}'] = float((counts == n).mean() * 100)
        return metrics
