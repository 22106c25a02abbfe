"""Config files: loading, `_base_` merging, references, `--cfg-options`, validation and dumping."""
from vidrun.config.config import Config
from vidrun.config.config_dict import ConfigDict
from vidrun.config.custom_imports import run_custom_imports
from vidrun.config.errors import ConfigError, close_matches, did_you_mean
from vidrun.config.keys import KNOWN_KEYS, validate_top_level
from vidrun.config.options import parse_cfg_options

__all__ = ["Config", "ConfigDict", "ConfigError", "KNOWN_KEYS", "close_matches", "did_you_mean",
           "parse_cfg_options", "run_custom_imports", "validate_top_level"]
