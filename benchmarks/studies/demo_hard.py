# The detection method study on the hard demo set (configs/demo/hard/):
# every shipped method against its matched baseline, 3 seeds each.
#
#   python tools/analysis/study.py run benchmarks/studies/demo_hard.py
#   python tools/analysis/study.py aggregate benchmarks/studies/demo_hard.py \
#       --out benchmarks/results/demo_hard
#
# Matched baselines: a method that changes the first stage's loss or
# sampling is compared with the baseline trained with the same seed; a
# classifier-only second stage (ACSL, BAGS) with the CE classifier-only
# control fine-tuned from the same checkpoint; SimCal (a calibration head on
# the frozen baseline) and LOCE (a fine-tune of the RPN and heads, its own
# recipe) with the baseline they start from. Second stages load the
# checkpoint of their depends_on cell for the same seed.
work_root = 'work_dirs/study/demo_hard'
seeds = [0, 1, 2]

_hard = 'configs/demo/hard/'
cells = [
    dict(name='baseline', config=_hard + 'mask_rcnn.py'),
    dict(name='seesaw', config=_hard + 'seesaw_mask_rcnn.py',
         baseline='baseline'),
    dict(name='eql', config=_hard + 'eql_mask_rcnn.py', baseline='baseline'),
    dict(name='eqlv2', config=_hard + 'eqlv2_mask_rcnn.py',
         baseline='baseline'),
    dict(name='classifier', config=_hard + 'mask_rcnn_classifier.py',
         baseline='baseline', depends_on='baseline'),
    dict(name='acsl', config=_hard + 'acsl_mask_rcnn.py',
         baseline='classifier', depends_on='baseline'),
    dict(name='bags', config=_hard + 'bags_mask_rcnn.py',
         baseline='classifier', depends_on='baseline'),
    dict(name='simcal', config=_hard + 'simcal_mask_rcnn.py',
         baseline='baseline', depends_on='baseline'),
    dict(name='loce', config=_hard + 'loce_mask_rcnn.py',
         baseline='baseline', depends_on='baseline'),
    dict(name='federated', config=_hard + 'federated_mask_rcnn.py',
         baseline='baseline'),
    # a test-time method evaluates the same seed's baseline checkpoint
    dict(name='norcal', config=_hard + 'norcal_mask_rcnn.py',
         baseline='baseline', depends_on='baseline', train=False),
    # the one-stage detector and its loss
    dict(name='atss', config=_hard + 'atss.py'),
    dict(name='efl_atss', config=_hard + 'efl_atss.py', baseline='atss'),
]
