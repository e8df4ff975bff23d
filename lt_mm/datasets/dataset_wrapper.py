from lt_mm.registry import DATASETS


class DatasetWrapper:
    """What lt_mm's dataset wrappers share with MMEngine's: the wrapped
    dataset (built from its config when given one), its metainfo, and a
    ``full_init`` that can be deferred (``lazy_init``).

    Args:
        dataset (BaseDataset | dict): The dataset to wrap or its config.
        lazy_init (bool): Defer the wrapped dataset's ``full_init``.
            Defaults to False.
    """

    def __init__(self, dataset, lazy_init: bool = False) -> None:
        self.dataset = DATASETS.build(dataset) if isinstance(
            dataset, dict) else dataset
        self._fully_initialized = False
        if not lazy_init:
            self.full_init()

    @property
    def metainfo(self) -> dict:
        return self.dataset.metainfo

    def full_init(self) -> None:
        if self._fully_initialized:
            return
        if hasattr(self.dataset, 'full_init'):
            self.dataset.full_init()
        self._fully_initialized = True
