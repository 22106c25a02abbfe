"""Small helpers shared by every layer: logging, process-group information, seeding, environment info."""
from vidrun.utils.dist import get_dist_info
from vidrun.utils.env import collect_env
from vidrun.utils.logger import get_logger
from vidrun.utils.seed import init_random_seed, set_random_seed

__all__ = ["collect_env", "get_dist_info", "get_logger", "init_random_seed", "set_random_seed"]
