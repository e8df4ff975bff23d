"""tools/model_converters/resnet_to_multi_expert.py: an ImageNet ResNet's
stem and stages 1-2 become the shared part and every expert gets its own
copy of stages 3-4, as SADE's authors initialise their Places-LT ResNet-152
(Vanint/SADE-AgnosticLT, model/model.py L96-L116)."""
import importlib.util
import os.path as osp
import sys

import pytest
import torch

TOOL = osp.join(osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))),
                'tools', 'model_converters', 'resnet_to_multi_expert.py')


def load_tool():
    spec = importlib.util.spec_from_file_location('resnet_to_multi_expert',
                                                  TOOL)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_stages_3_4_are_copied_to_every_expert(tmp_path):
    state = {
        'backbone.conv1.weight': torch.tensor([1.0]),
        'backbone.layer1.0.conv1.weight': torch.tensor([2.0]),
        'backbone.layer2.3.bn1.running_mean': torch.tensor([3.0]),
        'backbone.layer3.0.conv2.weight': torch.tensor([4.0]),
        'backbone.layer4.2.downsample.0.weight': torch.tensor([5.0]),
        'head.fc.weight': torch.tensor([6.0]),
    }
    src, dst = tmp_path / 'src.pth', tmp_path / 'dst.pth'
    torch.save(dict(state_dict=state, meta=dict()), src)
    tool = load_tool()
    argv, sys.argv = sys.argv, ['x', str(src), str(dst), '--num-experts', '2']
    try:
        tool.main()
    finally:
        sys.argv = argv
    out = torch.load(dst, weights_only=True)['state_dict']
    expected = {
        'backbone.shared.conv1.weight': 1.0,
        'backbone.shared.layer1.0.conv1.weight': 2.0,
        'backbone.shared.layer2.3.bn1.running_mean': 3.0,
        'backbone.experts.0.0.0.conv2.weight': 4.0,
        'backbone.experts.1.0.0.conv2.weight': 4.0,
        'backbone.experts.0.1.2.downsample.0.weight': 5.0,
        'backbone.experts.1.1.2.downsample.0.weight': 5.0,
    }
    assert {k: float(v) for k, v in out.items()} == expected
    # each expert owns its copy
    out['backbone.experts.0.0.0.conv2.weight'].add_(1)
    assert float(out['backbone.experts.1.0.0.conv2.weight']) == 4.0

    with pytest.raises(ValueError, match='not an mmpretrain ResNet'):
        tool.multi_expert_state_dict({'conv1.weight': torch.zeros(1)}, 3)
