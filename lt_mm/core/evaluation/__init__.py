"""LVIS evaluation math, proposal recall and per-class tables (numpy; no
OpenMMLab imports)."""
from .lvis_eval import (AREA_RANGES, SUMMARY_KEYS, LVISDetections,
                        LVISEvalResult, LVISGroundTruth, default_iou_thrs,
                        lvis_evaluate, summarize, top_per_category,
                        top_per_image)
from .per_class_ap import (COLUMNS, group_means, per_class_table,
                           read_per_class_table, write_per_class_table)
from .proposal_recall import (box_iou_float32, greedy_match_ious,
                              proposal_recall)

__all__ = [
    'AREA_RANGES', 'COLUMNS', 'SUMMARY_KEYS', 'LVISDetections',
    'LVISEvalResult', 'LVISGroundTruth', 'box_iou_float32',
    'default_iou_thrs', 'greedy_match_ious', 'group_means', 'lvis_evaluate',
    'per_class_table', 'proposal_recall', 'read_per_class_table',
    'summarize', 'top_per_category', 'top_per_image', 'write_per_class_table'
]
