from typing import List, Optional

import torch
from mmengine.config import Config
from mmengine.registry import DefaultScope
from mmengine.runner.checkpoint import load_checkpoint
from mmpretrain.models.classifiers import ImageClassifier
from mmpretrain.registry import MODELS as PRETRAIN_MODELS
from mmpretrain.structures import DataSample
from torch import Tensor

from lt_mm.registry import MODELS


@MODELS.register_module()
class DistillationClassifier(ImageClassifier):
    """Image classifier trained with a frozen teacher's logits (RIDE's
    distillation, Wang et al., ICLR 2021, Sec. 3.4: a 6-expert RIDE model
    teaches a 3-expert one).

    arXiv: https://arxiv.org/abs/2010.01809

    The teacher is built from the ``model`` of ``teacher_config`` and loads
    ``teacher_checkpoint`` strictly. In training, its logits (the mean over
    its experts for a RIDE model) on the same preprocessed batch reach the
    head's loss as ``teacher_logits`` (:class:`lt_mm.RIDELoss` with
    ``distill_factor``). The teacher is not part of this model's state dict
    or parameters, so checkpoints hold the student alone, and testing is the
    student's.

    Deviation: the teacher runs in eval mode. The authors' trainer never
    switches it from train mode, so its BatchNorm normalises with the
    student's batch statistics and updates its running statistics
    (frank-xwang/RIDE-LongTailRecognition, trainer/trainer.py L22-L38,
    L96-L98).

    Args:
        teacher_config (str): Config file whose ``model`` is the teacher.
        teacher_checkpoint (str): The teacher's trained checkpoint.
        **kwargs: ImageClassifier's arguments (the student).
    """

    def __init__(self, *args, teacher_config: str, teacher_checkpoint: str,
                 **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if not teacher_config or not teacher_checkpoint:
            raise ValueError('DistillationClassifier needs teacher_config and '
                             'teacher_checkpoint')
        self.teacher_config = teacher_config
        self.teacher_checkpoint = teacher_checkpoint
        # kept out of the module tree: not saved, not optimised
        self._teacher: List[torch.nn.Module] = []

    def teacher(self, device) -> torch.nn.Module:
        if not self._teacher:
            cfg = Config.fromfile(self.teacher_config).model
            cfg.pop('data_preprocessor', None)
            # the teacher config names the hosts' types unscoped
            with DefaultScope.overwrite_default_scope('mmpretrain'):
                teacher = PRETRAIN_MODELS.build(cfg)
            load_checkpoint(teacher, self.teacher_checkpoint,
                            map_location='cpu', strict=True)
            teacher.requires_grad_(False)
            self._teacher.append(teacher)
        teacher = self._teacher[0].to(device)
        return teacher.eval()

    def loss(self, inputs: Tensor, data_samples: List[DataSample]) -> dict:
        with torch.no_grad():
            teacher_logits = self.teacher(inputs.device)(inputs,
                                                         mode='tensor')
        feats = self.extract_feat(inputs)
        return self.head.loss(
            feats, data_samples, teacher_logits=teacher_logits.detach())

    def predict(self,
                inputs: Tensor,
                data_samples: Optional[List[DataSample]] = None,
                **kwargs) -> List[DataSample]:
        return super().predict(inputs, data_samples, **kwargs)
