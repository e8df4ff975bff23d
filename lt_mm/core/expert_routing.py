"""Expert routing of RIDE (Wang et al., "Long-tailed Recognition by Routing
Diverse Distribution-Aware Experts", ICLR 2021, Sec. 3.3): after the experts
are trained, a small router decides per sample whether the next expert is
worth running, so easy samples stop after the first expert.

Router i (i = 0 .. K-2) looks at expert i's pooled feature and the mean
logits of experts 0..i. It is trained (experts frozen) with a binary
cross-entropy whose positive class weighs ``pos_weight`` on the target

    h_i = (ensemble of experts 0..i is wrong) and
          (some ensemble of experts 0..j, j > i, is right),

"an expert further on would help" (frank-xwang/RIDE-LongTailRecognition,
model/ldam_drw_resnets/ea_resnet_cifar.py L219-L234; the loss is averaged
over the K - 1 routers). At test time expert i + 1 runs for the samples
whose router i says sigmoid > 0.5 and that reached expert i; the prediction
is the mean logits of the experts a sample went through (L235-L250).

The cost of a sample that went through n experts is

    shared + sum_{k < n} expert_k + sum_{k < min(n, K - 1)} router_k,

the authors' GFLOPs count with the share of samples reaching each expert
(utils/gflops.py).
"""
from typing import Callable, List, Sequence, Tuple

import torch
from torch import Tensor


def router_targets(expert_logits: Sequence[Tensor], labels: Tensor) -> Tensor:
    """(N, K - 1) float targets h_i of the K - 1 routers.

    Args:
        expert_logits (Sequence[Tensor]): K (N, C) logits, in expert order.
        labels (Tensor): (N, ) class indices.

    Returns:
        Tensor: (N, K - 1) targets in {0, 1}.
    """
    if len(expert_logits) < 2:
        raise ValueError('routing needs at least two experts, got '
                         f'{len(expert_logits)}')
    if labels.dim() != 1:
        raise ValueError('router targets need class indices (N, ), got '
                         f'shape {tuple(labels.shape)}')
    cumulative = torch.stack(list(expert_logits)).cumsum(0)
    # the argmax of a sum equals that of the mean
    correct = (cumulative.argmax(2) == labels[None]).T  # (N, K)
    later = correct.flip(1).cummax(1).values.flip(1)  # any at >= i
    targets = ~correct[:, :-1] & later[:, 1:]
    return targets.float()


def routed_mean_logits(
        num_experts: int, num_samples: int,
        run_expert: Callable[[int, Tensor], Tuple[Tensor, Tensor]],
        wants_next: Callable[[int, Tensor, Tensor], Tensor]
) -> Tuple[Tensor, Tensor]:
    """Routed inference: run the experts one after the other on the samples
    whose router asks for more.

    Args:
        num_experts (int): K.
        num_samples (int): N.
        run_expert: ``run_expert(k, rows)`` -> (features, logits) of expert k
            on the samples ``rows`` (a LongTensor of indices).
        wants_next: ``wants_next(i, features, mean_logits)`` -> bool mask:
            router i on expert i's features and the mean logits of experts
            0..i of the same rows.

    Returns:
        tuple[Tensor, Tensor]: (N, C) mean logits of the experts each sample
        went through, and (N, ) the number of experts it went through.
    """
    rows = torch.arange(num_samples)
    feats, logits = run_expert(0, rows)
    rows = rows.to(logits.device)
    total = logits.clone()
    counts = torch.ones(num_samples, dtype=torch.long, device=logits.device)
    for k in range(1, num_experts):
        if not len(rows):
            break
        keep = wants_next(k - 1, feats, total[rows] / k)
        rows = rows[keep]
        if not len(rows):
            break
        feats, logits = run_expert(k, rows)
        total[rows] += logits
        counts[rows] += 1
    return total / counts[:, None].to(total), counts


def routed_cost(counts: Tensor, shared: float, experts: Sequence[float],
                routers: Sequence[float]) -> Tensor:
    """Per-sample cost of routed inference (see the module docstring).

    Args:
        counts (Tensor): (N, ) number of experts each sample went through.
        shared (float): Cost of the shared part.
        experts (Sequence[float]): K costs, one per expert (with its
            classifier).
        routers (Sequence[float]): K - 1 costs, one per router.

    Returns:
        Tensor: (N, ) float64 costs.
    """
    if len(routers) != len(experts) - 1:
        raise ValueError(f'{len(experts)} experts need {len(experts) - 1} '
                         f'router costs, got {len(routers)}')
    expert_sum = torch.tensor([0.0, *experts], dtype=torch.float64).cumsum(0)
    router_sum = torch.tensor([0.0, *routers], dtype=torch.float64).cumsum(0)
    n = counts.long().cpu()
    if (n < 1).any() or (n > len(experts)).any():
        raise ValueError(f'expert counts must lie in 1..{len(experts)}')
    return shared + expert_sum[n] + router_sum[n.clamp(max=len(routers))]


def count_macs(fn: Callable[[], object],
               modules: Sequence[torch.nn.Module]) -> List[int]:
    """Multiply-accumulates of the convolutions and linear layers inside
    each of ``modules`` during one call of ``fn`` (batch of one sample;
    normalisation, activations and pooling are not counted, they add about
    1 % to a ResNet).

    Args:
        fn: runs the forward pass.
        modules (Sequence[nn.Module]): the parts to count.

    Returns:
        list[int]: the MACs of each part.
    """
    totals = [0] * len(modules)
    handles = []

    def hook(index):

        def count(layer, inputs, output):
            if isinstance(layer, torch.nn.Conv2d):
                per_out = layer.in_channels // layer.groups * \
                    layer.kernel_size[0] * layer.kernel_size[1]
                totals[index] += output[0].numel() * per_out
            else:
                rows = output.numel() // output.shape[-1] // output.shape[0]
                totals[index] += rows * layer.in_features * \
                    layer.out_features

        return count

    for index, module in enumerate(modules):
        for layer in module.modules():
            if isinstance(layer, (torch.nn.Conv2d, torch.nn.Linear)):
                handles.append(layer.register_forward_hook(hook(index)))
    try:
        fn()
    finally:
        for handle in handles:
            handle.remove()
    return totals
