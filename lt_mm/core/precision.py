import torch


def at_least_float32(x: torch.Tensor) -> torch.Tensor:
    """Half-precision logits (AMP) upcast to float32; float64 stays, so
    losses remain exact under gradcheck.

    Args:
        x (Tensor): Logits of any floating dtype.

    Returns:
        Tensor: ``x`` in float32, or ``x`` itself when float32 or float64.
    """
    return x.float() if x.dtype in (torch.float16, torch.bfloat16) else x
