"""Building and launching a runner from a config, as lt_mm's tools do."""
from .checkpoint_loading import configure_checkpoint_loading
from .dist import init_cpu_distributed
from .tool_config import (add_common_args, build_runner, load_tool_config,
                          parse_tool_args)

__all__ = [
    'add_common_args', 'build_runner', 'configure_checkpoint_loading',
    'init_cpu_distributed', 'load_tool_config', 'parse_tool_args'
]
