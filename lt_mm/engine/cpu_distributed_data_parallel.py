from mmengine.model import MMDistributedDataParallel

from lt_mm.registry import MODEL_WRAPPERS


@MODEL_WRAPPERS.register_module()
class CPUDistributedDataParallel(MMDistributedDataParallel):
    """:class:`MMDistributedDataParallel` that also wraps a model on the CPU.

    MMEngine's runner always passes ``device_ids=[LOCAL_RANK]``, which torch's
    DDP rejects for a CPU module; here they are dropped for such a module, so
    ``torchrun`` with gloo trains on machines without a GPU.

    Args:
        module (nn.Module): The model to wrap.
        device_ids (list[int], optional): As in torch's DDP; dropped for a
            module on the CPU. Defaults to None.
        **kwargs: Other arguments of :class:`MMDistributedDataParallel`.
    """

    def __init__(self, module, device_ids=None, **kwargs):
        if next(module.parameters()).device.type == 'cpu':
            device_ids = None
        super().__init__(module=module, device_ids=device_ids, **kwargs)
