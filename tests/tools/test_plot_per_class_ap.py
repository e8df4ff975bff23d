"""tools/analysis/plot_per_class_ap.py writes a PNG from a per-class table."""
import importlib.util
import os.path as osp

import numpy as np

from lt_mm.core.evaluation import per_class_table, write_per_class_table

TOOL = osp.join(osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))),
                'tools', 'analysis', 'plot_per_class_ap.py')


def load_tool():
    spec = importlib.util.spec_from_file_location('plot_per_class_ap', TOOL)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_plot_writes_a_png(tmp_path, capsys):
    rng = np.random.default_rng(0)
    counts = np.array([1, 3, 9, 15, 60, 99, 150, 900, 5000, 40])
    freq = np.where(counts <= 10, 'r', np.where(counts <= 100, 'c', 'f'))
    ap = rng.uniform(0, 0.6, len(counts))
    ap[3] = np.nan  # a class without ground truth in the evaluated images
    rows = per_class_table(np.arange(1, 11), [f'c{i}' for i in range(10)],
                           freq, counts, counts * 2, ap, ap)
    paths = write_per_class_table(rows, str(tmp_path / 'per_class_bbox'))
    out = tmp_path / 'fig' / 'ap.png'
    load_tool().main([paths['csv'], paths['json'], '--out', str(out)])
    with open(out, 'rb') as f:
        assert f.read(8) == b'\x89PNG\r\n\x1a\n'
    assert out.stat().st_size > 10000
    assert 'saved' in capsys.readouterr().out
