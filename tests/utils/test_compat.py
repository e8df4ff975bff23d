"""Host patches: weights-only checkpoint loading and lvis-api on numpy 2."""
import io
import pickle
import subprocess
import sys

import numpy as np
import pytest
import torch
from mmengine.logging import HistoryBuffer, MessageHub

import lt_mm  # noqa: F401  (applies the patches)


def mmengine_style_checkpoint(path):
    hub = MessageHub('test_compat')
    for value in (1.0, 2.0, 3.0):
        hub.update_scalar('train/loss', value)
    hub.update_info('iter', np.int64(7))
    torch.save(
        dict(
            meta=dict(epoch=1, seed=np.int64(3)),
            state_dict=dict(w=torch.ones(2)),
            message_hub=hub.state_dict()), path)


def test_mmengine_checkpoint_loads_weights_only(tmp_path):
    path = str(tmp_path / 'ckpt.pth')
    mmengine_style_checkpoint(path)
    ckpt = torch.load(path, weights_only=True)
    buffer = ckpt['message_hub']['log_scalars']['train/loss']
    assert isinstance(buffer, HistoryBuffer)
    assert buffer.mean() == pytest.approx(2.0)
    assert buffer.statistics('max') == 3.0


def test_the_same_checkpoint_fails_without_lt_mm(tmp_path):
    path = str(tmp_path / 'ckpt.pth')
    mmengine_style_checkpoint(path)
    result = subprocess.run(
        [sys.executable, '-c', f'import torch; torch.load({path!r})'],
        capture_output=True, text=True)
    assert result.returncode != 0
    assert 'Weights only load failed' in result.stderr


class _Sneaky:
    """Pickles as getattr(HistoryBuffer, '__init__'): not a statistic."""

    def __reduce__(self):
        return getattr, (HistoryBuffer, '__init__')


def test_getattr_is_allowed_only_for_history_buffer_statistics():
    buf = io.BytesIO()
    torch.save({'x': _Sneaky()}, buf)
    buf.seek(0)
    with pytest.raises(pickle.UnpicklingError, match='HistoryBuffer'):
        torch.load(buf, weights_only=True)


def test_lvis_eval_sees_removed_numpy_aliases_numpy_does_not():
    import lvis.eval
    assert lvis.eval.np.float is float
    assert lvis.eval.np.cumsum is np.cumsum
    if np.lib.NumpyVersion(np.__version__) >= '1.24.0':
        assert not hasattr(np, 'float')
