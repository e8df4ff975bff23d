import os.path as osp
import sys

import pytest

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
sys.path.insert(0, osp.join(ROOT, 'tools', 'dataset_converters'))


@pytest.fixture(scope='session')
def demo_data(tmp_path_factory):
    """The default demo dataset, generated once per test session."""
    import lvis_demo
    root = tmp_path_factory.mktemp('lvis_demo')
    lvis_demo.generate_lvis_demo(str(root))
    return root
