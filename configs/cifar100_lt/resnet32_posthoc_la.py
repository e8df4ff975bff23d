# Post-hoc logit adjustment (Menon et al., ICLR 2021): plain cross-entropy
# training, predictions argmax(z - tau log pi), tau 1, on CIFAR-100-LT
# (imbalance 100), ResNet-32, 200 epochs. The head keeps the class counts in
# its checkpoint, so tools/test.py needs no training data.
_base_ = './resnet32_ce.py'

model = dict(
    head=dict(type='lt_mm.LogitAdjustedClsHead', num_classes=100, tau=1.0))
