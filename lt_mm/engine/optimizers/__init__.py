from .decoupled_optim_wrapper_constructor import \
    DecoupledOptimWrapperConstructor

__all__ = ['DecoupledOptimWrapperConstructor']
