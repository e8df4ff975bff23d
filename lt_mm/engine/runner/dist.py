"""Distributed start-up for CPU-only machines.

MMEngine's ``init_dist`` calls ``torch.cuda.set_device`` and its model
wrapper passes ``device_ids=[LOCAL_RANK]``; both fail without CUDA. On such a
machine the training and test tools start the process group here with gloo
and wrap the model with :class:`lt_mm.engine.CPUDistributedDataParallel`.
"""
import os

import torch.distributed as dist


def init_cpu_distributed(launcher: str, cfg) -> None:
    """Start a gloo process group and set ``cfg.model_wrapper_cfg``.

    Args:
        launcher (str): Only ``'pytorch'`` (torchrun) sets the rendezvous
            variables a CPU run needs.
        cfg (mmengine.Config): Training or test config, updated in place.
    """
    if launcher != 'pytorch':
        raise ValueError(
            f"launcher '{launcher}' needs CUDA; on a CPU-only machine launch "
            'with torchrun (--launcher pytorch)')
    missing = [k for k in ('RANK', 'WORLD_SIZE', 'MASTER_ADDR', 'MASTER_PORT')
               if k not in os.environ]
    if missing:
        raise RuntimeError(f'--launcher pytorch expects torchrun to set '
                           f'{missing}; start this script with torchrun')
    if not dist.is_initialized():
        dist.init_process_group(backend='gloo')
    wrapper = dict(cfg.get('model_wrapper_cfg') or {})
    wrapper.setdefault('type', 'lt_mm.CPUDistributedDataParallel')
    wrapper.setdefault('broadcast_buffers', False)
    wrapper.setdefault('find_unused_parameters',
                       cfg.get('find_unused_parameters', False))
    cfg.model_wrapper_cfg = wrapper
