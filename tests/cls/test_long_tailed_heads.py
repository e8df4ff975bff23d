"""Heads of decoupled / post-hoc long-tailed classification."""
import math

import pytest
import torch
import torch.nn.functional as F
from mmpretrain.models.heads import LinearClsHead

from lt_mm.core import ClassStatistics
from lt_mm.registry import MODELS


def build(type_, **kwargs):
    return MODELS.build(dict(type=type_, num_classes=3, in_channels=4,
                             **kwargs))


def statistics(counts):
    labels = [[c] for c, n in enumerate(counts) for _ in range(n)]
    return ClassStatistics.from_labels(labels, len(counts))


def test_cosine_head_gives_scaled_cosines():
    head = build('lt_mm.CosineClsHead', scale=30.0)
    assert head.fc.bias is None
    x = torch.randn(5, 4, generator=torch.Generator().manual_seed(0))
    expect = 30 * F.cosine_similarity(x[:, None, :],
                                      head.fc.weight[None, :, :], dim=2)
    torch.testing.assert_close(head((x, )), expect, atol=1e-4, rtol=1e-4)
    # feature and weight norms do not matter
    with torch.no_grad():
        head.fc.weight[1] *= 7
    torch.testing.assert_close(head((3 * x, )), expect, atol=1e-4,
                               rtol=1e-4)


def test_logit_adjusted_head_predicts_with_the_prior_removed():
    head = build('lt_mm.LogitAdjustedClsHead', tau=1.0)
    with torch.no_grad():
        head.fc.weight.zero_()
        head.fc.bias.copy_(torch.tensor([math.log(6), math.log(3), 0.0]))
    x = torch.zeros(1, 4)
    with pytest.raises(RuntimeError, match='ClassStatisticsHook'):
        head.predict((x, ))
    # pi = [6, 3, 1] / 10: z - log pi = log 10 for every class ...
    head.set_class_statistics(statistics([6, 3, 1]))
    scores = head.predict((x, ))[0].pred_score
    torch.testing.assert_close(scores, torch.full((3, ), 1 / 3))
    # ... and a small edge for class 2 wins although its raw logit is lowest
    with torch.no_grad():
        head.fc.bias[2] += 0.1
    assert head.predict((x, ))[0].pred_label.item() == 2
    assert head((x, )).argmax().item() == 0  # training sees raw logits
    # the counts travel with the weights
    state = head.state_dict()
    fresh = build('lt_mm.LogitAdjustedClsHead')
    fresh.load_state_dict(state)
    assert fresh.predict((x, ))[0].pred_label.item() == 2


def test_tau_norm_head_rescales_the_weights_at_prediction():
    head = build('lt_mm.TauNormClsHead', tau=1.0)
    with torch.no_grad():
        head.fc.weight.copy_(torch.tensor([[4.0, 0, 0, 0], [0, 1.0, 0, 0],
                                           [0, 0, 0.5, 0]]))
        head.fc.bias.fill_(1.0)
    x = torch.tensor([[1.0, 2.0, 3.0, 0.0]])
    # raw logits 4 + 1, 2 + 1, 1.5 + 1; normalised weights give x_0, x_1, x_2
    torch.testing.assert_close(head((x, )), torch.tensor([[5.0, 3.0, 2.5]]))
    pred = head.predict((x, ))[0]
    assert pred.pred_label.item() == 2
    torch.testing.assert_close(pred.pred_score, torch.softmax(
        torch.tensor([1.0, 2.0, 3.0]), 0))
    # tau 0 with the bias is the plain classifier
    plain = build('lt_mm.TauNormClsHead', tau=0.0, keep_bias=True)
    plain.load_state_dict(head.state_dict())
    torch.testing.assert_close(plain.predict((x, ))[0].pred_score,
                               torch.softmax(head((x, ))[0], 0))
    # tau 1/2 divides by the square root of the norms
    half = build('lt_mm.TauNormClsHead', tau=0.5)
    half.load_state_dict(head.state_dict())
    torch.testing.assert_close(
        half.normalised_logits((x, )),
        torch.tensor([[4.0 / 2, 2.0 / 1, 1.5 / math.sqrt(0.5)]]))


def test_lws_head_scales_each_class_and_loads_a_linear_checkpoint():
    linear = LinearClsHead(num_classes=3, in_channels=4)
    head = build('lt_mm.LWSClsHead')
    missing, unexpected = head.load_state_dict(linear.state_dict(),
                                               strict=False)
    assert missing == ['scales'] and unexpected == []
    x = torch.randn(5, 4, generator=torch.Generator().manual_seed(1))
    torch.testing.assert_close(head((x, )), linear((x, )))
    with torch.no_grad():
        head.scales.copy_(torch.tensor([1.0, 2.0, 0.5]))
    torch.testing.assert_close(head((x, )),
                               linear((x, )) * torch.tensor([1.0, 2.0, 0.5]))


def test_heads_take_linear_head_arguments():
    for type_ in ('lt_mm.CosineClsHead', 'lt_mm.LogitAdjustedClsHead',
                  'lt_mm.TauNormClsHead', 'lt_mm.LWSClsHead'):
        head = build(type_, loss=dict(type='lt_mm.SoftmaxFocalLoss'),
                     topk=(1, ))
        assert isinstance(head, LinearClsHead)
