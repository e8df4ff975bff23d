"""The label order of an LVIS-format file: label k is the k-th category id.

An LVIS-format annotation file may list its categories in any order (LVIS v1
and v0.5 list them by id; a converted or subset file need not). Label ``k``
must name the same category for the dataset that makes the training targets,
for the class statistics built from those targets and the file's
``frequency`` / ``image_count`` fields (which ACSL, SimCal and the samplers
use), and for the metric that turns predicted labels back into category ids.
All of them take the order from :func:`categories_by_id`:

    label(c) = #{c' in categories : id(c') < id(c)},

the categories sorted by ``id``. On LVIS v1 this is the order of mmdet 3.x
(whose ``LVISV1Dataset`` and ``LVISMetric`` follow the file, listed by id,
and whose class names are the v1 names by id) and of lvis-api's ``LVISEval``
(``params.cat_ids = sorted(...)``), so checkpoints trained with mmdet on LVIS
v1 keep their meaning.
"""
import numbers
from typing import List, Sequence


def categories_by_id(categories: Sequence[dict],
                     source: str = 'the annotation file') -> List[dict]:
    """The categories of an LVIS-format file in label order (sorted by id).

    Args:
        categories (list[dict]): The file's ``categories``, each with an
            integer ``id``.
        source (str): What to name in errors (the file's path).

    Returns:
        list[dict]: The same dicts; entry ``k`` is the category of label k.

    Raises:
        ValueError: A category without an integer ``id``, or two categories
            with the same id (mappings by id would silently keep one).
    """
    seen = set()
    for cat in categories:
        cat_id = cat.get('id') if isinstance(cat, dict) else None
        if not isinstance(cat_id, numbers.Integral) or isinstance(
                cat_id, bool):
            raise ValueError(
                f'{source}: category {cat!r} has no integer "id"')
        if cat_id in seen:
            raise ValueError(
                f'{source}: category id {cat_id} is listed twice in '
                '"categories"')
        seen.add(cat_id)
    return sorted(categories, key=lambda c: int(c['id']))
