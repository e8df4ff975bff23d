"""CMO (Park et al., CVPR 2022): the clipped box and its label ratio, the
batch augmentation's pasted pixels, mixed targets, active epochs and
random draws, against naver-ai/cmo cifar_train.py (L279-L311, rand_bbox
L351-L367)."""
import math

import numpy as np
import pytest
import torch

pytest.importorskip('mmpretrain')

from mmengine.logging import MessageHub  # noqa: E402
from mmpretrain.registry import MODELS  # noqa: E402
from mmpretrain.structures import DataSample  # noqa: E402

import lt_mm  # noqa: E402,F401
from lt_mm.core.cmo import box_label_ratio, cutmix_box  # noqa: E402


def test_box_and_label_ratio_by_hand():
    """rand_bbox: cut = int(32 sqrt(1 - lam)), corners centre -/+ cut // 2
    clipped to [0, 32]; lam' = 1 - area / 1024 (cifar_train.py L308)."""
    # lam 0.75: cut 16, rows 10 -/+ 8, columns 20 -/+ 8
    assert cutmix_box(32, 32, 0.75, 10, 20) == (2, 18, 12, 28)
    assert box_label_ratio((2, 18, 12, 28), 32, 32) == 0.75
    # at the border: rows -5 -> 0 .. 11, columns 22 .. 38 -> 32: 11 x 10
    box = cutmix_box(32, 32, 0.75, 3, 30)
    assert box == (0, 11, 22, 32)
    assert box_label_ratio(box, 32, 32) == pytest.approx(1 - 110 / 1024)
    # an odd cut loses a row and a column: 10 x 10, lam 0.5: cut
    # int(7.07) = 7, half 3, so 6 x 6 and lam' = 0.64, not 0.5
    box = cutmix_box(10, 10, 0.5, 5, 5)
    assert box == (2, 8, 2, 8)
    assert box_label_ratio(box, 10, 10) == pytest.approx(0.64)
    # lam 1: an empty box, the background keeps its whole label
    assert box_label_ratio(cutmix_box(32, 32, 1.0, 7, 7), 32, 32) == 1.0
    with pytest.raises(ValueError, match='outside'):
        cutmix_box(32, 32, 0.5, 32, 0)


def preprocessor(**kwargs):
    # mean 0 / std 1: the pixels pass unchanged
    return MODELS.build(
        dict(type='lt_mm.CMODataPreprocessor', num_classes=4, mean=[0.],
             std=[1.], **kwargs))


def paired_batch(labels_bg, labels_min, size=32):
    """A batch as lt_mm.PairedSampler interleaves it: background k, then
    minority k. Backgrounds are 0, minority images are 1."""
    inputs, samples = [], []
    for y_bg, y_min in zip(labels_bg, labels_min):
        for stream, (value, y) in enumerate(((0.0, y_bg), (1.0, y_min))):
            inputs.append(torch.full((1, size, size), value))
            sample = DataSample().set_gt_label(y)
            sample.set_metainfo(dict(paired_stream=stream))
            samples.append(sample)
    return dict(inputs=torch.stack(inputs), data_samples=samples)


def set_epoch(epoch, max_epochs=200):
    hub = MessageHub.get_current_instance()
    hub.update_info('epoch', epoch)
    hub.update_info('max_epochs', max_epochs)


def test_pastes_one_box_and_mixes_targets_by_its_area():
    """cifar_train.py L300-L311: r = rand(); if r < 0.5: lam = beta(1, 1),
    box from (cx, cy) = (randint(H), randint(W)), input[box] = input2[box],
    loss = lam' CE(y) + (1 - lam') CE(y2)."""
    set_epoch(10)
    seed = next(s for s in range(100) if _draws(s)[0] < 0.5)
    coin, lam, row, col = _draws(seed)
    r1, r2, c1, c2 = cutmix_box(32, 32, lam, row, col)
    expected_lam = 1 - (r2 - r1) * (c2 - c1) / 1024
    np.random.seed(seed)
    out = preprocessor()(paired_batch([0, 1], [3, 2]), training=True)
    assert out['inputs'].shape == (2, 1, 32, 32)
    box = torch.zeros(32, 32, dtype=torch.bool)
    box[r1:r2, c1:c2] = True
    for image in out['inputs']:
        assert torch.equal(image[0], box.float())  # minority only in box
    scores = torch.stack([s.gt_score for s in out['data_samples']])
    assert torch.allclose(
        scores,
        torch.tensor([[expected_lam, 0, 0, 1 - expected_lam],
                      [0, expected_lam, 1 - expected_lam, 0]]))
    # the background's labels stay; its target now has the minority share
    assert [int(s.gt_label) for s in out['data_samples']] == [0, 1]


def _draws(seed):
    """The authors' draws in their order: coin, lam, centre row, centre
    column."""
    rng = np.random.RandomState(seed)
    return rng.rand(), rng.beta(1.0, 1.0), rng.randint(32), rng.randint(32)


@pytest.mark.parametrize('epoch,active', [(3, False), (4, True),
                                          (196, True), (197, False)])
def test_active_from_epoch_4_to_196(epoch, active):
    """cifar_train.py L279 / L302: start_data_aug (3) < epoch < epochs (200)
    - end_data_aug (3), 0-indexed epochs; with prob 1 every active batch
    is mixed, the others keep their hard labels and pixels."""
    set_epoch(epoch)
    out = preprocessor(prob=1.0)(paired_batch([0], [3]), training=True)
    assert ('gt_score' in out['data_samples'][0]) == active
    if not active:
        assert torch.equal(out['inputs'], torch.zeros(1, 1, 32, 32))


def test_coin_is_drawn_for_every_batch_and_prob_splits_batches():
    """The coin r is drawn for every batch (cifar_train.py L300), so an
    inactive batch moves numpy's generator by one draw; about half of the
    batches are mixed at mixup_prob 0.5."""
    set_epoch(0)  # inactive
    np.random.seed(0)
    preprocessor()(paired_batch([0], [3]), training=True)
    after = np.random.rand()
    np.random.seed(0)
    np.random.rand()
    assert after == np.random.rand()

    set_epoch(50)
    np.random.seed(1)
    cmo = preprocessor()
    mixed = sum('gt_score' in cmo(paired_batch([0], [3], size=4),
                                  training=True)['data_samples'][0]
                for _ in range(200))
    assert 80 < mixed < 120  # binomial(200, 0.5): 3 standard deviations


def test_needs_a_paired_batch_and_leaves_test_batches():
    set_epoch(10)
    batch = paired_batch([0], [3])
    for s in batch['data_samples']:
        s.set_metainfo(dict(paired_stream=None))
    with pytest.raises(ValueError, match='PairedDataset'):
        preprocessor()(batch, training=True)
    test = preprocessor()(batch, training=False)
    assert test['inputs'].shape[0] == 2
    with pytest.raises(ValueError, match='batch_augments'):
        preprocessor(batch_augments=dict(augments=[]))


@pytest.mark.parametrize('loss', [
    dict(type='CrossEntropyLoss'),
    dict(type='lt_mm.BalancedSoftmaxLoss', num_classes=4)
])
def test_mixed_target_loss_is_the_authors_label_mix(loss):
    """cifar_train.py L311: criterion(output, target) * lam +
    criterion(output, target2) * (1 - lam), for the CE and BS losses that
    CMO is published with (losses.py L61-L73); our losses read the mixed
    target as that expectation."""
    from lt_mm.core import ClassStatistics
    torch.manual_seed(0)
    criterion = MODELS.build(loss)
    if hasattr(criterion, 'set_class_statistics'):
        criterion.set_class_statistics(
            ClassStatistics.from_labels([[0]] * 8 + [[1]] * 4 + [[2]] * 2 +
                                        [[3]], 4))
    logits = torch.randn(2, 4)
    lam = 1 - 110 / 1024
    y, y2 = torch.tensor([0, 1]), torch.tensor([3, 2])
    mixed = lam * torch.nn.functional.one_hot(y, 4) + \
        (1 - lam) * torch.nn.functional.one_hot(y2, 4)
    expected = lam * criterion(logits, y) + (1 - lam) * criterion(logits, y2)
    assert criterion(logits, mixed.float()).item() == pytest.approx(
        expected.item(), rel=1e-5)
    assert not math.isnan(expected.item())
