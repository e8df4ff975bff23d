"""Config handling shared by ``tools/train.py`` and ``tools/test.py``."""
import os
import os.path as osp

import torch
from mmengine.config import Config

from .dist import init_cpu_distributed


def load_tool_config(config: str,
                     cfg_options: dict = None,
                     work_dir: str = None,
                     launcher: str = 'none') -> Config:
    """Load a config the way the hosts' tools do, for any host.

    The config's ``default_scope`` (``'mmdet'``, ``'mmpretrain'``) picks the
    host; lt_mm's components and host patches are in place whichever host
    runs (importing this module imported lt_mm). On a machine without CUDA a
    distributed launch gets a gloo process group and a CPU-capable DDP
    wrapper.
    """
    cfg = Config.fromfile(config)
    cfg.launcher = launcher
    if cfg_options is not None:
        cfg.merge_from_dict(cfg_options)
    # work_dir priority: command line > config > config file name
    if work_dir is not None:
        cfg.work_dir = work_dir
    elif cfg.get('work_dir', None) is None:
        cfg.work_dir = osp.join('./work_dirs',
                                osp.splitext(osp.basename(config))[0])
    if 'default_scope' not in cfg:
        raise ValueError(f"'{config}' has no default_scope: set it to the "
                         "host that runs it ('mmdet' or 'mmpretrain')")
    if launcher != 'none' and not torch.cuda.is_available():
        init_cpu_distributed(launcher, cfg)
    return cfg


def build_runner(cfg: Config):
    """Build the config's runner (a custom ``runner_type`` if it names one)."""
    from mmengine.registry import RUNNERS
    from mmengine.runner import Runner
    if 'runner_type' in cfg:
        return RUNNERS.build(cfg)
    return Runner.from_cfg(cfg)


def add_common_args(parser) -> None:
    """Options that train.py and test.py share with the hosts' tools."""
    from mmengine.config import DictAction
    parser.add_argument('--work-dir', help='the dir to save logs and models')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override config settings, key=value pairs merged into the '
        'config, e.g. train_cfg.max_epochs=1 or key="[a,b]"')
    parser.add_argument(
        '--launcher',
        choices=['none', 'pytorch', 'slurm', 'mpi'],
        default='none',
        help='job launcher')
    # torch.distributed.launch passes --local-rank
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)


def parse_tool_args(parser):
    args = parser.parse_args()
    if 'LOCAL_RANK' not in os.environ:
        os.environ['LOCAL_RANK'] = str(args.local_rank)
    return args
