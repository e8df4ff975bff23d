# Balanced Softmax (Ren et al., NeurIPS 2020), CE(z + log n), on Places-LT
# with its authors' recipe, a decoupled stage: from the cross-entropy model
# (resnet152_ce.py, the decoupling code's resnet152_uniform), the classifier
# is re-initialised and trained alone with Balanced Softmax for 10 epochs on
# instance-balanced batches, batch 256, lr 0.02, cosine decay to 0, weight
# decay 5e-4, the frozen backbone in train mode (BalancedMetaSoftmax-
# Classification config/Places_LT/decouple_balanced_softmax.yaml).
# Published top-1 38.6 (Ren et al., Table 4, Places-LT "Balanced Softmax").
# The class counts come from lt_mm.ClassStatisticsHook.
_base_ = './resnet152_crt.py'

model = dict(
    head=dict(loss=dict(type='lt_mm.BalancedSoftmaxLoss', num_classes=365)))

train_dataloader = dict(
    sampler=dict(_delete_=True, type='DefaultSampler', shuffle=True))
optim_wrapper = dict(optimizer=dict(lr=0.02))
