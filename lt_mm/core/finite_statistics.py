"""Statistics accumulated over training never absorb a non-finite value.

EQL v2's gradient sums, Seesaw's cumulative counts, LOCE's mean scores and
feature memory and NCM's class sums add something at every step, for the
whole run: one NaN makes such a sum NaN for good (EQL v2 then weights every
class 1 and silently trains plain BCE), and an inf, e.g. an fp16 overflow
under AMP, skews it for good. Every accumulator therefore passes the rows it
is about to add through a :class:`FiniteStatisticsGuard`:

    keep = guard.finite_rows(logits, weights)     # (N,) bool
    # ... build this step's increments from the kept rows only ...
    sums, counts = guard.record(sums, counts)     # summed over ranks
    buffer += sums

A row with a NaN or inf anywhere (logits, weights, targets, features) is left
out and counted, and the first one is reported by one
:class:`NonFiniteStatisticsWarning` naming the update. Under torch.distributed
every rank leaves out its own rows before the increments are summed over
ranks, so one rank's NaN does not reach the others, and the count travels in
the same all-reduce, so every rank holds the same counts. The loss of such a
row is not changed: it may be non-finite for that step (the optimizer or the
AMP loss scaler deals with it), but the statistics stay finite.
"""
import warnings
from collections import deque
from typing import Optional, Tuple

import torch
import torch.nn as nn
from torch import Tensor

from .distributed import all_reduce_sum, is_distributed


class NonFiniteStatisticsWarning(RuntimeWarning):
    """Rows with NaN or inf values were left out of a training statistic.

    ``warnings.simplefilter('error', NonFiniteStatisticsWarning)`` makes a
    run stop at the first one instead.
    """


def finite_rows(*tensors: Tensor) -> Tensor:
    """(N,) bool: the rows whose values are all finite in every tensor.

    A row is tested by the sum of its values over all tensors, which is NaN
    or inf exactly when one of them is, unless finite values overflow it
    (beyond 3e38 in float32): such a row is left out too. One reduction per
    tensor; ``isfinite().all(1)`` is an order of magnitude slower on the CPU.

    Args:
        *tensors (Tensor): (N, ...) tensors, one row per sample (a 1-D tensor
            has one value per row); integer tensors are always finite.
    """
    if not tensors:
        raise ValueError('finite_rows needs at least one tensor')
    num_rows = len(tensors[0])
    if any(len(t) != num_rows for t in tensors):
        raise ValueError('the tensors must have one number of rows, got '
                         f'{[len(t) for t in tensors]}')
    total = None
    for t in tensors:
        if not t.is_floating_point():
            continue
        # half precision sums in float32: fp16 overflows at 65504
        dtype = torch.float32 if t.element_size() < 4 else t.dtype
        row_sums = t.to(dtype) if t.dim() == 1 else t.flatten(1).sum(
            1, dtype=dtype)
        total = row_sums if total is None else total + row_sums.to(
            total.device)
    if total is None:
        return torch.ones(num_rows, dtype=torch.bool,
                          device=tensors[0].device)
    return total.isfinite()


def zero_rows(x: Tensor, keep: Tensor) -> Tensor:
    """``x`` with the rows outside ``keep`` set to 0: a select, because a
    product with 0 keeps a NaN. On the CPU, where reading ``keep`` costs no
    wait for a device, ``x`` itself when every row is kept."""
    if not keep.is_cuda and bool(keep.all()):
        return x
    return torch.where(keep.view(-1, *[1] * (x.dim() - 1)), x, 0)


class FiniteStatisticsGuard(nn.Module):
    """Leaves the non-finite rows out of an accumulated statistic, counts
    them, and warns once.

    Buffers (in checkpoints unless ``persistent`` is False; a checkpoint
    saved before they existed loads with them at 0):

    - ``updates``: updates recorded so far (:meth:`record` calls; one per
      training step for a loss), resumed runs included;
    - ``skipped_rows``: rows left out so far, summed over ranks.

    The warning names the receiver, the update and its number of rows left
    out. On CUDA each update's count is read on the host from a copy that
    lands without waiting for the GPU (a read would stall the step), so the
    warning may come an update or two late; it names the right update.

    Args:
        name (str): The receiver and its statistic, as the warning names them,
            e.g. ``'EqualizationLossV2 (pos_grad, neg_grad)'``.
        persistent (bool): Save the counts in the state dict. Defaults to
            True.
    """

    def __init__(self, name: str, persistent: bool = True) -> None:
        super().__init__()
        self.name = name
        for buffer in ('updates', 'skipped_rows'):
            self.register_buffer(buffer, torch.zeros((), dtype=torch.long),
                                 persistent)
        self._skipped: Optional[Tensor] = None  # this update's, per rank
        self._warned = False
        # on CUDA: (pinned host copy of [update, rows left out], its event)
        # for each update whose copy may still be on its way
        self._pending: deque = deque()

    def finite_rows(self, *tensors: Tensor) -> Tensor:
        """(N,) bool of the rows to accumulate (see :func:`finite_rows`);
        the others count at the next :meth:`record`."""
        keep = finite_rows(*tensors)
        self._skipped = (~keep).sum()
        return keep

    @torch.no_grad()
    def record(self, *increments: Tensor,
               reduce: bool = True) -> Tuple[Tensor, ...]:
        """Close the update opened by :meth:`finite_rows`.

        With ``reduce`` the increments (built from the kept rows) and the
        number of rows left out are summed over ranks in one all-reduce;
        every rank must call it, as for :func:`all_reduce_sum`. Then the
        counts are updated and, the first time rows were left out, the
        warning is given.

        Returns:
            tuple[Tensor]: The increments, summed over ranks with ``reduce``.
        """
        if self._skipped is None:
            raise RuntimeError(
                f'{self.name}: call finite_rows() on the rows to accumulate '
                'before record()')
        skipped, self._skipped = self._skipped, None
        if reduce and is_distributed():
            device = increments[0].device if increments else skipped.device
            flat = all_reduce_sum(
                torch.cat([t.reshape(-1).double() for t in increments] +
                          [skipped.reshape(1).double().to(device)]))
            *parts, skipped = flat.split([t.numel()
                                          for t in increments] + [1])
            increments = tuple(
                p.view_as(t).to(t.dtype) for p, t in zip(parts, increments))
        # a float64 sum of integers is exact
        skipped = skipped.reshape(()).long().to(self.skipped_rows.device)
        self.updates += 1
        self.skipped_rows += skipped
        if not self._warned:
            self._check(skipped)
        return increments

    def _check(self, skipped: Tensor) -> None:
        """Warn if this update (on CUDA: an earlier one) left rows out."""
        if not skipped.is_cuda:
            self._warn(int(self.updates), int(skipped))
            return
        # reading a GPU value on the host waits for all queued work: copy
        # it without waiting, read it once the copy has landed
        host = torch.empty(2, dtype=torch.long, pin_memory=True)
        host.copy_(torch.stack([self.updates, skipped]), non_blocking=True)
        landed = torch.cuda.Event()
        landed.record(torch.cuda.current_stream(skipped.device))
        self._pending.append((host, landed))
        if len(self._pending) > 64:  # the host far ahead: wait for one
            self._pending[0][1].synchronize()
        while self._pending and self._pending[0][1].query():
            update, rows = self._pending.popleft()[0].tolist()
            self._warn(update, rows)
            if self._warned:
                self._pending.clear()

    def _warn(self, update: int, rows: int) -> None:
        if rows > 0:
            self._warned = True
            warnings.warn(
                f'{self.name}: left {rows} row(s) with NaN or inf values '
                f'out of its statistics at update {update} (an fp16 '
                'overflow under AMP or a bad batch?); the statistics stay '
                'finite, the loss of those rows may not be. Rows left out '
                'are counted in the buffer statistics_guard.skipped_rows; '
                'this warning is given once.', NonFiniteStatisticsWarning)

    def __getstate__(self) -> dict:
        # a copy on its way (a CUDA event) cannot be copied: deepcopy (EMA
        # hooks) and pickling start a new one at the next update
        state = super().__getstate__()
        state['_pending'] = deque()
        return state

    def _load_from_state_dict(self, state_dict, prefix, local_metadata,
                              strict, missing_keys, unexpected_keys,
                              error_msgs) -> None:
        # checkpoints saved before the counts existed: they start at 0
        absent = [
            prefix + name for name in self._buffers
            if name not in self._non_persistent_buffers_set
            and prefix + name not in state_dict
        ]
        super()._load_from_state_dict(state_dict, prefix, local_metadata,
                                      strict, missing_keys, unexpected_keys,
                                      error_msgs)
        for key in absent:
            if key in missing_keys:
                missing_keys.remove(key)
