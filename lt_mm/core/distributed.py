"""Summing statistics over processes, a no-op without a process group."""
import torch
import torch.distributed as dist


def is_distributed() -> bool:
    """Whether a process group of more than one rank exists."""
    return dist.is_available() and dist.is_initialized() and \
        dist.get_world_size() > 1


def all_reduce_sum(tensor: torch.Tensor) -> torch.Tensor:
    """Sum ``tensor`` in place over all ranks when a process group exists.

    Per-step increments of accumulated statistics go through here before they
    are added, so every rank holds the same values (and DDP's buffer
    broadcast from rank 0 changes nothing).

    Args:
        tensor (Tensor): The statistics to sum; overwritten with the sum.

    Returns:
        Tensor: ``tensor`` itself.
    """
    if is_distributed():
        dist.all_reduce(tensor, op=dist.ReduceOp.SUM)
    return tensor
