"""lt_mm.StrictLoadHook and load_state_dict_mismatch: every key that does
not fit is named, and a module that adapts what it loads is judged by what
it accepts (as torch.nn.Module.load_state_dict judges it)."""
from types import SimpleNamespace

import pytest
import torch
import torch.nn as nn

from lt_mm.engine import (CheckpointMismatchError, StrictLoadHook,
                          load_state_dict_mismatch)


class LazyQueue(nn.Module):
    """A buffer allocated on first use, loaded at the saved shape (as
    lt_mm.core.feature_memory.ClassFeatureMemory loads its queues)."""

    def __init__(self):
        super().__init__()
        self.register_buffer('queue', torch.zeros(0))

    def _load_from_state_dict(self, state_dict, prefix, *args, **kwargs):
        if prefix + 'queue' in state_dict:
            saved = state_dict[prefix + 'queue']
            self.queue = self.queue.new_empty(saved.shape)
        super()._load_from_state_dict(state_dict, prefix, *args, **kwargs)


def model(classes=3):
    torch.manual_seed(0)
    return nn.ModuleDict(
        dict(
            backbone=nn.Sequential(nn.Linear(2, 4), nn.BatchNorm1d(4)),
            fc_cls=nn.Linear(4, classes),
            memory=LazyQueue()))


def test_mismatch_names_missing_unexpected_and_reshaped_keys():
    state = model(classes=5).state_dict()
    del state['backbone.1.running_var']
    del state['backbone.1.num_batches_tracked']  # older checkpoints lack it
    state['extra.weight'] = torch.ones(1)
    target = model(classes=3)
    mismatch = load_state_dict_mismatch(target, state)
    assert mismatch.missing == ['backbone.1.running_var']
    assert mismatch.unexpected == ['extra.weight']
    assert mismatch.shape == [('fc_cls.weight', (5, 4), (3, 4)),
                              ('fc_cls.bias', (5, ), (3, ))]
    assert mismatch.other == []
    # what fits is loaded
    assert torch.equal(target.backbone[0].weight, state['backbone.0.weight'])
    assert not mismatch.without(['fc_cls', 'backbone.1', 'extra']).keys()
    assert mismatch.without(['fc_cls.weight']).shape == [
        ('fc_cls.bias', (5, ), (3, ))
    ]
    # a prefix matches whole module names only
    assert len(mismatch.without(['fc']).shape) == 2


def test_a_module_that_reshapes_on_load_is_no_mismatch():
    state = model().state_dict()
    state['memory.queue'] = torch.arange(6.).view(2, 3)
    target = model()
    assert not load_state_dict_mismatch(target, state)
    assert torch.equal(target.memory.queue, state['memory.queue'])


def runner_for(module):
    return SimpleNamespace(
        model=module, logger=SimpleNamespace(info=lambda msg: None))


def test_hook_refuses_a_checkpoint_of_another_class_count():
    checkpoint = dict(state_dict={
        f'module.{k}': v
        for k, v in model(classes=5).state_dict().items()
    })
    hook = StrictLoadHook(source='checkpoint c.pth')
    with pytest.raises(CheckpointMismatchError) as error:
        hook.after_load_checkpoint(runner_for(model(classes=3)), checkpoint)
    message = str(error.value)
    assert message.startswith('checkpoint c.pth does not fit the model')
    assert 'fc_cls.weight [5, 4] vs [3, 4]' in message
    assert 'fc_cls.bias [5] vs [3]' in message
    assert '--partial-load' in message

    # the keys a config names may differ
    StrictLoadHook(may_differ=['fc_cls']).after_load_checkpoint(
        runner_for(model(classes=3)), checkpoint)
    with pytest.raises(CheckpointMismatchError, match='resume'):
        StrictLoadHook(resume=True).after_load_checkpoint(
            runner_for(model(classes=3)), checkpoint)


def test_hook_rejects_a_string_for_its_key_list():
    with pytest.raises(TypeError, match='list of state-dict key prefixes'):
        StrictLoadHook(may_differ='fc_cls')
