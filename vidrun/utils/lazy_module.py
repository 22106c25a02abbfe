"""`lazy_module(name)`: a module that is imported when one of its attributes is first read.

PyAV, Pillow and PyYAML cost about 0.2 s to import together, and most commands never touch them (`vidrun
--help`, a run on raw frames, a Python config). The standard library's `importlib.util.LazyLoader` defers
executing the module; finding it happens at once, so a missing package still fails where it is named.
"""
from __future__ import annotations

import importlib.util
import sys
from types import ModuleType


def lazy_module(name: str) -> ModuleType:
    """The module `name` (a dotted name too), executed at its first attribute access. A module already imported
    is returned as it is; a package that is not installed raises ModuleNotFoundError now."""
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.find_spec(name)  # imports the parent packages of a dotted name
    if spec is None:
        raise ModuleNotFoundError(f"No module named {name!r}", name=name)
    spec.loader = importlib.util.LazyLoader(spec.loader)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    parent, _, child = name.rpartition(".")
    if parent:  # as the import system does, so that `import PIL.Image; PIL.Image.open` works too
        setattr(sys.modules[parent], child, module)
    return module
