from typing import List

from mmengine.logging import MessageHub
from mmpretrain.models.classifiers import ImageClassifier
from mmpretrain.structures import DataSample
from torch import Tensor

from lt_mm.core.bbn import cumulative_learning_alpha
from lt_mm.datasets.paired_dataset import paired_streams
from lt_mm.registry import MODELS


def current_epoch():
    """``(epoch, max_epochs)`` of the running training loop, from MMEngine's
    message hub (``RuntimeInfoHook`` updates it before every epoch, also
    after a resume)."""
    hub = MessageHub.get_current_instance()
    epoch, max_epochs = hub.get_info('epoch'), hub.get_info('max_epochs')
    if epoch is None or max_epochs is None:
        raise RuntimeError(
            "the message hub has no 'epoch' / 'max_epochs': train through "
            "MMEngine's Runner (RuntimeInfoHook sets them) or set them with "
            'MessageHub.get_current_instance().update_info')
    return int(epoch), int(max_epochs)


@MODELS.register_module()
class BBNClassifier(ImageClassifier):
    """BBN (Zhou et al., `BBN: Bilateral-Branch Network with Cumulative
    Learning for Long-Tailed Visual Recognition
    <https://arxiv.org/abs/1912.02413>`_, CVPR 2020): an image classifier
    whose training step runs the conventional branch on the first stream of
    a :class:`lt_mm.PairedDataset` batch (uniform sampler) and the
    re-balancing branch on the second (:class:`lt_mm.ReversedSampler`),
    each stream through the shared layers on its own, as the authors'
    (lib/core/combiner.py L43-L46, so BatchNorm sees each stream's batch),
    and mixes them with ``alpha = 1 - (epoch / T)^2`` of the current epoch
    (:func:`lt_mm.core.bbn.cumulative_learning_alpha`).

    arXiv: https://arxiv.org/abs/1912.02413

    The backbone is a :class:`lt_mm.BBNBackbone`, the head a
    :class:`lt_mm.BBNClsHead`; testing is ImageClassifier's on a plain
    loader (both branches on each image, equal weights).
    """

    def loss(self, inputs: Tensor, data_samples: List[DataSample]) -> dict:
        first, second = paired_streams(data_samples)
        feats = []
        for positions, branch in ((first, 'conventional'),
                                  (second, 'rebalancing')):
            x = self.backbone(inputs[positions], branch=branch)
            feats.append(self.neck(x) if self.with_neck else x)
        epoch, max_epochs = current_epoch()
        return self.head.loss_bilateral(
            feats[0], feats[1], [data_samples[i] for i in first],
            [data_samples[i] for i in second],
            cumulative_learning_alpha(epoch, max_epochs))
