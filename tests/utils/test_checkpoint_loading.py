"""configure_checkpoint_loading: which keys may differ in which tool."""
import pytest
from mmengine.config import Config

from lt_mm.engine.runner import configure_checkpoint_loading

KEYS = ['roi_head.bbox_head.fc_cls']


def config(**fields):
    return Config(dict(work_dir='w', custom_hooks=[dict(type='X')], **fields))


def strict_hook(cfg):
    hooks = [
        h for h in cfg.custom_hooks if h['type'] == 'lt_mm.StrictLoadHook'
    ]
    assert len(hooks) == 1
    assert cfg.custom_hooks[0] == dict(type='X')  # the config's hooks stay
    return hooks[0]


def test_training_from_load_from_allows_the_configs_keys():
    cfg = config(load_from='stage1.pth', partial_load_keys=KEYS)
    configure_checkpoint_loading(cfg)
    hook = strict_hook(cfg)
    assert hook['may_differ'] == KEYS and not hook['resume']
    assert hook['source'] == 'load_from checkpoint stage1.pth'


def test_resume_allows_no_key_and_no_partial_load():
    cfg = config(load_from='epoch_1.pth', resume=True, partial_load_keys=KEYS)
    configure_checkpoint_loading(cfg)
    hook = strict_hook(cfg)
    assert hook['may_differ'] == [] and hook['resume']
    with pytest.raises(ValueError, match='does not apply to --resume'):
        configure_checkpoint_loading(
            config(resume=True, load_from=None), partial_load=True)


def test_testing_a_second_stage_needs_its_own_checkpoint_whole():
    cfg = config(load_from='stage1.pth', partial_load_keys=KEYS)
    configure_checkpoint_loading(cfg, test_checkpoint='bags.pth')
    assert cfg.load_from == 'bags.pth'
    assert strict_hook(cfg)['may_differ'] == []


def test_a_test_time_stage_accepts_its_first_stage_checkpoint():
    # NCM, tau-norm: no load_from; tested with the first stage's checkpoint
    cfg = config(load_from=None, partial_load_keys=['head.fc'])
    configure_checkpoint_loading(cfg, test_checkpoint='ce.pth')
    assert cfg.load_from == 'ce.pth'
    assert strict_hook(cfg)['may_differ'] == ['head.fc']


def test_partial_load_adds_no_check():
    cfg = config(load_from='x.pth')
    configure_checkpoint_loading(cfg, partial_load=True)
    assert cfg.custom_hooks == [dict(type='X')]


def test_partial_load_keys_must_be_a_list():
    with pytest.raises(TypeError, match='partial_load_keys'):
        configure_checkpoint_loading(
            config(load_from='x.pth', partial_load_keys='head.fc'))
