#!/usr/bin/env bash
# One-command environment for lt_mm in the active Python.
#
#   bash tools/install.sh
#
# Keeps an installed torch (GPU users: install your CUDA build of torch and
# the matching torchvision first), otherwise installs torch 2.14.1 with
# torchvision 0.29.1. mmpretrain imports torchvision everywhere, and no
# torchvision on PyPI imports beside the CPU-only torch wheels (their ops link
# against libtorch_cuda), so the CPU torch 2.13.0 wheel is not enough.
# Builds mmcv 2.1.0 with its ops only when `mmcv.ops` does not already import
# at that version, so a second run takes seconds.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python}
PIP="$PY -m pip"
MMCV_VERSION=2.1.0

step() { printf '\n[lt_mm install] %s\n' "$*"; }

# True when every requirement in the given files is installed, so that a
# second run skips pip's slow resolution.
satisfied() {
    $PY - "$@" <<'PYEOF' 2>/dev/null
import sys
from importlib.metadata import version
from packaging.requirements import Requirement
for path in sys.argv[1:]:
    for line in open(path):
        line = line.split('#')[0].strip()
        if line and not line.startswith('-'):
            req = Requirement(line)
            assert req.specifier.contains(version(req.name), prereleases=True)
PYEOF
}

if $PY -c "import torch" 2>/dev/null; then
    step "keeping torch $($PY -c 'import torch; print(torch.__version__)')"
else
    step "installing torch 2.14.1 and torchvision 0.29.1"
    $PIP install torch==2.14.1 torchvision==0.29.1
fi

if ! $PY -c "import torchvision" 2>/dev/null; then
    # torchvision 0.N pairs with torch 2.(N-15)
    tv=$($PY -c "import torch; print('0.%d.*' % (int(torch.__version__.split('.')[1]) + 15))")
    step "installing torchvision==$tv for the installed torch"
    $PIP install --no-deps "torchvision==$tv"
    if ! $PY -c "import torchvision" 2>/dev/null; then
        $PIP uninstall -y -q torchvision
        echo "No torchvision from PyPI imports beside torch" \
             "$($PY -c 'import torch; print(torch.__version__)') (a CPU-only" \
             "build?), and mmpretrain needs one. Install a matching pair," \
             "e.g. 'pip install torch==2.14.1 torchvision==0.29.1', and rerun." >&2
        exit 1
    fi
fi

if ! satisfied requirements/build.txt; then
    step "build requirements"
    $PIP install -q -r requirements/build.txt
fi

if $PY - <<PYEOF 2>/dev/null
import mmcv, mmcv.ops
assert mmcv.__version__ == '$MMCV_VERSION', mmcv.__version__
PYEOF
then
    step "mmcv $MMCV_VERSION with ops already installed"
else
    step "building mmcv $MMCV_VERSION with ops (15-25 minutes on 2 cores)"
    # Torch >= 2.14 headers need C++20 but mmcv's setup.py hard-codes c++17.
    # No wheel cache: a cached mmcv may have been built against another torch.
    cxx_std=$($PY -c "import torch; v=tuple(int(x) for x in torch.__version__.split('+')[0].split('.')[:2]); print('c++20' if v >= (2, 14) else 'c++17')")
    export MMCV_WITH_OPS=1 MAX_JOBS=${MAX_JOBS:-$(nproc)}
    if [ "$cxx_std" = "c++17" ]; then
        # An isolated build silently produces mmcv without ops.
        $PIP install --no-cache-dir --no-build-isolation "mmcv==$MMCV_VERSION"
    else
        src=$(mktemp -d)
        $PIP download --no-deps --no-binary :all: -d "$src" "mmcv==$MMCV_VERSION"
        tar -xzf "$src"/mmcv-*.tar.gz -C "$src"
        sed -i 's/-std=c++17/-std=c++20/g' "$src"/mmcv-$MMCV_VERSION/setup.py
        $PIP install --no-cache-dir --no-build-isolation "$src/mmcv-$MMCV_VERSION"
        rm -rf "$src"
    fi
    $PY -c "import mmcv.ops" || { echo "mmcv was built without its ops" >&2; exit 1; }
fi

reqs=(requirements/mminstall.txt requirements/runtime.txt
      requirements/tests.txt requirements/optional.txt)
if ! satisfied "${reqs[@]}"; then
    step "OpenMMLab hosts, LVIS evaluation, test requirements"
    $PIP install -q "${reqs[@]/#/-r}"
fi
installed_from=$(cd / && $PY -c "import importlib.util as u; print(u.find_spec('lt_mm').submodule_search_locations[0])" 2>/dev/null || true)
if [ "$installed_from" != "$PWD/lt_mm" ]; then
    step "lt_mm (editable)"
    $PIP install -q --no-build-isolation --no-deps -e .
fi

$PY -c "import lt_mm, mmdet.models, mmpretrain.models, mmcv.ops; import mmdet, mmpretrain, torch; print('lt_mm', lt_mm.__version__, '| torch', torch.__version__, '| mmcv', mmcv.__version__, '| mmdet', mmdet.__version__, '| mmpretrain', mmpretrain.__version__)"
