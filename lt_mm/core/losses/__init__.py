from .seesaw import seesaw_logits

__all__ = ['seesaw_logits']
