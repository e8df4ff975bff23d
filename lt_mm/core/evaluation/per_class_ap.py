"""Per-class AP against training frequency: the long tail in one table.

Each row is one category: its AP (mean precision over IoU thresholds and
recall levels, area 'all'; NaN when the evaluated images hold none of it),
AP50, the number of training images and instances containing it, and its
LVIS frequency group (rare: 1-10 training images, common: 11-100,
frequent: > 100; Gupta et al., CVPR 2019).
"""
import csv
import json
import math
from typing import Dict, List, Sequence

import numpy as np

from ..class_statistics import FREQUENCY_GROUPS

#: Columns of :func:`per_class_table`, in CSV order.
COLUMNS = ('category_id', 'name', 'frequency', 'image_count',
           'instance_count', 'AP', 'AP50')


def per_class_table(cat_ids: Sequence[int], names: Sequence[str],
                    frequency: Sequence[str], image_counts: Sequence[int],
                    instance_counts: Sequence[int], ap: Sequence[float],
                    ap50: Sequence[float]) -> List[dict]:
    """One dict per category with the keys of :data:`COLUMNS`."""
    columns = [cat_ids, names, frequency, image_counts, instance_counts, ap,
               ap50]
    if len({len(c) for c in columns}) != 1:
        raise ValueError('per_class_table: columns differ in length: '
                         f'{[len(c) for c in columns]}')
    return [
        dict(category_id=int(c), name=str(n), frequency=str(f),
             image_count=int(i), instance_count=int(k), AP=float(a),
             AP50=float(a50))
        for c, n, f, i, k, a, a50 in zip(*columns)
    ]


def group_means(rows: Sequence[dict], key: str = 'AP') -> Dict[str, float]:
    """Mean of ``key`` per frequency group over the rows with a value
    (NaN for a group without one); equals LVIS APr / APc / APf for AP."""
    means = {}
    for group in FREQUENCY_GROUPS:
        values = [r[key] for r in rows
                  if r['frequency'] == group and not math.isnan(r[key])]
        means[group] = float(np.mean(values)) if values else float('nan')
    return means


def write_per_class_table(rows: Sequence[dict], prefix: str) -> Dict[str, str]:
    """Write ``{prefix}.csv`` and ``{prefix}.json``; returns the paths.

    The JSON holds ``{"classes": rows, "group_means": {"r": .., ...}}``;
    NaN (no ground truth) is written as null in JSON and empty in CSV.
    """
    paths = dict(csv=f'{prefix}.csv', json=f'{prefix}.json')
    with open(paths['csv'], 'w', newline='') as f:
        writer = csv.DictWriter(f, fieldnames=COLUMNS)
        writer.writeheader()
        for row in rows:
            writer.writerow({
                k: ('' if isinstance(v, float) and math.isnan(v) else v)
                for k, v in row.items()
            })

    def clean(value):
        if isinstance(value, float) and math.isnan(value):
            return None
        return value

    data = dict(
        classes=[{k: clean(v) for k, v in row.items()} for row in rows],
        group_means={g: clean(v) for g, v in group_means(rows).items()})
    with open(paths['json'], 'w') as f:
        json.dump(data, f, indent=1)
    return paths


def read_per_class_table(path: str) -> List[dict]:
    """Rows from a table written by :func:`write_per_class_table` (.csv or
    .json), NaN for a class without AP."""
    if path.endswith('.json'):
        with open(path) as f:
            rows = json.load(f)['classes']
    elif path.endswith('.csv'):
        with open(path, newline='') as f:
            rows = list(csv.DictReader(f))
    else:
        raise ValueError(f'{path}: expected a .csv or .json per-class table')
    out = []
    for row in rows:
        missing = set(COLUMNS) - set(row)
        if missing:
            raise ValueError(f'{path}: row without {sorted(missing)}')

        def num(v):
            return float('nan') if v in (None, '') else float(v)

        out.append(
            dict(category_id=int(row['category_id']), name=row['name'],
                 frequency=row['frequency'],
                 image_count=int(row['image_count']),
                 instance_count=int(row['instance_count']),
                 AP=num(row['AP']), AP50=num(row['AP50'])))
    return out
