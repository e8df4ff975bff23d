from mmdet.datasets import LVISV1Dataset

from lt_mm.core.category_order import categories_by_id
from lt_mm.datasets.label_index import LabelIndexCacheMixin
from lt_mm.registry import DATASETS

_CATEGORY_FIELDS = ('frequency', 'image_count', 'instance_count')


@DATASETS.register_module()
class LVISDataset(LabelIndexCacheMixin, LVISV1Dataset):
    """LVIS-format dataset whose classes come from its annotation file.

    mmdet's ``LVISV1Dataset`` hard-codes the 1203 LVIS v1 names and drops the
    categories' statistics after loading. This one takes the class names from
    the file's categories, so LVIS v1, v0.5, subsets and the demo set load
    with one class, and keeps each category's ``frequency``, ``image_count``
    and ``instance_count`` in ``metainfo`` for
    :class:`lt_mm.ClassStatisticsHook` and per-frequency evaluation.

    Label k is the category with the k-th smallest id
    (:func:`lt_mm.core.category_order.categories_by_id`), for the instances'
    ``bbox_label``, ``cat_ids``, ``cat2label`` and every per-class metainfo
    field alike, whatever order the file lists its categories in;
    :class:`lt_mm.LVISMetric` maps labels back to ids the same way.

    ``metainfo=dict(classes=...)`` may still name the classes, in that
    order; their number must then match the file. Every image's labels are
    read once before the data infos are serialised
    (:class:`LabelIndexCacheMixin`), so samplers and class statistics build
    without unpickling them again.

    Args:
        *args: Positional arguments of mmdet's ``LVISV1Dataset``.
        metainfo (dict, optional): ``classes`` names the classes, in label
            order; other keys as in mmdet. Defaults to None (the names in
            the annotation file).
        **kwargs: Other arguments of mmdet's ``LVISV1Dataset``
            (``ann_file``, ``data_root``, ``pipeline`` ...).
    """
    METAINFO = dict(classes=None, palette='random')

    def __init__(self, *args, metainfo=None, **kwargs):
        self._given_classes = (metainfo or {}).get('classes')
        self._categories = None
        super().__init__(*args, metainfo=metainfo, **kwargs)

    def parse_data_info(self, raw_data_info: dict) -> dict:
        # The parent loads the file into ``self.lvis``, sets ``cat2label``
        # in the file's order, then parses every image and deletes
        # ``self.lvis``. The first image is the one point in between: keep
        # the categories and put the labels in id order before any is made.
        if self._categories is None:
            self._categories = categories_by_id(
                self.lvis.dataset['categories'], source=f"'{self.ann_file}'")
            self.cat_ids = [c['id'] for c in self._categories]
            self.cat2label = {c: k for k, c in enumerate(self.cat_ids)}
        return super().parse_data_info(raw_data_info)

    def load_data_list(self) -> list:
        data_list = super().load_data_list()
        if self._categories is None:
            raise ValueError(f"'{self.ann_file}' has no images")
        names = tuple(c['name'] for c in self._categories)
        if self._given_classes is not None and len(
                self._given_classes) != len(names):
            raise ValueError(
                f'metainfo names {len(self._given_classes)} classes but '
                f"'{self.ann_file}' has {len(names)} categories")
        self._metainfo['classes'] = tuple(self._given_classes or names)
        for field in _CATEGORY_FIELDS:
            if all(field in c for c in self._categories):
                self._metainfo[field] = tuple(
                    c[field] for c in self._categories)
        return data_list
