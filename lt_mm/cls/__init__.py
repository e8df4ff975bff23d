"""mmpretrain 1.x adapters."""
