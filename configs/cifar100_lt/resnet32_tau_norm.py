# tau-normalised classifier (Kang et al., ICLR 2020) on CIFAR-100-LT
# (imbalance 100): no training; test the cross-entropy checkpoint with the
# classifier weights divided by ||w_j||^tau (bias dropped):
#   python tools/test.py configs/cifar100_lt/resnet32_tau_norm.py \
#       work_dirs/resnet32_ce/epoch_200.pth
# tau is a validation-set choice; 1 is the paper's default.
_base_ = './resnet32_ce.py'

model = dict(head=dict(type='lt_mm.TauNormClsHead', tau=1.0))
