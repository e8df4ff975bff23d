from .compat import apply_host_patches
from .dist import init_cpu_distributed
from .tool_config import (add_launcher_args, build_runner, load_tool_config,
                          set_local_rank)

__all__ = [
    'add_launcher_args', 'apply_host_patches', 'build_runner',
    'init_cpu_distributed', 'load_tool_config', 'set_local_rank'
]
