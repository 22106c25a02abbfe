"""vidrun: train and test video action-recognition models from config files."""
from vidrun.config import Config

__version__ = "0.1.0"

__all__ = ["Config", "__version__"]
