"""The long-tailed classification methods end to end on the digits demo:
every method config builds and takes a training step, LDAM-DRW and post-hoc
logit adjustment train and test through the tools, and the decoupled second
stages (cRT, LWS, BAGS, MiSLAS' label-aware smoothing, tau-norm, NCM) start
from a first-stage checkpoint and change only the classifier.

The tools run through the session's preloaded tool server
(tests/preloaded_tools.py): nothing here compares runs across processes or
needs an environment variable at start-up."""
import glob
import os.path as osp
import re
import sys

import pytest
import torch

from .tooling import ROOT

pytest.importorskip('mmpretrain')
pytest.importorskip('sklearn')

# one short epoch: the first 96 training images keep all ten digits
FAST = [
    'train_cfg.max_epochs=1', 'train_cfg.val_interval=1',
    'train_dataloader.batch_size=48'
]
SECOND_STAGES = {
    'bags': ('head.fc.', ),
    'crt': ('head.fc.', ),
    'lws': ('head.scales', ),
    'las': ('head.', ),
}


def configs():
    return sorted(
        osp.relpath(p, ROOT)
        for p in glob.glob(osp.join(ROOT, 'configs/digits_lt/*.py')))


def top1(output):
    return float(re.findall(r'lt/top1: ([\d.]+)', output)[-1])


def train(tools, config, work_dir, *options):
    return tools.run([
        sys.executable, 'tools/train.py', config, '--work-dir',
        str(work_dir), '--cfg-options', *FAST, *options
    ])


def run_test(tools, config, checkpoint, work_dir):
    return tools.run([
        sys.executable, 'tools/test.py', config,
        str(checkpoint), '--work-dir',
        str(work_dir)
    ])


@pytest.mark.parametrize('config', configs())
def test_every_method_config_builds_and_steps(config):
    from mmengine.config import Config
    from mmengine.registry import DefaultScope
    from mmpretrain.registry import MODELS
    from mmpretrain.structures import DataSample

    from lt_mm.core import ClassStatistics

    cfg = Config.fromfile(osp.join(ROOT, config))
    cfg.model.setdefault('data_preprocessor', cfg.data_preprocessor)
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        model = MODELS.build(cfg.model)
    counts = [124, 80, 51, 33, 21, 14, 9, 5, 3, 2]
    stats = ClassStatistics.from_labels(
        [[c] for c, n in enumerate(counts) for _ in range(n)], 10)
    for module in model.modules():
        if hasattr(module, 'set_class_statistics'):
            module.set_class_statistics(stats)
        if hasattr(module, 'set_deferred_reweighting'):
            module.set_deferred_reweighting(0.9999)
    labels = torch.arange(10).repeat(2)
    data = dict(
        inputs=torch.randint(0, 255, (20, 1, 8, 8)).float(),
        data_samples=[DataSample().set_gt_label(int(y)) for y in labels])
    if cfg.train_dataloader.dataset.type == 'lt_mm.PairedDataset':
        # BBN / CMO: pairs from two samplers, as lt_mm.PairedSampler
        # interleaves them, in the second epoch (CMO on from epoch 1)
        from mmengine.logging import MessageHub
        for i, sample in enumerate(data['data_samples']):
            sample.set_metainfo(dict(paired_stream=i % 2))
        MessageHub.get_current_instance().update_info_dict(
            dict(epoch=1, max_epochs=20))
    data = model.data_preprocessor(data, True)
    if cfg.model.head.type == 'lt_mm.NCMClsHead':
        feats = model.extract_feat(data['inputs'])
        model.head.accumulate_feature_mean(feats)
        model.head.accumulate(feats, labels)
        preds = model.predict(data['inputs'])
        assert len(preds) == 20
        return
    model.train()
    losses = model.loss(data['inputs'], data['data_samples'])
    loss = sum(v for v in losses.values())
    assert torch.isfinite(loss)
    loss.backward()
    model.eval()
    # CMO trains on the 10 backgrounds of the 10 pairs
    assert len(model.predict(data['inputs'])) == len(data['inputs'])


@pytest.fixture(scope='module')
def baseline(tmp_path_factory, preloaded_tools):
    work_dir = tmp_path_factory.mktemp('ce')
    train(preloaded_tools, 'configs/digits_lt/ce.py', work_dir)
    return work_dir / 'epoch_1.pth'


def test_ldam_drw_trains_with_deferred_reweighting(preloaded_tools,
                                                   tmp_path):
    output = train(preloaded_tools, 'configs/digits_lt/ldam_drw.py', tmp_path,
                   'train_cfg.max_epochs=2', 'custom_hooks.0.start_epoch=1')
    assert 'DRW: class-balanced weights (beta 0.9999) from epoch 2' in output
    assert 'handed to head.loss_module' in output
    assert 0 <= top1(output) <= 100


def test_post_hoc_adjustment_tests_from_its_checkpoint(preloaded_tools,
                                                       tmp_path):
    train(preloaded_tools, 'configs/digits_lt/posthoc_la.py', tmp_path)
    checkpoint = tmp_path / 'epoch_1.pth'
    state = torch.load(checkpoint, weights_only=False)['state_dict']
    assert state['head.class_counts'].tolist() == [
        124, 80, 51, 33, 21, 14, 9, 5, 3, 2
    ]
    output = run_test(preloaded_tools, 'configs/digits_lt/posthoc_la.py',
                      checkpoint, tmp_path)
    assert 'class statistics' not in output  # no training data needed
    assert 0 <= top1(output) <= 100


@pytest.mark.parametrize('method', sorted(SECOND_STAGES))
def test_second_stage_trains_only_the_classifier(method, baseline,
                                                 preloaded_tools, tmp_path):
    output = train(preloaded_tools, f'configs/digits_lt/{method}.py', tmp_path,
                   f'load_from={baseline}')
    first = torch.load(baseline, weights_only=False)['state_dict']
    second = torch.load(tmp_path / 'epoch_1.pth',
                        weights_only=False)['state_dict']
    trained = SECOND_STAGES[method]
    changed = {
        k for k in second
        if k not in first or not torch.equal(first[k], second[k])
    }
    # buffers of the loss (class counts) arrive from the statistics hook
    changed = {k for k in changed if not k.startswith('head.loss_module.')}
    if method in ('crt', 'lws', 'las'):
        # the authors' frozen backbone in train mode: its BatchNorm
        # statistics follow the class-balanced batches, its weights stay
        bn_stats = {k for k in changed if k.startswith('backbone.') and
                    k.rsplit('.', 1)[1] in ('running_mean', 'running_var',
                                            'num_batches_tracked')}
        assert bn_stats, 'the backbone BatchNorm statistics did not shift'
        changed -= bn_stats
    assert changed and all(k.startswith(trained) for k in changed), changed
    if method in ('bags', 'crt'):
        assert 're-initialised head.fc' in output
    assert 0 <= top1(output) <= 100


@pytest.mark.parametrize('method', ['tau_norm', 'ncm'])
def test_test_time_classifiers_use_the_first_stage_checkpoint(
        method, baseline, preloaded_tools, tmp_path):
    output = run_test(preloaded_tools, f'configs/digits_lt/{method}.py',
                      baseline, tmp_path)
    if method == 'ncm':
        assert 'NCM class means from 342 training samples' in output
    assert 0 <= top1(output) <= 100
