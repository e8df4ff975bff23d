from typing import Sequence, Tuple


def check_expert_layout(num_experts: int, expert_channels: Sequence[int],
                        stages: str) -> Tuple[int, int]:
    """The arguments every multi-expert backbone takes: a positive number
    of experts and the two positive widths of the ``stages`` each expert
    owns. Returns the widths as a tuple."""
    if not isinstance(num_experts, int) or num_experts < 1:
        raise ValueError(
            f'num_experts must be a positive integer, got {num_experts}')
    expert_channels = tuple(expert_channels)
    if len(expert_channels) != 2 or min(expert_channels) <= 0:
        raise ValueError('expert_channels must be the two positive widths '
                         f'of stages {stages}, got {expert_channels}')
    return expert_channels
