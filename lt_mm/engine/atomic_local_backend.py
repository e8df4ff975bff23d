"""A local file backend whose writes are atomic.

MMEngine's ``LocalBackend.put`` opens the final path and writes into it, so a
process killed during the write leaves a truncated file under that name.
:func:`atomic_write` writes the bytes to a hidden temporary file in the same
directory, flushes and fsyncs it, renames it onto the final name with
:func:`os.replace` (atomic on POSIX and Windows within one file system) and
fsyncs the directory, so a reader sees either the old file or the whole new
one, also after a power loss.
"""
import os
import os.path as osp
import re
import uuid
from pathlib import Path
from typing import Union

from mmengine.fileio import LocalBackend, register_backend

# the name configs and hooks pass as backend_args=dict(backend=...)
ATOMIC_LOCAL_BACKEND = 'lt_mm_atomic_local'
# '.<final name>.<pid>.<random>.lt_mm-partial'
_PARTIAL = re.compile(r'^\..+\.(\d+)\.[0-9a-f]{8}\.lt_mm-partial$')


def _fsync_directory(directory: str) -> None:
    # makes the rename itself durable; directories cannot be opened on Windows
    if os.name != 'posix':
        return
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def atomic_write(data: Union[bytes, str],
                 filepath: Union[str, Path],
                 encoding: str = 'utf-8') -> None:
    """Write ``data`` to ``filepath`` so that no reader sees a partial file.

    Args:
        data (bytes | str): The content; a str is encoded with ``encoding``.
        filepath (str | Path): The final path. Its directory is created if
            missing.
        encoding (str): Encoding of a str ``data``. Defaults to 'utf-8'.
    """
    if isinstance(data, str):
        data = data.encode(encoding)
    filepath = osp.abspath(str(filepath))
    directory, name = osp.split(filepath)
    os.makedirs(directory, exist_ok=True)
    partial = osp.join(
        directory,
        f'.{name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.lt_mm-partial')
    try:
        # a plain open() keeps the umask's permissions (mkstemp would not)
        with open(partial, 'xb') as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(partial, filepath)
    except BaseException:
        if osp.exists(partial):
            os.remove(partial)
        raise
    _fsync_directory(directory)


def _pid_alive(pid: int) -> bool:
    if os.name != 'posix':
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, owned by someone else
        return True
    return True


def remove_stale_partial_files(directory: Union[str, Path]) -> list:
    """Remove the temporary files of writes whose process has died.

    A process killed during :func:`atomic_write` leaves its hidden temporary
    file behind (the final name is untouched). Files of a process that is
    still running (another run writing to the same directory) are kept.

    Returns:
        list[str]: The removed paths.
    """
    directory = str(directory)
    if not osp.isdir(directory):
        return []
    removed = []
    for name in sorted(os.listdir(directory)):
        match = _PARTIAL.match(name)
        if match is None:
            continue
        pid = int(match.group(1))
        if pid != os.getpid() and _pid_alive(pid):
            continue
        path = osp.join(directory, name)
        try:
            os.remove(path)
        except FileNotFoundError:  # removed meanwhile by another process
            continue
        removed.append(path)
    return removed


class AtomicLocalBackend(LocalBackend):
    """:class:`mmengine.fileio.LocalBackend` with atomic ``put`` and
    ``put_text`` (see :func:`atomic_write`); reads, removals and paths are
    the local backend's.

    Registered as ``'lt_mm_atomic_local'``, so it is selected with
    ``backend_args=dict(backend='lt_mm_atomic_local')`` wherever MMEngine
    takes ``backend_args``.
    """

    def put(self, obj: bytes, filepath: Union[str, Path]) -> None:
        atomic_write(obj, filepath)

    def put_text(self,
                 obj: str,
                 filepath: Union[str, Path],
                 encoding: str = 'utf-8') -> None:
        atomic_write(obj, filepath, encoding)


# force: re-importing the module (importlib.reload, tests) registers the same
# name again
register_backend(ATOMIC_LOCAL_BACKEND, AtomicLocalBackend, force=True)
