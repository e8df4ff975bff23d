"""How ``tools/train.py`` and ``tools/test.py`` load checkpoints.

A checkpoint that does not fit the config's model stops the tool with
:class:`lt_mm.engine.CheckpointMismatchError`, naming the missing,
unexpected and reshaped keys, unless

* the user asks for partial loading (``--partial-load``): what fits is
  loaded, the rest keeps its initialisation, and MMEngine's warning lists it;
* or the keys are ones the config declares in ``partial_load_keys``: a
  decoupled second stage whose model differs from its first stage by design
  (BAGS's classifier of other outputs, LWS's scales, a loss's statistics
  buffers), e.g. ::

      partial_load_keys = ['roi_head.bbox_head.fc_cls',
                           'roi_head.bbox_head.loss_cls']

``partial_load_keys`` describes the step from the checkpoint a config starts
from to its own model: its ``load_from`` when it trains and, in
``tools/test.py``, the tested checkpoint only for a config without a
``load_from`` of its own (a test-time stage such as NCM or tau-norm, which
tests the first stage's checkpoint). A config that trains from ``load_from``
is tested with its own checkpoint, which must fit whole. ``--resume`` is
always checked whole: a resumed run continues the model of its checkpoint.
"""
from mmengine.config import Config

_FIELD = 'partial_load_keys'


def configure_checkpoint_loading(cfg: Config,
                                 partial_load: bool = False,
                                 test_checkpoint: str = None) -> None:
    """Make the runner of ``cfg`` refuse checkpoints that do not fit.

    Adds ``lt_mm.StrictLoadHook`` to ``cfg.custom_hooks`` (unless
    ``partial_load``); for testing, also sets ``cfg.load_from``.

    Args:
        cfg (Config): The tool's config, after ``--cfg-options`` and
            ``--resume`` are applied; updated in place.
        partial_load (bool): The user's ``--partial-load``.
        test_checkpoint (str, optional): The checkpoint ``tools/test.py``
            evaluates.
    """
    may_differ = cfg.get(_FIELD, None) or []
    if isinstance(may_differ, str) or not all(
            isinstance(k, str) and k for k in may_differ):
        raise TypeError(f'{_FIELD} must be a list of state-dict key '
                        f'prefixes, got {may_differ!r}')
    resume = bool(cfg.get('resume', False))
    if test_checkpoint is not None:
        if cfg.get('load_from', None) is not None:
            may_differ = []  # the checkpoint is this config's own
        cfg.load_from = test_checkpoint
        resume = False
        source = f'checkpoint {test_checkpoint}'
    elif resume:
        may_differ = []
        source = (f'resumed checkpoint {cfg.load_from}'
                  if cfg.get('load_from', None) else
                  f'the latest checkpoint in {cfg.work_dir}')
    else:
        source = f'load_from checkpoint {cfg.get("load_from", None)}'
    if partial_load:
        if resume:
            raise ValueError(
                '--partial-load does not apply to --resume: a resumed run '
                'continues the model of its checkpoint')
        return
    hooks = list(cfg.get('custom_hooks', None) or [])
    hooks.append(
        dict(
            type='lt_mm.StrictLoadHook',
            may_differ=list(may_differ),
            resume=resume,
            source=source))
    cfg.custom_hooks = hooks
