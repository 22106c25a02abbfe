"""TRNHead: MMAction2 0.24.1's relation modules, subsets drawn with the same NumPy calls, checked against a NumPy
restatement of the multi-scale relation."""
import itertools

import numpy as np
import pytest
import torch

from vidrun.models.heads import TRNHead


def mlp(x, seq):
    """ReLU, Linear, ReLU, Linear in NumPy with the weights of `seq`."""
    w1, b1, w2, b2 = (p.detach().numpy().astype(np.float64) for p in seq.parameters())
    return np.maximum(np.maximum(x, 0) @ w1.T + b1, 0) @ w2.T + b2


def numpy_multiscale(features, head, seed):
    """The head's relation module restated: the full ordered set, then per smaller scale (largest first)
    `np.random.choice(C(T, k), min(3, C(T, k)), replace=False)` subsets, each through its scale's MLP, summed."""
    rng_state = np.random.get_state()
    np.random.seed(seed)
    n, t, _ = features.shape
    out = mlp(features.reshape(n, -1), head.consensus.fc_fusion_scales[0])
    for scale_id, k in enumerate(range(t - 1, 1, -1), start=1):
        subsets = list(itertools.combinations(range(t), k))
        for index in np.random.choice(len(subsets), min(3, len(subsets)), replace=False):
            out = out + mlp(features[:, list(subsets[index])].reshape(n, -1), head.consensus.fc_fusion_scales[scale_id])
    after = np.random.get_state()
    np.random.set_state(rng_state)
    return out, after


@pytest.fixture
def head():
    torch.manual_seed(0)
    head = TRNHead(num_classes=5, in_channels=6, num_segments=5, hidden_dim=4, dropout_ratio=0)
    head.init_weights()
    return head.eval()


def test_subsets_of_every_scale(head):
    relation = head.consensus
    assert list(relation.scales) == [5, 4, 3, 2]
    assert [len(r) for r in relation.relations_scales] == [1, 5, 10, 10]
    assert relation.subsample_scales == [1, 3, 3, 3]
    assert [m[1].in_features for m in relation.fc_fusion_scales] == [20, 16, 12, 8]


def test_multi_scale_relation_is_mmaction2s_with_the_same_draws(head):
    x = torch.randn(2 * 5, 6, 3, 3)
    np.random.seed(7)
    with torch.no_grad():
        out = head(x, num_segs=5).numpy()
    after = np.random.get_state()
    features = (x.mean(dim=(2, 3)) @ head.fc_cls.weight.T + head.fc_cls.bias).view(2, 5, 4).detach().numpy()
    expected, expected_after = numpy_multiscale(features.astype(np.float64), head, 7)
    np.testing.assert_allclose(out, expected, rtol=1e-4, atol=1e-6)
    assert all(np.array_equal(a, b) for a, b in zip(after[1:3], expected_after[1:3]))  # same number of draws


def test_single_scale_relation():
    torch.manual_seed(0)
    head = TRNHead(num_classes=3, in_channels=6, num_segments=4, hidden_dim=5, relation_type="TRN",
                   dropout_ratio=0).eval()
    assert [p.shape[1] for p in head.consensus.classifier.parameters() if p.dim() == 2] == [20, 512]
    x = torch.randn(4, 6, 2, 2)
    features = head.fc_cls(x.mean(dim=(2, 3))).view(1, 20).detach().numpy()
    with torch.no_grad():
        out = head(x, num_segs=4).numpy()
    np.testing.assert_allclose(out, mlp(features, head.consensus.classifier), rtol=1e-4, atol=1e-6)


def test_bad_relation_type_names_the_choices():
    with pytest.raises(ValueError, match="TRNMultiScale"):
        TRNHead(num_classes=3, in_channels=6, relation_type="TRNMulti")
