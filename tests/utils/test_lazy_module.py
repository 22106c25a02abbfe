"""`lazy_module`: nothing of the module runs before its first attribute read; what the import system would do
(parent attribute, sys.modules) still holds."""
import sys

import pytest

from vidrun.utils.lazy_module import lazy_module


@pytest.fixture
def package(tmp_path, monkeypatch):
    """A package `lazypkg` whose submodule `noisy` appends to `lazypkg.RAN` when it is executed."""
    root = tmp_path / "lazypkg"
    root.mkdir()
    (root / "__init__.py").write_text("RAN = []\n")
    (root / "noisy.py").write_text("import lazypkg\nlazypkg.RAN.append('noisy')\nVALUE = 42\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    yield "lazypkg"
    for name in [n for n in sys.modules if n == "lazypkg" or n.startswith("lazypkg.")]:
        del sys.modules[name]


def test_the_module_runs_at_its_first_attribute_read_only(package):
    noisy = lazy_module("lazypkg.noisy")
    parent = sys.modules["lazypkg"]
    assert parent.RAN == []
    assert noisy.VALUE == 42
    assert parent.RAN == ["noisy"]
    assert noisy.VALUE == 42 and parent.RAN == ["noisy"]  # executed once


def test_import_statements_get_the_same_module_and_the_parent_attribute_is_set(package):
    noisy = lazy_module("lazypkg.noisy")
    import lazypkg.noisy
    assert lazypkg.noisy is noisy
    from lazypkg import noisy as again
    assert again is noisy and again.VALUE == 42


def test_an_imported_module_is_returned_as_it_is():
    import json as loaded
    assert lazy_module("json") is loaded


def test_a_missing_package_fails_at_once():
    with pytest.raises(ModuleNotFoundError, match="no_such_package_here"):
        lazy_module("no_such_package_here")

