from .cmo_data_preprocessor import CMODataPreprocessor

__all__ = ['CMODataPreprocessor']
