import pytest


@pytest.fixture(scope='session')
def demo_data(tmp_path_factory):
    """The default demo dataset, generated once per test session."""
    from lt_mm.datasets import lvis_demo
    root = tmp_path_factory.mktemp('lvis_demo')
    lvis_demo.generate_lvis_demo(str(root))
    return root
