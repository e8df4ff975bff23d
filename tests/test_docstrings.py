"""Docstrings that Sphinx napoleon parses, with the paper's arXiv link.

Every class registered in an ``lt_mm`` registry documents each ``__init__``
argument in its class docstring's ``Args:`` section, one Google-style entry
``name (type): text`` per argument (continuation lines indented deeper), as
mmdet does (open-mmlab/mmdetection v3.3.0, mmdet/models/losses/seesaw_loss.py
L84-L100, ``SeesawLoss``'s docstring). The public classes and functions that
``lt_mm.core`` and ``lt_mm.core.losses`` export do the same, and functions
also carry ``Returns:``. Method components carry the line
``arXiv: https://arxiv.org/abs/<id>`` of their paper, as mmdet writes it
(the same file, L85-L86).
"""
import inspect
import re

import pytest

import lt_mm
import lt_mm.core
import lt_mm.core.losses
from mmengine.registry import Registry

_SECTION = re.compile(r'^(?P<indent> *)(?P<name>[A-Z][A-Za-z ]*):\s*$')
# ``name (type): text``; ``*args`` and ``**kwargs`` may omit the type.
_ENTRY = re.compile(r'^(?:(?P<name>\w+) \((?P<type>[^()\s][^()]*'
                    r'(?:\([^()]*\)[^()]*)*)\)|'
                    r'(?P<star>\*{1,2}\w+)):(?: (?P<text>\S.*))?$')

# Each method component and the arXiv id of its paper (each id checked
# against the paper's title on its abstract page or the authors' README).
ARXIV = {
    'MaxNormHook': '2203.14197',
    'ClassBalancedSoftmaxBCELoss': '2203.14197',
    'SeesawLoss': '2008.10032',
    'ClsSeesawLoss': '2008.10032',
    'EqualizationLoss': '2003.05176',
    'SoftmaxEQLLoss': '2003.05176',
    'EqualizationLossV2': '2012.08548',
    'EqualizedFocalLoss': '2201.02593',
    'AdaptiveClassSuppressionLoss': '2104.00885',
    'GroupSoftmaxLoss': '2006.10408',
    'ClsGroupSoftmaxLoss': '2006.10408',
    'GroupSoftmaxClsHead': '2006.10408',
    'SimCalRoIHead': '2007.11978',
    'BiLevelSampler': '2007.11978',
    'LOCERoIHead': '2108.07507',
    'EquilibriumLoss': '2108.07507',
    'FederatedLoss': '2103.07461',
    'ClsEquilibriumLoss': '2108.07507',
    'FeatureMemoryInitHook': '2108.07507',
    'LDAMLoss': '1906.07413',
    'DRWHook': '1906.07413',
    'ClassBalancedLoss': '1901.05555',
    'BalancedSoftmaxLoss': '2007.10740',
    'LogitAdjustmentLoss': '2007.07314',
    'LogitAdjustedClsHead': '2007.07314',
    'LWSClsHead': '1910.09217',
    'TauNormClsHead': '1910.09217',
    'NCMClsHead': '1910.09217',
    'NCMHook': '1910.09217',
    'ResetClassifierHook': '1910.09217',
    'DecoupledOptimWrapperConstructor': '1910.09217',
    'ClassAwareSampler': '1910.09217',
    'ClassBalancedSampler': '1910.09217',
    'ClassWeightedSampler': '1910.09217',
    'ProgressiveSampler': '1910.09217',
    'LabelAwareSmoothingLoss': '2104.00466',
    'SoftmaxFocalLoss': '1708.02002',
    'RepeatFactorSampler': '1908.03195',
    'NorCalCalibration': '2107.02170',
    'RIDELoss': '2010.01809',
    'ExpertRouterClsHead': '2010.01809',
    'RoutedExpertClassifier': '2010.01809',
    'ExpertCostMetric': '2010.01809',
    'DistillationClassifier': '2010.01809',
    'BBNBackbone': '1912.02413',
    'BBNClsHead': '1912.02413',
    'BBNClassifier': '1912.02413',
    'CMODataPreprocessor': '2112.00412',
    'SADELoss': '2107.09249',
    'SADEClsHead': '2107.09249',
    'TestTimeAggregationHook': '2107.09249',
}


def _registered_classes():
    classes = {}
    for registry in vars(lt_mm.registry).values():
        if not isinstance(registry, Registry):
            continue
        for name, obj in registry.module_dict.items():
            if inspect.isclass(obj) and obj.__module__.startswith('lt_mm'):
                classes[f'{obj.__module__}.{name}'] = obj
    return classes


def _exported(module):
    return {
        f'{module.__name__}.{name}': getattr(module, name)
        for name in module.__all__
        if inspect.isclass(getattr(module, name))
        or inspect.isfunction(getattr(module, name))
    }


REGISTERED = _registered_classes()
CORE = {**_exported(lt_mm.core), **_exported(lt_mm.core.losses)}


def parse_section(doc, title):
    """The entries of one napoleon section of a docstring.

    Args:
        doc (str): The docstring.
        title (str): The section's title, e.g. ``'Args'``.

    Returns:
        dict | None: Entry name to its text, or ``None`` without the section.
        Raises ``AssertionError`` on a malformed section.
    """
    lines = inspect.cleandoc(doc or '').splitlines()
    for start, line in enumerate(lines):
        match = _SECTION.match(line)
        if match and match['name'] == title:
            break
    else:
        return None
    base = len(match['indent'])
    entries, level, current = {}, None, None
    for line in lines[start + 1:]:
        if not line.strip():
            continue
        indent = len(line) - len(line.lstrip())
        if indent <= base:
            break
        if level is None:
            level = indent
        if indent > level:
            assert current is not None, f'{title}: stray line {line!r}'
            entries[current] += ' ' + line.strip()
            continue
        assert indent == level, f'{title}: misaligned line {line!r}'
        entry = _ENTRY.match(line.strip())
        assert entry, f'{title}: not "name (type): text": {line!r}'
        current = entry['name'] or entry['star'].lstrip('*')
        assert current not in entries, f'{title}: {current} twice'
        entries[current] = entry['text'] or ''
    assert entries, f'{title}: empty section'
    return entries


def _init_owner(cls):
    """The class whose ``__init__`` ``cls`` runs, and its arguments.

    That class's docstring documents them: a subclass that inherits an
    ``lt_mm`` base's ``__init__`` points at the base instead of repeating
    its ``Args:``; one inheriting a host base's (mmdet, mmpretrain,
    mmengine, torch) documents none.
    """
    for klass in cls.__mro__:
        if '__init__' in vars(klass):
            break
    if not klass.__module__.startswith('lt_mm'):
        return klass, [], True
    params = inspect.signature(klass.__init__).parameters.values()
    named = [p.name for p in params
             if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)][1:]
    has_kwargs = any(p.kind == p.VAR_KEYWORD for p in params)
    return klass, named, has_kwargs


def _check_class(cls, where):
    owner, names, has_kwargs = _init_owner(cls)
    assert owner.__doc__, f'{owner.__qualname__}: no docstring'
    _check_args(owner.__doc__, names, has_kwargs,
                where if owner is cls else f'{where} ({owner.__qualname__})')


def _check_args(doc, names, has_kwargs, where):
    args = parse_section(doc, 'Args')
    if not names:
        return
    assert args is not None, f'{where}: no Args: section'
    missing = [name for name in names if name not in args]
    assert not missing, f'{where}: Args: lacks {missing}'
    unknown = [name for name in args
               if name not in names and name not in ('args', 'kwargs')]
    assert has_kwargs or not unknown, \
        f'{where}: Args: documents {unknown}, not arguments'


def test_parser_rejects_malformed_sections():
    good = """Title.

    Args:
        alpha (float): One.
            Continued. Defaults to 1.0.
        beta (int, optional): Two.
        **kwargs: Passed on.
    """
    assert parse_section(good, 'Args') == {
        'alpha': 'One. Continued. Defaults to 1.0.',
        'beta': 'Two.',
        'kwargs': 'Passed on.'
    }
    assert parse_section('Title.', 'Args') is None
    for bad in ('Args:\n    alpha: no type.\n',
                'Args:\n    alpha (float) One.\n',
                'Args:\n    alpha (float), beta (int): Two at once.\n',
                'T.\n\n    Args:\n        alpha (float): One.\n'
                '      beta: Two.\n',
                'Args:\n    alpha (float): One.\n    alpha (float): Two.\n'):
        with pytest.raises(AssertionError):
            parse_section(bad, 'Args')
    with pytest.raises(AssertionError, match='lacks'):
        _check_args(good, ['alpha', 'beta', 'gamma'], False, 'x')
    with pytest.raises(AssertionError, match='not arguments'):
        _check_args(good, ['alpha'], False, 'x')


@pytest.mark.parametrize('qualname', sorted(REGISTERED))
def test_registered_class_documents_every_argument(qualname):
    cls = REGISTERED[qualname]
    assert cls.__doc__, f'{qualname}: no docstring'
    _check_class(cls, qualname)


@pytest.mark.parametrize('qualname', sorted(CORE))
def test_core_export_documents_arguments_and_returns(qualname):
    obj = CORE[qualname]
    assert obj.__doc__, f'{qualname}: no docstring'
    if inspect.isclass(obj):
        _check_class(obj, qualname)
        return
    params = inspect.signature(obj).parameters.values()
    names = [p.name for p in params
             if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]
    has_kwargs = any(p.kind == p.VAR_KEYWORD for p in params)
    _check_args(obj.__doc__, names, has_kwargs, qualname)
    # napoleon's ``Returns:`` holds ``type: text`` (indented one level).
    assert re.search(r'^( *)Returns:\n\1 +\S+.*:',
                     inspect.cleandoc(obj.__doc__), re.M), \
        f'{qualname}: no "Returns:" section with a "type: text" entry'


@pytest.mark.parametrize('name', sorted(ARXIV))
def test_method_component_links_its_paper(name):
    classes = [cls for cls in REGISTERED.values() if cls.__name__ == name]
    assert classes, f'{name} is not registered'
    for cls in classes:
        assert f'arXiv: https://arxiv.org/abs/{ARXIV[name]}' in \
            inspect.cleandoc(cls.__doc__ or ''), \
            f'{cls.__module__}.{name}: no arXiv line for {ARXIV[name]}'
