"""Running the command-line tools from tests."""
import os
import os.path as osp
import subprocess

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def run(args, timeout=900, **env):
    env = dict(os.environ, PYTHONPATH=ROOT, **env)
    result = subprocess.run(args, cwd=ROOT, capture_output=True, text=True,
                            timeout=timeout, env=env)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-5000:]
    return output


def run_failing(args, timeout=900, **env):
    """Run a tool that must fail; its output (stdout and stderr)."""
    env = dict(os.environ, PYTHONPATH=ROOT, **env)
    result = subprocess.run(args, cwd=ROOT, capture_output=True, text=True,
                            timeout=timeout, env=env)
    output = result.stdout + result.stderr
    assert result.returncode != 0, output[-5000:]
    return output
