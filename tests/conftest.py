import pytest


@pytest.fixture(scope='session')
def demo_data(tmp_path_factory):
    """The default demo dataset, generated once per test session."""
    from lt_mm.datasets import lvis_demo
    root = tmp_path_factory.mktemp('lvis_demo')
    lvis_demo.generate_lvis_demo(str(root))
    return root


@pytest.fixture(scope='session')
def preloaded_tools():
    """Runs tools/*.py and test scripts with their imports made once per
    session (tests/preloaded_tools.py)."""
    from tests.preloaded_tools import PreloadedTools
    tools = PreloadedTools()
    yield tools
    tools.close()
