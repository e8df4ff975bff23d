from .checkpoint_loading import configure_checkpoint_loading
from .compat import apply_host_patches
from .dist import init_cpu_distributed
from .tool_config import (add_common_args, build_runner, load_tool_config,
                          parse_tool_args)

__all__ = [
    'add_common_args', 'apply_host_patches', 'build_runner',
    'configure_checkpoint_loading',
    'init_cpu_distributed', 'load_tool_config', 'parse_tool_args'
]
