"""Train a detector or classifier from an OpenMMLab config.

    python tools/train.py configs/lvis/seesaw_mask_rcnn_r50.py [--work-dir DIR]
        [--resume [CKPT]] [--amp] [--partial-load]
        [--cfg-options key=value ...] [--launcher {none,pytorch,slurm,mpi}]

The config's ``default_scope`` picks the host (mmdet or mmpretrain).

A ``load_from`` or ``--resume`` checkpoint that does not fit the model (keys
missing from it or extra in it, tensors of another shape) stops the run with
an error naming those keys. ``--partial-load`` loads what fits from a
``load_from`` checkpoint instead and keeps the initialisation of the rest. A
decoupled second stage names the keys its model changes by design in its
config's ``partial_load_keys`` (see lt_mm/engine/runner/checkpoint_loading.py).
``--resume`` always needs a checkpoint that fits whole.
"""
import argparse

from lt_mm.engine.runner import (add_common_args, build_runner,
                                 configure_checkpoint_loading,
                                 load_tool_config, parse_tool_args)


def parse_args():
    parser = argparse.ArgumentParser(description='Train a model')
    parser.add_argument('config', help='train config file path')
    parser.add_argument(
        '--amp',
        action='store_true',
        help='enable automatic-mixed-precision training')
    parser.add_argument(
        '--auto-scale-lr',
        action='store_true',
        help='scale the learning rate with the total batch size')
    parser.add_argument(
        '--resume',
        nargs='?',
        type=str,
        const='auto',
        help='resume from this checkpoint, or without a path from the '
        'latest checkpoint in the work directory')
    parser.add_argument(
        '--partial-load',
        action='store_true',
        help='load what fits from a load_from checkpoint that does not fit '
        'the model, keeping the initialisation of the rest (without it, '
        'such a checkpoint is an error)')
    add_common_args(parser)
    return parse_tool_args(parser)


def main():
    args = parse_args()
    cfg = load_tool_config(args.config, args.cfg_options, args.work_dir,
                           args.launcher)
    if args.amp:
        cfg.optim_wrapper.type = 'AmpOptimWrapper'
        cfg.optim_wrapper.loss_scale = 'dynamic'
    if args.auto_scale_lr:
        if 'base_batch_size' not in cfg.get('auto_scale_lr', {}):
            raise RuntimeError('--auto-scale-lr needs auto_scale_lr.'
                               'base_batch_size in the config')
        cfg.auto_scale_lr.enable = True
    # resume priority: given checkpoint > latest in work_dir
    if args.resume == 'auto':
        cfg.resume = True
        cfg.load_from = None
    elif args.resume is not None:
        cfg.resume = True
        cfg.load_from = args.resume
    configure_checkpoint_loading(cfg, args.partial_load)
    build_runner(cfg).train()


if __name__ == '__main__':
    main()
