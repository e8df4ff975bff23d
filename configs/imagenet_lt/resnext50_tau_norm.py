# tau-normalised classifier (Kang et al., "Decoupling Representation and
# Classifier for Long-Tailed Recognition", ICLR 2020) on ImageNet-LT: no
# training; test the cross-entropy checkpoint with the classifier weights
# divided by ||w_j||^tau (bias dropped):
#   python tools/test.py configs/imagenet_lt/resnext50_tau_norm.py \
#       work_dirs/resnext50_ce/epoch_90.pth
# tau is a validation-set choice (the authors' tau_norm.py sweeps 0 to 2 in
# steps of 0.1; lt_mm.ImageNetLT has split='val'); 1 is the paper's
# default. Published top-1 49.4 (many / medium / few 59.1 / 46.9 / 30.7)
# after the authors' own 90-epoch first stage (Kang et al.;
# classifier-balancing README, "ImageNet_LT, Classifier learning",
# "Tau-normalization").
_base_ = './resnext50_ce.py'

model = dict(head=dict(type='lt_mm.TauNormClsHead', tau=1.0))
