import pytest
import torch
import torch.nn.functional as F

from lt_mm.core.losses.softplus import reduce_softplus


@pytest.mark.parametrize('dtype', [torch.float32, torch.float64])
def test_reductions_equal_those_of_torch_softplus(dtype):
    torch.manual_seed(0)
    logits = torch.cat([
        torch.randn(64, 50) * 4,
        # saturated, tiny and exactly-zero logits, and F.softplus's
        # threshold (20), above which it returns z itself
        torch.tensor([-200.0, -90.0, -20.0, -1e-6, 0.0, 1e-6, 19.9, 20.1,
                      90.0, 200.0]).repeat(64, 5)
    ], 1).to(dtype)
    prob = torch.sigmoid(logits)
    weights = torch.rand(100, dtype=dtype)
    mask = torch.rand(64, 100, dtype=dtype).round()
    # no threshold (F.softplus returns z above 20, 2e-9 off there)
    reference = F.softplus(logits.double(), threshold=500)
    torch.testing.assert_close(
        reduce_softplus(logits, prob, lambda x: x @ weights),
        (reference @ weights.double()).to(dtype))
    # a reduce that overwrites its argument (the ACSL row dot)
    torch.testing.assert_close(
        reduce_softplus(logits, prob, lambda x: x.mul_(mask).sum(1)),
        (reference * mask.double()).sum(1).to(dtype))
    # element by element: identity reduce, float rounding only
    element = reduce_softplus(logits, prob, lambda x: x.clone())
    assert (element - reference.to(dtype)).abs().max() < \
        (1e-6 if dtype == torch.float32 else 1e-14)
    assert element.isfinite().all()


def test_infinite_logits_give_softplus_limits():
    logits = torch.tensor([[-float('inf'), float('inf'), 0.0]])
    out = reduce_softplus(logits, torch.sigmoid(logits), lambda x: x.clone())
    torch.testing.assert_close(out, F.softplus(logits))
