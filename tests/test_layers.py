"""Layers import only downwards (STYLE.md principle 11): a lower layer never imports a higher one."""
import ast
from pathlib import Path

import vidrun

# Lowest first. A module may import from its own layer and those before it.
LAYERS = [
    {"config"}, {"registry", "utils"}, {"schedules"}, {"runner"},
    {"models", "datasets", "evaluation"}, {"apis"}, {"cli"},
]
PACKAGE = Path(vidrun.__file__).parent


def layer_of(module: str) -> int | None:
    parts = module.split(".")
    if parts[0] != "vidrun" or len(parts) < 2 or parts[1] in ("__init__", "__main__"):
        return None
    for rank, names in enumerate(LAYERS):
        if parts[1] in names:
            return rank
    raise AssertionError(f"{module} belongs to no layer: add it to LAYERS in {__file__}")


def imported_modules(path: Path):
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module


def test_every_module_imports_only_its_own_or_lower_layers():
    wrong = []
    for path in sorted(PACKAGE.rglob("*.py")):
        module = ".".join(("vidrun",) + path.relative_to(PACKAGE).with_suffix("").parts)
        own = layer_of(module)
        if own is None:  # vidrun/__init__.py and __main__.py sit above every layer
            continue
        for target in imported_modules(path):
            rank = layer_of(target)
            if rank is not None and rank > own:
                wrong.append(f"{module} imports {target}")
    assert not wrong, "imports that point up the layers:\n" + "\n".join(wrong)


def test_no_relative_imports():
    relative = [str(p) for p in PACKAGE.rglob("*.py")
                if any(isinstance(n, ast.ImportFrom) and n.level for n in ast.walk(ast.parse(p.read_text())))]
    assert not relative
