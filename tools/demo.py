"""Train and evaluate a long-tailed detector on the demo dataset, end to end.

    python tools/demo.py [CONFIG] [--work-dir DIR]
        [--cfg-options key=value ...]

Generates the synthetic LVIS-format demo set in the config's data_root when
it is missing (lt_mm.datasets.lvis_demo, with the generator arguments of
the config's ``lvis_demo`` when it has one, e.g. the hard preset), trains the
config (a file in configs/demo/), evaluates it on the demo val split the LVIS
way and prints AP, AP50, AP75, APs, APm, APl, APr, APc and APf for bbox and
segm (bbox only for a detector without masks). Everything runs on a CPU in
minutes.
"""
import argparse
import os
import os.path as osp
import sys
import time

from mmengine.config import DictAction

from lt_mm.datasets import lvis_demo
from lt_mm.engine.runner import (build_runner, configure_checkpoint_loading,
                                 load_tool_config)

DEFAULT_CONFIG = 'configs/demo/seesaw_mask_rcnn.py'
CONFIGS = osp.join(osp.dirname(osp.dirname(osp.abspath(__file__))), 'configs')
METRICS = ('AP', 'AP50', 'AP75', 'APs', 'APm', 'APl', 'APr', 'APc', 'APf')


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument(
        'config', nargs='?', default=DEFAULT_CONFIG, help='a demo config')
    parser.add_argument('--work-dir', help='the dir to save logs and models')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override config settings, key=value pairs')
    return parser.parse_args()


def format_table(metrics: dict) -> str:
    """The LVIS table of an evaluator's metrics (keys like lvis/bbox_APr);
    a detector without masks (evaluated with metric='bbox') has no segm
    row."""
    rows = ['      ' + ''.join(f'{m:>7}' for m in METRICS)]
    iou_types = [
        t for t in ('bbox', 'segm')
        if any(key.startswith(f'lvis/{t}_') for key in metrics)
    ] or ['bbox']
    for iou_type in iou_types:
        values = [
            metrics.get(f'lvis/{iou_type}_{m}', float('nan')) for m in METRICS
        ]
        rows.append(f'{iou_type:<6}' + ''.join(f'{v:7.3f}' for v in values))
    return '\n'.join(rows)


def default_work_dir(config: str) -> str:
    """work_dirs/ + the config's path under configs/demo/ (where second
    stages look for their first stage: configs/demo/hard/x.py ->
    work_dirs/demo/hard/x); work_dirs/demo/<name> for a config elsewhere."""
    rel = osp.relpath(osp.abspath(config), CONFIGS)
    if rel.startswith('demo' + os.sep):
        return osp.join('work_dirs', osp.splitext(rel)[0])
    return osp.join('work_dirs', 'demo',
                    osp.splitext(osp.basename(config))[0])


def main():
    args = parse_args()
    start = time.time()
    work_dir = args.work_dir or default_work_dir(args.config)
    cfg = load_tool_config(args.config, args.cfg_options, work_dir)
    val_ann = cfg.test_evaluator.ann_file
    if not osp.exists(val_ann):
        # Demo configs keep the generator's layout under their data_root.
        print(f'[demo] generating the demo dataset in {cfg.data_root}',
              flush=True)
        lvis_demo.generate_lvis_demo(
            cfg.data_root, progress=True,
            **cfg.get('lvis_demo', dict(num_classes=cfg.num_classes)))
    first_stage = cfg.get('load_from')
    if first_stage and not osp.exists(first_stage):
        sys.exit(f'[demo] {args.config} is a second stage: it loads '
                 f'{first_stage}, which does not exist yet: train its first '
                 'stage before (the demo baseline: python tools/demo.py '
                 'configs/demo/mask_rcnn.py)')
    # Evaluate once, after training, with the test loop.
    cfg.val_dataloader = cfg.val_cfg = cfg.val_evaluator = None
    cfg.train_cfg.pop('val_interval', None)
    # a first stage that does not fit is an error, as in tools/train.py
    configure_checkpoint_loading(cfg)

    runner = build_runner(cfg)
    print(f'[demo] training {args.config}; logs in {work_dir}', flush=True)
    runner.train()
    print('[demo] evaluating on the demo val split', flush=True)
    metrics = runner.test()
    print(f'\nLVIS evaluation of {args.config} on {val_ann} '
          f'({(time.time() - start) / 60:.1f} min in all)')
    print(format_table(metrics))


if __name__ == '__main__':
    main()
