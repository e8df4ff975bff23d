"""lt_mm.core.finite_statistics: rows with a NaN or inf are left out of an
accumulated statistic, counted in buffers that checkpoints carry, and reported
by one warning that names the update; LOCE's feature memory (fcjian/LOCE,
mmdet/models/roi_heads/loce_roi_head.py L264: ``enqueue_dequeue`` stores
every jittered box's feature) keeps only finite features and targets."""
import copy
import threading

import pytest
import torch

from lt_mm.core.feature_memory import ClassFeatureMemory
from lt_mm.core.finite_statistics import (FiniteStatisticsGuard,
                                          finite_rows, zero_rows)
from ..nonfinite import INF, NAN, caught


def counts(guard):
    return guard.skipped_rows.item(), guard.updates.item()


def test_finite_rows_and_zero_rows():
    x = torch.tensor([[1.0, 2.0], [NAN, 0.0], [3.0, -INF], [4.0, 5.0]])
    w = torch.tensor([1.0, 1.0, 1.0, INF])
    labels = torch.tensor([0, 1, 2, 3])  # integers are always finite
    keep = finite_rows(x, w, labels)
    assert keep.tolist() == [True, False, False, False]
    assert finite_rows(x).tolist() == [True, False, False, True]
    # a select, not a product: NaN * 0 would stay NaN
    assert zero_rows(x, keep).tolist() == [[1, 2], [0, 0], [0, 0], [0, 0]]
    assert zero_rows(w, keep).tolist() == [1, 0, 0, 0]
    assert finite_rows(torch.zeros(0, 3), torch.zeros(0)).shape == (0, )
    with pytest.raises(ValueError, match='rows'):
        finite_rows(x, w[:3])


def test_guard_counts_the_rows_it_leaves_out_and_warns_once():
    """Update 1 is finite, update 2 has 2 bad rows of 4, update 3 is finite,
    update 4 has 1 bad row: sums over the finite rows, 3 rows counted, one
    warning, at update 2, naming it and its 2 rows."""
    guard = FiniteStatisticsGuard('toy statistic (sums)')
    total = torch.zeros(2, dtype=torch.float64)
    batches = [
        torch.tensor([[1.0, 1.0]]),
        torch.tensor([[1.0, 2.0], [NAN, 0.0], [3.0, INF], [4.0, 5.0]]),
        torch.tensor([[0.5, 0.5]]),
        torch.tensor([[-INF, 1.0]]),
    ]
    warned = []
    for step, x in enumerate(batches, 1):
        keep = guard.finite_rows(x)
        (sums, ), new = caught(
            lambda: guard.record(zero_rows(x, keep).sum(0).double()))
        total += sums
        warned += [(step, str(w.message)) for w in new]
    assert total.tolist() == [6.5, 8.5]
    assert counts(guard) == (3, 4)
    assert len(warned) == 1
    step, message = warned[0]
    assert step == 2
    assert 'toy statistic (sums)' in message and 'update 2' in message
    assert 'left 2 row(s)' in message


def test_guard_without_rows_to_check_first_is_an_error():
    guard = FiniteStatisticsGuard('toy')
    with pytest.raises(RuntimeError, match='finite_rows'):
        guard.record(torch.zeros(2))


def test_guard_counts_are_saved_and_old_checkpoints_still_load():
    guard = FiniteStatisticsGuard('toy')
    guard.finite_rows(torch.tensor([[NAN], [1.0]]))
    caught(lambda: guard.record(torch.zeros(1)))
    restored = FiniteStatisticsGuard('toy')
    restored.load_state_dict(guard.state_dict())
    assert counts(restored) == (1, 1)
    # a receiver saved before the counts existed: they start at zero
    receiver = torch.nn.Module()
    receiver.register_buffer('sums', torch.ones(3))
    receiver.statistics_guard = FiniteStatisticsGuard('toy')
    receiver.load_state_dict(dict(sums=torch.full((3, ), 2.0)))
    assert receiver.sums.tolist() == [2.0, 2.0, 2.0]
    assert counts(receiver.statistics_guard) == (0, 0)
    # an unrelated missing key is still reported
    with pytest.raises(RuntimeError, match='sums'):
        receiver.load_state_dict({})


def test_guard_deep_copies_with_a_host_copy_in_flight():
    """EMA hooks deep-copy the model; a pending CUDA copy (its event cannot
    be copied, a lock stands in for it here) is left behind."""
    guard = FiniteStatisticsGuard('toy')
    guard._pending.append((torch.zeros(2), threading.Lock()))
    copied = copy.deepcopy(guard)
    assert len(copied._pending) == 0 and len(guard._pending) == 1


def test_memory_keeps_only_finite_features_and_targets():
    """A NaN feature (class 1) and an inf target (class 2) are not stored:
    the queues equal those of the pushes without them."""

    def feats(*values):
        return torch.tensor(values, dtype=torch.float32)[:, None, None]

    memory = ClassFeatureMemory(num_classes=3, queue_size=3)
    clean = ClassFeatureMemory(num_classes=3, queue_size=3)
    targets = torch.tensor([[1.0] * 4, [2.0] * 4, [INF, 0, 0, 0], [4.0] * 4])
    _, warned = caught(lambda: memory.push(
        feats(1, NAN, 3, 4), torch.tensor([1, 1, 2, 1]), targets))
    clean.push(feats(1, 4), torch.tensor([1, 1]), targets[[0, 3]])
    memory.push(feats(5, 6), torch.tensor([2, 1]), torch.zeros(2, 4))
    clean.push(feats(5, 6), torch.tensor([2, 1]), torch.zeros(2, 4))
    for name in ('features', 'targets', 'lengths', 'heads'):
        assert torch.equal(getattr(memory, name), getattr(clean, name))
    assert memory.lengths.tolist() == [0, 3, 1]
    assert counts(memory.statistics_guard) == (2, 2)
    assert len(warned) == 1 and 'memory' in str(warned[0].message)
    # a batch of bad features only stores nothing (and allocates nothing)
    empty = ClassFeatureMemory(num_classes=3, queue_size=3)
    caught(lambda: empty.push(feats(NAN), torch.tensor([0]),
                              torch.zeros(1, 4)))
    assert empty.is_empty() and empty.features.numel() == 0


def test_memory_counts_follow_its_persistence():
    assert ClassFeatureMemory(2, 2).state_dict() == {}
    saved = ClassFeatureMemory(2, 2, persistent=True).state_dict()
    assert 'statistics_guard.skipped_rows' in saved


@pytest.mark.skipif(not torch.cuda.is_available(), reason='needs CUDA')
def test_guard_on_cuda_warns_without_stalling_and_names_the_update():
    """On CUDA the count is read from a copy that lands without waiting for
    the GPU: the warning may come an update later, but it names update 2,
    and the guard deep-copies (EMA hooks copy the model) meanwhile."""
    guard = FiniteStatisticsGuard('toy').cuda()
    warned = []
    for step in range(1, 7):
        x = torch.ones(4, 2, device='cuda')
        if step == 2:
            x[1, 0] = NAN
        keep = guard.finite_rows(x)
        _, new = caught(lambda: guard.record(zero_rows(x, keep).sum(0)))
        copy.deepcopy(guard)
        torch.cuda.synchronize()
        warned += [str(w.message) for w in new]
    assert len(warned) == 1 and 'update 2' in warned[0]
    assert counts(guard) == (1, 6)
