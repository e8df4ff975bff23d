"""The state of a process's random number generators, and seeding by keys.

Training draws from four generators: Python's ``random``, numpy's legacy
global generator (mmcv's transforms), torch's CPU generator (RPN / RoI
sampling, dropout, ``torch.randperm``) and, when CUDA is in use, one torch
generator per GPU. :func:`capture_rng_state` and :func:`restore_rng_state`
save and set all of them, so a resumed run continues the uninterrupted run's
sequence; the captured state holds only tensors and Python scalars, so a
checkpoint that carries it still loads with ``torch.load(weights_only=True)``.

:func:`seed_rngs` seeds the three CPU generators from a tuple of keys
(``seed, epoch, rank, worker``) through numpy's ``SeedSequence``, which
hashes the whole tuple: neighbouring keys give unrelated streams, unlike
``seed + worker_id``, where worker 1 of seed 0 equals worker 0 of seed 1.
"""
import random

import numpy as np
import torch


def capture_rng_state() -> dict:
    """The state of every generator this process draws from.

    Returns:
        dict: ``python``, ``numpy`` and ``torch`` states, and ``cuda`` (one
        state per visible GPU) once CUDA has been initialised; before that
        the GPU generators still hold their seeded state, which a fresh
        process reproduces from the seed.
    """
    version, internal, gauss_next = random.getstate()
    _, key, pos, has_gauss, cached_gaussian = np.random.get_state(
        legacy=True)
    state = dict(
        python=(version, internal, gauss_next),
        numpy=dict(
            key=torch.from_numpy(key.astype(np.int64)),
            pos=int(pos),
            has_gauss=int(has_gauss),
            cached_gaussian=float(cached_gaussian)),
        torch=torch.get_rng_state())
    if torch.cuda.is_available() and torch.cuda.is_initialized():
        state['cuda'] = torch.cuda.get_rng_state_all()
    return state


def restore_rng_state(state: dict) -> None:
    """Set every generator to ``state`` from :func:`capture_rng_state`.

    GPU states are restored for the GPUs both processes have; on a machine
    without CUDA they are ignored.
    """
    missing = {'python', 'numpy', 'torch'} - set(state)
    if missing:
        raise KeyError(f'RNG state lacks {sorted(missing)}; it must come '
                       'from capture_rng_state')
    version, internal, gauss_next = state['python']
    random.setstate((version, tuple(internal), gauss_next))
    numpy_state = state['numpy']
    np.random.set_state(
        ('MT19937', numpy_state['key'].numpy().astype(np.uint32),
         numpy_state['pos'], numpy_state['has_gauss'],
         numpy_state['cached_gaussian']))
    torch.set_rng_state(state['torch'])
    if 'cuda' in state and torch.cuda.is_available():
        for device, cuda_state in enumerate(
                state['cuda'][:torch.cuda.device_count()]):
            torch.cuda.set_rng_state(cuda_state, device)


def seed_rngs(*keys: int) -> None:
    """Seed ``random``, numpy and torch (CPU) from the tuple ``keys``.

    Args:
        *keys (int): Non-negative integers, e.g. ``seed, epoch, rank,
            worker_id``; every distinct tuple gives distinct streams.
    """
    if not keys or any(int(k) < 0 for k in keys):
        raise ValueError(f'seed keys must be non-negative integers, got '
                         f'{keys}')
    words = np.random.SeedSequence([int(k) for k in keys]).generate_state(4)
    random.seed(int.from_bytes(words.tobytes(), 'little'))
    np.random.seed(words)
    torch.manual_seed(int(words[0]) | (int(words[1]) << 32))
