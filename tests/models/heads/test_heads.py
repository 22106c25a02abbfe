import pytest
import torch

from vidrun.models.heads import I3DHead, TSMHead, TSNHead, X3DHead
from vidrun.models.heads.base import top_k_hits


def test_top_k_hits_by_hand():
    scores = torch.tensor([[0.1, 0.5, 0.4], [0.6, 0.3, 0.1], [0.2, 0.3, 0.5]])
    labels = torch.tensor([2, 0, 0])
    # top-1: only sample 1 right; top-2: samples 0 and 1
    assert [float(v) for v in top_k_hits(scores, labels, (1, 2, 5))] == pytest.approx([1 / 3, 2 / 3, 1.0])


@pytest.mark.parametrize("head,x,args,shape", [
    (TSNHead(5, 8), torch.randn(6, 8, 3, 3), (3,), (2, 5)),
    (TSMHead(5, 8, num_segments=3), torch.randn(6, 8, 3, 3), (3,), (2, 5)),
    (I3DHead(5, 8), torch.randn(2, 8, 2, 3, 3), (), (2, 5)),
    (X3DHead(5, 8), torch.randn(2, 8, 2, 3, 3), (), (2, 5)),
])
def test_head_shapes_and_init(head, x, args, shape):
    head.init_weights()
    assert head(x, *args).shape == shape


def test_tsm_head_groups_its_own_num_segments_as_mmaction2():
    # MMAction2 groups by num_segments whatever num_segs and is_shift say; by half with temporal_pool.
    x = torch.randn(12, 8, 2, 2)
    for is_shift in (True, False):
        head = TSMHead(5, 8, num_segments=3, is_shift=is_shift, dropout_ratio=0).eval()
        assert head(x, 6).shape == (4, 5)
        torch.testing.assert_close(head(x, 6), head.fc_cls(x.mean((2, 3))).view(4, 3, 5).mean(1))
    pooled = TSMHead(5, 8, num_segments=6, temporal_pool=True).eval()
    assert pooled(x, 6).shape == (4, 5)


def test_x3d_head_pools_by_max_on_request():
    head = X3DHead(5, 8, spatial_type="max", dropout_ratio=0).eval()
    x = torch.randn(2, 8, 2, 3, 3)
    torch.testing.assert_close(head(x), head.fc2(head.relu(head.fc1(x.amax((2, 3, 4))))))


def test_fc_init_uses_init_std():
    torch.manual_seed(0)
    head = TSNHead(400, 2048, init_std=0.01)
    head.init_weights()
    weight, bias = head.fc_cls.weight.detach(), head.fc_cls.bias.detach()
    assert float(weight.std()) == pytest.approx(0.01, rel=0.05) and float(bias.abs().max()) == 0


def test_multi_label_loss_with_smoothing():
    head = I3DHead(3, 4, loss_cls=dict(type="BCELossWithLogits"), multi_class=True, label_smooth_eps=0.1)
    losses = head.loss(torch.zeros(2, 3), torch.tensor([[1.0, 0, 1], [0, 1, 0]]))
    assert set(losses) == {"loss_cls"} and float(losses["loss_cls"]) == pytest.approx(0.6931, abs=1e-4)


def test_bad_head_arguments():
    with pytest.raises(ValueError, match="consensus type 'MaxConsensus' is not supported"):
        TSNHead(3, 4, consensus=dict(type="MaxConsensus"))
    with pytest.raises(ValueError, match="spatial_type must be 'avg' or None"):
        I3DHead(3, 4, spatial_type="max")
    with pytest.raises(ValueError, match="num_classes and in_channels must be positive"):
        TSNHead(0, 4)
