"""Turn an ImageNet-pretrained mmpretrain ResNet / ResNeXt checkpoint into
the initialisation of a multi-expert backbone (lt_mm.MultiExpertResNeXt):
the stem and stages 1-2 go to the shared part, and every expert gets its
own copy of stages 3 and 4, as SADE's authors initialise their Places-LT
ResNet-152 (Vanint/SADE-AgnosticLT, model/model.py L91-L127, init_weights
with caffe=True: layer3s.k / layer4s.k from layer3 / layer4). The
classifier is left out: the multi-expert head starts from its own
initialisation.

    python tools/model_converters/resnet_to_multi_expert.py SRC DST \
        [--num-experts 3]

SRC is a local checkpoint of an mmpretrain ImageNet classifier (keys
``backbone.conv1.weight``, ..., ``backbone.layer4.*``), e.g.
resnet152_8xb32_in1k_20210901-4d7582fa.pth from mmpretrain's model zoo.
A config then trains from DST with ``load_from`` and lists ``head.`` in
``partial_load_keys`` (configs/places_lt/resnet152_sade.py).
"""
import argparse
import re

import torch

_STAGE = re.compile(r'^layer([1-4])\.(.*)$')


def multi_expert_state_dict(state_dict: dict, num_experts: int) -> dict:
    """The backbone keys of ``state_dict`` renamed for
    lt_mm.MultiExpertResNeXt: ``backbone.shared.*`` for the stem and stages
    1-2, ``backbone.experts.{k}.{0,1}.*`` for stages 3-4, copied for every
    expert k.

    Args:
        state_dict (dict): An mmpretrain classifier's state dict (keys
            ``backbone.*``; other keys are dropped).
        num_experts (int): Number of experts.

    Returns:
        dict: The multi-expert backbone's state dict, keys with
        ``backbone.``.
    """
    if num_experts < 1:
        raise ValueError(f'num_experts must be positive, got {num_experts}')
    out = {}
    for key, value in state_dict.items():
        if not key.startswith('backbone.'):
            continue
        name = key[len('backbone.'):]
        match = _STAGE.match(name)
        if match is None or int(match[1]) <= 2:
            out[f'backbone.shared.{name}'] = value
            continue
        stage = int(match[1]) - 3
        for k in range(num_experts):
            out[f'backbone.experts.{k}.{stage}.{match[2]}'] = value.clone()
    if not any(k.startswith('backbone.experts.') for k in out):
        raise ValueError('the checkpoint has no backbone.layer3 / '
                         'backbone.layer4 keys: not an mmpretrain ResNet '
                         'classifier')
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('src', help='mmpretrain ResNet / ResNeXt checkpoint')
    parser.add_argument('dst', help='output checkpoint')
    parser.add_argument('--num-experts', type=int, default=3)
    args = parser.parse_args()
    checkpoint = torch.load(args.src, map_location='cpu', weights_only=True)
    state_dict = checkpoint.get('state_dict', checkpoint)
    converted = multi_expert_state_dict(state_dict, args.num_experts)
    torch.save(dict(state_dict=converted, meta=dict(source=args.src)),
               args.dst)
    print(f'{len(converted)} keys for {args.num_experts} experts written '
          f'to {args.dst}')


if __name__ == '__main__':
    main()
