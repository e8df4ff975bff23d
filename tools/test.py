"""Test (evaluate) a checkpoint with the config's test evaluator.

    python tools/test.py CONFIG CHECKPOINT [--work-dir DIR] [--out RESULTS.pkl]
        [--show-dir DIR] [--partial-load] [--cfg-options key=value ...]
        [--launcher {none,pytorch,slurm,mpi}]

For LVIS configs the evaluator prints AP, APr, APc and APf for bbox and segm.

A CHECKPOINT that does not fit the config's model (another class count, keys
missing from it or extra in it) stops with an error naming those keys, rather
than evaluating a partly random model. ``--partial-load`` evaluates it anyway,
with what fits loaded and the rest at its initialisation. A test-time stage
without a ``load_from`` of its own (NCM, tau-norm) accepts the first stage's
checkpoint with the keys its config lists in ``partial_load_keys``.
"""
import argparse

from lt_mm.engine.runner import (add_common_args, build_runner,
                                 configure_checkpoint_loading,
                                 load_tool_config, parse_tool_args)


def parse_args():
    parser = argparse.ArgumentParser(description='Test (and eval) a model')
    parser.add_argument('config', help='test config file path')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument(
        '--out', help='dump the raw predictions to this pickle file')
    parser.add_argument(
        '--show-dir',
        help='save images with drawn predictions here (relative paths are '
        'taken inside the run directory, as the hosts do)')
    parser.add_argument(
        '--partial-load',
        action='store_true',
        help='evaluate a checkpoint that does not fit the model: load what '
        'fits, keep the initialisation of the rest (without it, such a '
        'checkpoint is an error)')
    add_common_args(parser)
    return parse_tool_args(parser)


def enable_visualization(cfg, show_dir: str) -> None:
    hook = cfg.default_hooks.get('visualization')
    if hook is None:
        raise RuntimeError('--show-dir needs a visualization hook in '
                           'default_hooks')
    if cfg.default_scope == 'mmdet':
        hook.update(draw=True, test_out_dir=show_dir)
    else:  # mmpretrain's VisualizationHook
        hook.update(enable=True, out_dir=show_dir)


def dump_metric(scope: str, out_file: str):
    if scope == 'mmdet':  # encodes masks as RLE before pickling
        from mmdet.evaluation import DumpDetResults
        return DumpDetResults(out_file_path=out_file)
    from mmengine.evaluator import DumpResults
    return DumpResults(out_file_path=out_file)


def main():
    args = parse_args()
    if args.out is not None and not args.out.endswith(('.pkl', '.pickle')):
        raise ValueError(f'--out must be a .pkl or .pickle file: {args.out}')
    cfg = load_tool_config(args.config, args.cfg_options, args.work_dir,
                           args.launcher)
    configure_checkpoint_loading(
        cfg, args.partial_load, test_checkpoint=args.checkpoint)
    if args.show_dir is not None:
        enable_visualization(cfg, args.show_dir)
    runner = build_runner(cfg)
    if args.out is not None:
        runner.test_evaluator.metrics.append(
            dump_metric(cfg.default_scope, args.out))
    runner.test()


if __name__ == '__main__':
    main()
