"""Small helpers shared by every layer: logging, process-group information, seeding, environment info."""
from vidrun.utils.dist import LaunchError, barrier, get_dist_info, init_dist, is_distributed, master_only
from vidrun.utils.env import collect_env
from vidrun.utils.logger import get_logger
from vidrun.utils.seed import init_random_seed, set_random_seed

__all__ = ["LaunchError", "barrier", "collect_env", "get_dist_info", "get_logger", "init_dist", "init_random_seed", "is_distributed",
           "master_only", "set_random_seed"]
