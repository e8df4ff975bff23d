"""tools/demo.py's LVIS table has a row per IoU type that was evaluated."""
import importlib.util
import os.path as osp

TOOL = osp.join(osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))),
                'tools', 'demo.py')


def load_tool():
    spec = importlib.util.spec_from_file_location('demo_tool', TOOL)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def metrics(*iou_types):
    return {
        f'lvis/{t}_{m}': 0.25
        for t in iou_types for m in ('AP', 'AP50', 'AP75', 'APs', 'APm',
                                     'APl', 'APr', 'APc', 'APf')
    }


def test_a_bbox_only_detector_gets_no_segm_row():
    """A one-stage detector (configs/demo/atss.py, metric='bbox') prints
    one row, not a row of nan for segm."""
    lines = load_tool().format_table(metrics('bbox')).splitlines()
    assert len(lines) == 2 and lines[1].split()[0] == 'bbox'
    assert 'nan' not in lines[1]


def test_a_mask_detector_gets_both_rows():
    lines = load_tool().format_table(metrics('bbox', 'segm')).splitlines()
    assert [line.split()[0] for line in lines[1:]] == ['bbox', 'segm']
    assert lines[2].split()[1:] == ['0.250'] * 9
