"""LVIS evaluation math and per-class tables (numpy; no OpenMMLab imports)."""
from .lvis_eval import (AREA_RANGES, SUMMARY_KEYS, LVISDetections,
                        LVISEvalResult, LVISGroundTruth, lvis_evaluate,
                        summarize, top_per_category, top_per_image)
from .per_class_ap import (COLUMNS, group_means, per_class_table,
                           read_per_class_table, write_per_class_table)

__all__ = [
    'AREA_RANGES', 'COLUMNS', 'SUMMARY_KEYS', 'LVISDetections',
    'LVISEvalResult', 'LVISGroundTruth', 'group_means', 'lvis_evaluate',
    'per_class_table', 'read_per_class_table', 'summarize',
    'top_per_category', 'top_per_image', 'write_per_class_table'
]
