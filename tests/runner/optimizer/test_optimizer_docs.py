"""docs/optimizers.md stays true: its user modules register and build, every `optimizer = dict(...)` snippet
builds on the worked example's model, and the worked example's table is what the constructor does."""
import ast
import re
from pathlib import Path

import pytest
import torch

from vidrun.runner.optimizer import OPTIMIZER_BUILDERS, OPTIMIZERS, build_optimizer

DOC = Path(__file__).resolve().parents[3] / "docs" / "optimizers.md"
TEXT = DOC.read_text()
BLOCKS = re.findall(r"```python\n(.*?)```", TEXT, flags=re.S)
MODULES = [b for b in BLOCKS if "register_module()" in b]
CONFIGS = [b for b in BLOCKS if b.lstrip().startswith(("optimizer = dict(", "custom_imports = "))]


@pytest.fixture
def user_modules():
    """The doc's user modules run as if imported by custom_imports; the registries are restored afterwards."""
    saved = [(registry, dict(registry.module_dict)) for registry in (OPTIMIZERS, OPTIMIZER_BUILDERS)]
    defined = {node.name for block in MODULES for node in ast.parse(block).body if isinstance(node, ast.ClassDef)}
    for registry, _ in saved:  # another test may have registered its own class under the tutorial's name
        for name in defined:
            registry.module_dict.pop(name, None)
    for block in MODULES:
        exec(compile(block, str(DOC), "exec"), {"__name__": "my_project_doc"})
    yield
    for registry, entries in saved:
        registry.module_dict.clear()
        registry.module_dict.update(entries)


def tiny_net():
    namespace = {}
    exec(next(b for b in BLOCKS if "class TinyNet" in b), namespace)
    torch.manual_seed(0)
    return namespace["TinyNet"]()


def config_of(block):
    namespace = {}
    exec(block, namespace)
    return namespace["optimizer"]


def test_the_doc_has_its_snippets():
    assert len(MODULES) == 2 and len(CONFIGS) == 6


@pytest.mark.parametrize("block", CONFIGS, ids=range(len(CONFIGS)))
def test_every_config_snippet_builds_and_steps(block, user_modules):
    model = tiny_net()
    optimizer = build_optimizer(model, config_of(block))
    model.cls_head(model.backbone(torch.randn(1, 3, 2, 4, 4)).mean((2, 3, 4))).sum().backward()
    before = model.cls_head.weight.detach().clone()
    optimizer.step()
    assert not torch.equal(before, model.cls_head.weight)


def test_the_constructor_snippet_gives_the_head_its_lr(user_modules):
    block = next(b for b in CONFIGS if "constructor=" in b)
    optimizer = build_optimizer(tiny_net(), config_of(block))
    assert [g["lr"] for g in optimizer.param_groups] == [0.01, pytest.approx(0.05)]


def table_rows():
    section = TEXT[TEXT.index("### A worked example"):]
    for line in section.splitlines():
        match = re.match(r"\| `([\w.]+)` \| [^|]+ \| ([\d.]+) \| ([\d.]+) \|$", line)
        if match:
            yield match.group(1), float(match.group(2)), float(match.group(3))


def test_the_worked_example_table():
    block = next(b for b in CONFIGS if "custom_keys={'cls_head'" in b)
    model = tiny_net()
    optimizer = build_optimizer(model, config_of(block))
    names = {id(p): n for n, p in model.named_parameters()}
    actual = [(names[id(g["params"][0])], g["lr"], g["weight_decay"]) for g in optimizer.param_groups]
    expected = list(table_rows())
    assert len(expected) == len(actual) == 8
    for (name, lr, wd), row in zip(actual, expected):
        assert (name, lr, wd) == (row[0], pytest.approx(row[1]), pytest.approx(row[2]))


def test_the_longest_key_example():
    cfg = dict(type="SGD", lr=0.01, paramwise_cfg=dict(
        custom_keys={"backbone": dict(lr_mult=0.1), "backbone.2": dict(lr_mult=0.5)}))
    lrs = [g["lr"] for g in build_optimizer(tiny_net(), cfg).param_groups]
    assert lrs == pytest.approx([0.001] * 4 + [0.005] * 2 + [0.01] * 2)
