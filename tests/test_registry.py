"""lt_mm components resolve as 'lt_mm.<Name>' from both hosts."""
import os.path as osp
import subprocess
import sys
import textwrap

import pytest

import lt_mm
from lt_mm.det import LVISDataset
from lt_mm.engine import ClassStatisticsHook, CPUDistributedDataParallel

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))


def run_python(code: str, cwd: str = ROOT) -> str:
    result = subprocess.run([sys.executable, '-c', textwrap.dedent(code)],
                            cwd=cwd, capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


def test_scope_is_lt_mm():
    assert lt_mm.registry.MODELS.scope == 'lt_mm'
    assert lt_mm.registry.HOOKS.parent.scope == 'mmengine'


@pytest.mark.parametrize('host', ['mmdet', 'mmpretrain'])
def test_components_resolve_from_host(host):
    registry = pytest.importorskip(f'{host}.registry')
    assert registry.HOOKS.get('lt_mm.ClassStatisticsHook') is \
        ClassStatisticsHook
    assert registry.MODEL_WRAPPERS.get('lt_mm.CPUDistributedDataParallel') \
        is CPUDistributedDataParallel
    assert registry.DATASETS.get('lt_mm.LVISDataset') is LVISDataset
    hook = registry.HOOKS.build(dict(type='lt_mm.ClassStatisticsHook'))
    assert isinstance(hook, ClassStatisticsHook)


def test_host_components_are_not_shadowed():
    from mmdet.registry import MODELS
    from mmdet.models.losses import SeesawLoss
    assert MODELS.get('SeesawLoss') is SeesawLoss


def test_custom_imports_in_stock_mmdet_config(tmp_path, demo_data):
    """A stock mmdet LVIS config gains lt_mm through custom_imports."""
    config = tmp_path / 'stock_lvis.py'
    config.write_text(textwrap.dedent(f"""
        _base_ = 'mmdet::lvis/mask-rcnn_r50_fpn_sample1e-3_ms-1x_lvis-v1.py'
        custom_imports = dict(imports=['lt_mm'], allow_failed_imports=False)
        train_dataloader = dict(dataset=dict(dataset=dict(
            type='lt_mm.LVISDataset', data_root='{demo_data}/')))
        """))
    out = run_python(f"""
        import sys
        from mmengine.config import Config
        cfg = Config.fromfile('{config}')
        assert 'lt_mm' in sys.modules, 'custom_imports did not import lt_mm'
        from mmengine.registry import init_default_scope
        from mmdet.registry import DATASETS
        init_default_scope(cfg.default_scope)
        dataset = DATASETS.build(cfg.train_dataloader.dataset)
        print(type(dataset).__name__, type(dataset.dataset).__name__,
              len(dataset.dataset.metainfo['classes']))
        """)
    assert out.split() == ['ClassBalancedDataset', 'LVISDataset', '20']


@pytest.mark.parametrize('missing,present', [('mmpretrain', 'det'),
                                             ('mmdet', 'cls')])
def test_import_with_one_host_only(missing, present):
    absent = 'cls' if present == 'det' else 'det'
    run_python(f"""
        import sys
        sys.modules['{missing}'] = None  # as if it were not installed
        import lt_mm
        assert 'lt_mm.{present}' in sys.modules
        assert 'lt_mm.{absent}' not in sys.modules
        from lt_mm.registry import HOOKS
        assert HOOKS.get('ClassStatisticsHook') is not None
        """)
