"""Small helpers shared by every layer: logging and process-group information."""
from vidrun.utils.dist import get_dist_info
from vidrun.utils.logger import get_logger

__all__ = ["get_dist_info", "get_logger"]
