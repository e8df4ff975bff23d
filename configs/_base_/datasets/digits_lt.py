# Long-tailed handwritten digits (scikit-learn's bundled 8x8 digits, no
# download): 342 training images, 124 down to 2 per digit (LDAM profile,
# imbalance ratio 50), and a balanced test set of 50 per digit.
dataset_type = 'lt_mm.DigitsLT'

data_preprocessor = dict(num_classes=10, mean=[78.], std=[96.])

train_pipeline = [dict(type='PackInputs')]
test_pipeline = [dict(type='PackInputs')]

train_dataset = dict(
    type=dataset_type, split='train', imbalance_ratio=50,
    pipeline=train_pipeline)
train_dataloader = dict(
    batch_size=32,
    num_workers=0,
    dataset=train_dataset,
    sampler=dict(type='DefaultSampler', shuffle=True))
val_dataloader = dict(
    batch_size=100,
    num_workers=0,
    dataset=dict(type=dataset_type, split='test', pipeline=test_pipeline),
    sampler=dict(type='DefaultSampler', shuffle=False))
test_dataloader = val_dataloader

# The standard many / few thresholds (> 100 / < 20 images) scaled to this
# 124-image head: > 40 / < 10 give 3 many-, 3 medium- and 4 few-shot digits,
# close to CIFAR-100-LT's 35 / 35 / 30 split.
val_evaluator = dict(
    type='lt_mm.ShotAccuracy',
    train_dataset=train_dataset,
    many_threshold=40,
    few_threshold=10)
test_evaluator = val_evaluator
