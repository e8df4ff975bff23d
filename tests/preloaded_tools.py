"""Command-line tool runs from tests without paying their imports each time.

``python tools/test.py ...`` spends about 10 s of CPU importing torch, mmdet,
mmpretrain and lt_mm before it reads its arguments, most of a short run. A
``PreloadedTools`` server is one process that makes those imports once and
then, for each run, forks a child that executes the tool as
``python tools/X.py ARGS`` / ``python -m MODULE ARGS`` would: its own
``sys.argv``, ``sys.path[0]``, ``__name__ == '__main__'``, stdout and stderr
captured separately, and its exit status that of the interpreter (an
uncaught exception prints its traceback and exits 1, ``sys.exit(n)`` exits
n, a process that ends itself with ``os._exit`` keeps its status).

Each child starts from the server's state after the imports and nothing
else (the server only imports: no model, no data, no training step), so a
run is still a fresh process. It differs from a new interpreter in what is
fixed at start-up: all runs share the server's hash seed, and environment
variables that a library reads when it is loaded do not apply (``env`` is
set in ``os.environ`` before the tool runs; ``OMP_NUM_THREADS`` and the
like come too late). Tests that compare runs across processes, or need such
a variable, start a real process (tests/e2e/test_resume_equality.py).

Run as ``python -m tests.preloaded_tools`` by ``PreloadedTools``: requests
are JSON lines on stdin, answers JSON lines on the stdout it was started
with.
"""
import importlib
import json
import os
import os.path as osp
import runpy
import select
import shutil
import signal
import subprocess
import sys
import tempfile

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))

# What tools/*.py import at the top, and the modules mmdet's registries
# import on their first build (mmdet/registry.py ``locations``), which every
# detection tool run reaches.
PRELOAD = ('lt_mm', 'lt_mm.engine.runner', 'mmdet.datasets', 'mmdet.engine',
           'mmdet.evaluation', 'mmdet.models', 'mmdet.visualization')


class PreloadedTools:
    """Client of a server process that forks each tool run (see above)."""

    def __init__(self, preload=PRELOAD):
        self._dir = tempfile.mkdtemp(prefix='preloaded_tools_')
        self._log = open(osp.join(self._dir, 'server.log'), 'w+')
        self._server = subprocess.Popen(
            [sys.executable, '-m', 'tests.preloaded_tools', *preload],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._log,
            env=dict(os.environ, PYTHONPATH=ROOT))
        self._pending = b''
        self._runs = 0

    def call(self, args, timeout=900, **env):
        """Run ``args`` (``[sys.executable, 'tools/X.py', ...]`` or
        ``[sys.executable, '-m', MODULE, ...]``) with ``env`` added;
        returns the exit status and stdout + stderr."""
        if args[0] != sys.executable or not (
                args[1] == '-m' or str(args[1]).endswith('.py')):
            raise ValueError('not a Python script or -m command line: '
                             f'{args[:2]}')
        self._runs += 1
        out = [
            osp.join(self._dir, f'{self._runs}.{name}')
            for name in ('stdout', 'stderr')
        ]
        request = dict(
            argv=[str(a) for a in args[1:]], env=env, stdout=out[0],
            stderr=out[1])
        self._server.stdin.write(json.dumps(request).encode() + b'\n')
        self._server.stdin.flush()
        try:
            # the first run also waits for the server's imports
            pid = self._answer(timeout)['pid']
        except TimeoutError:
            raise subprocess.TimeoutExpired(args, timeout) from None
        try:
            returncode = self._answer(timeout)['returncode']
        except TimeoutError:
            os.kill(pid, signal.SIGKILL)
            self._answer(60)
            raise subprocess.TimeoutExpired(args, timeout) from None
        output = ''
        for path in out:
            with open(path) as f:
                output += f.read()
            os.remove(path)
        return returncode, output

    def run(self, args, timeout=900, **env):
        """As tests.e2e.tooling.run: the output of a run that succeeds."""
        returncode, output = self.call(args, timeout, **env)
        assert returncode == 0, output[-5000:]
        return output

    def run_failing(self, args, timeout=900, **env):
        """As tests.e2e.tooling.run_failing: the output of a run that must
        fail."""
        returncode, output = self.call(args, timeout, **env)
        assert returncode != 0, output[-5000:]
        return output

    def _answer(self, timeout):
        fd = self._server.stdout.fileno()
        while b'\n' not in self._pending:
            if not select.select([fd], [], [], timeout)[0]:
                raise TimeoutError
            chunk = os.read(fd, 65536)
            if not chunk:
                self._log.seek(0)
                raise RuntimeError('the preloaded tool server ended:\n' +
                                   self._log.read()[-5000:])
            self._pending += chunk
        line, self._pending = self._pending.split(b'\n', 1)
        return json.loads(line)

    def close(self):
        self._server.stdin.close()
        self._server.wait(timeout=60)
        self._log.close()
        shutil.rmtree(self._dir, ignore_errors=True)


def _execute(request, answers):
    """In the forked child: become the tool's process; never returns."""
    os.close(answers)
    for fd, path in enumerate((os.devnull, request['stdout'],
                               request['stderr'])):
        flags = os.O_RDONLY if fd == 0 else (os.O_WRONLY | os.O_CREAT
                                             | os.O_TRUNC)
        opened = os.open(path, flags, 0o644)
        os.dup2(opened, fd)
        os.close(opened)
    os.chdir(ROOT)
    os.environ.update(request['env'])
    argv = request['argv']
    if argv[0] == '-m':
        sys.argv = argv[1:]
        sys.path[0] = ROOT
        runpy.run_module(argv[1], run_name='__main__', alter_sys=True)
    else:
        sys.argv = argv
        sys.path[0] = osp.dirname(osp.abspath(argv[0]))
        runpy.run_path(argv[0], run_name='__main__')
    # the interpreter's own exit: threads joined, atexit run, output flushed
    sys.exit(0)


def serve(preload):
    for module in preload:
        importlib.import_module(module)
    # answers go to the pipe we were started with; anything the imports or
    # tools print to stdout goes to the log
    answers = os.dup(1)
    os.dup2(2, 1)
    for line in sys.stdin:
        request = json.loads(line)
        sys.stdout.flush()  # nothing of ours in the child's buffers
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:
            _execute(request, answers)
        os.write(answers, json.dumps(dict(pid=pid)).encode() + b'\n')
        _, status = os.waitpid(pid, 0)
        returncode = os.waitstatus_to_exitcode(status)
        os.write(answers,
                 json.dumps(dict(returncode=returncode)).encode() + b'\n')


if __name__ == '__main__':
    serve(sys.argv[1:])
