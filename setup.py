"""lt_mm: long-tailed recognition plugins for OpenMMLab 2.x.

mmcv must be built with its ops for the installed torch, so the OpenMMLab
packages are installed by ``tools/install.sh`` (or ``mim``) rather than as
hard requirements here.
"""
from pathlib import Path

from setuptools import find_packages, setup

HERE = Path(__file__).parent


def read_requirements(name):
    lines = (HERE / 'requirements' / name).read_text().splitlines()
    return [line.strip() for line in lines
            if line.strip() and not line.startswith(('#', '-'))]


version = {}
exec((HERE / 'lt_mm' / 'version.py').read_text(), version)

setup(
    name='lt_mm',
    version=version['__version__'],
    description='Long-tailed recognition methods as OpenMMLab plugins',
    long_description=(HERE / 'README.md').read_text(encoding='utf-8'),
    long_description_content_type='text/markdown',
    packages=find_packages(exclude=('configs', 'tools', 'tests',
                                    'benchmarks')),
    python_requires='>=3.8',
    install_requires=read_requirements('runtime.txt'),
    extras_require={
        'tests': read_requirements('tests.txt'),
        'optional': read_requirements('optional.txt'),
        'mim': read_requirements('mminstall.txt'),
    },
    license='Apache License 2.0',
    zip_safe=False)
