# tau-normalised classifier on long-tailed digits (no training): the CPU
# demo of configs/cifar100_lt/resnet32_tau_norm.py:
#   python tools/test.py configs/digits_lt/tau_norm.py \
#       work_dirs/ce/epoch_20.pth
_base_ = './ce.py'

model = dict(head=dict(type='lt_mm.TauNormClsHead', tau=1.0))
