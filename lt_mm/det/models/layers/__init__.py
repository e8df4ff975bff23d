from .normed_predictors import NormedConv2d, NormedLinear

__all__ = ['NormedConv2d', 'NormedLinear']
