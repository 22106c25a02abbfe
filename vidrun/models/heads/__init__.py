"""Classification heads, registered in `HEADS`."""
from vidrun.models.heads.base import BaseHead
from vidrun.models.heads.i3d_head import I3DHead
from vidrun.models.heads.timesformer_head import TimeSformerHead
from vidrun.models.heads.tpn_head import TPNHead
from vidrun.models.heads.slowfast_head import SlowFastHead
from vidrun.models.heads.tsm_head import TSMHead
from vidrun.models.heads.trn_head import TRNHead
from vidrun.models.heads.tsn_head import TSNHead
from vidrun.models.heads.x3d_head import X3DHead

__all__ = ["BaseHead", "I3DHead", "SlowFastHead", "TSMHead", "TSNHead", "X3DHead"]
__all__ += ["TRNHead"]
__all__ += ["TPNHead", "TimeSformerHead"]
