"""lt_mm.NCMClsHead follows the authors' nearest class mean classifier:
features centred by the training mean and L2-normalised (``cl2n``), class
means of those features (not normalised again), Euclidean distance
(facebookresearch/classifier-balancing, models/KNNClassifier.py L16,
L41-L75; the mean and centroids in run_networks.py L631-L652; ``--feat_type
cl2n`` the default of main.py L39)."""
import math

import pytest
import torch

from lt_mm.registry import MODELS

# one training feature per class (2-d): the means are the transformed
# features themselves
TRAIN = torch.tensor([[3.0, 1.0], [1.0, 3.0], [0.5, 0.5]])
LABELS = torch.tensor([0, 1, 2])
QUERY = torch.tensor([[3.0, 2.0]])


def fitted(**kwargs):
    head = MODELS.build(
        dict(type='lt_mm.NCMClsHead', num_classes=3, in_channels=2,
             **kwargs))
    if head.needs_feature_mean:
        head.accumulate_feature_mean((TRAIN, ))
    head.accumulate((TRAIN, ), LABELS)
    return head


def test_cl2n_euclidean_by_hand():
    """mu = (1.5, 1.5); the centred, normalised training features are
    m0 = (3, -1) / sqrt(10), m1 = (-1, 3) / sqrt(10), m2 = (-1, -1) / sqrt(2);
    the query (3, 2) becomes t = (1.5, 0.5) / |.| = (3, 1) / sqrt(10).
    z0 = -|t - m0|^2 = -|(0, 2)|^2 / 10 = -0.4,
    z1 = -|(4, -2)|^2 / 10 = -2.0,
    z2 = -(2 - 2 <t, m2>) = -(2 + 8 / sqrt(20)) = -3.78885:
    class 0. Cosine to the normalised, uncentred means (lt_mm's former
    default) picks class 2: cos((3, 2), (1, 1)) = 0.981 >
    cos((3, 2), (3, 1)) = 0.965."""
    head = fitted()
    assert (head.feat_type, head.dist_type) == ('cl2n', 'l2')
    torch.testing.assert_close(head.feature_mean,
                               torch.tensor([1.5, 1.5], dtype=torch.float64))
    logits = head((QUERY, ))
    torch.testing.assert_close(
        logits, torch.tensor([[-0.4, -2.0, -(2 + 8 / math.sqrt(20))]]))
    assert head.predict((QUERY, ))[0].pred_label.item() == 0
    uncentred_cosine = torch.nn.functional.cosine_similarity(
        QUERY, TRAIN, dim=1)
    assert uncentred_cosine.argmax().item() == 2


def test_class_means_are_averages_of_transformed_features():
    """Two samples of class 0, (3, 1) and (1, 3): mu = (2, 2) over all four
    samples (with (2, 0) and (2, 4) of class 1); t = (1, -1) / sqrt(2) and
    (-1, 1) / sqrt(2) average to (0, 0), not renormalised (run_networks.py
    L648-L652); class 1's (0, -1) and (0, 1) too."""
    head = MODELS.build(
        dict(type='lt_mm.NCMClsHead', num_classes=2, in_channels=2))
    feats = torch.tensor([[3.0, 1.0], [1.0, 3.0], [2.0, 0.0], [2.0, 4.0]])
    labels = torch.tensor([0, 0, 1, 1])
    # in two batches, as the hook feeds them
    for part in (slice(0, 3), slice(3, 4)):
        head.accumulate_feature_mean((feats[part], ))
    for part in (slice(0, 3), slice(3, 4)):
        head.accumulate((feats[part], ), labels[part])
    torch.testing.assert_close(head.feature_mean,
                               torch.tensor([2.0, 2.0], dtype=torch.float64))
    means = head.feature_sums / head.feature_counts[:, None]
    torch.testing.assert_close(
        means, torch.tensor([[0.0, 0.0], [0.0, 0.0]], dtype=torch.float64))


def test_authors_cosine_option_by_hand():
    """dist_type 'cos': <t, m_j> / D (KNNClassifier.py L77-L81), D = 2:
    <t, m0> = 8 / 10, <t, m1> = 0, <t, m2> = -4 / sqrt(20)."""
    logits = fitted(dist_type='cos')((QUERY, ))
    torch.testing.assert_close(
        logits, torch.tensor([[0.4, 0.0, -2 / math.sqrt(20)]]))


def test_class_without_samples_is_never_predicted():
    head = MODELS.build(
        dict(type='lt_mm.NCMClsHead', num_classes=4, in_channels=2))
    head.accumulate_feature_mean((TRAIN, ))
    head.accumulate((TRAIN, ), LABELS)
    logits = head((torch.tensor([[-1.0, -1.0]]), ))
    assert logits[0, 3] == float('-inf') and logits[0, :3].isfinite().all()


def test_misuse_says_what_to_do():
    head = MODELS.build(
        dict(type='lt_mm.NCMClsHead', num_classes=3, in_channels=2))
    with pytest.raises(RuntimeError, match='NCMHook'):
        head((QUERY, ))
    with pytest.raises(RuntimeError, match='accumulate_feature_mean'):
        head.accumulate((TRAIN, ), LABELS)
    with pytest.raises(RuntimeError, match='not trained'):
        head.loss((QUERY, ), [])
    with pytest.raises(ValueError, match='feat_type'):
        MODELS.build(dict(type='lt_mm.NCMClsHead', num_classes=3,
                          in_channels=2, feat_type='cl3n'))
