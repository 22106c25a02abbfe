"""`custom_imports`: the tutorial's way of registering user classes, by importing modules at load time."""
import sys
import textwrap

import pytest

from vidrun import Config
from vidrun.config import ConfigError, run_custom_imports

REGISTRY = """
class Registry:
    def __init__(self):
        self.entries = {}

    def register_module(self):
        def register(cls):
            self.entries[cls.__name__] = cls
            return cls
        return register


OPTIMIZERS = Registry()
"""

MY_OPTIMIZER = """
from {package}.registry import OPTIMIZERS


@OPTIMIZERS.register_module()
class MyOptimizer:
    def __init__(self, a, b, c):
        self.a, self.b, self.c = a, b, c
"""


@pytest.fixture
def clean_imports(monkeypatch):
    """Restore sys.path and forget the test packages afterwards."""
    monkeypatch.setattr(sys, "path", list(sys.path))
    before = set(sys.modules)
    yield
    for name in set(sys.modules) - before:
        del sys.modules[name]


def make_package(directory, package, **modules):
    root = directory / package
    root.mkdir(parents=True)
    (root / "__init__.py").write_text("")
    (root / "registry.py").write_text(REGISTRY)
    (root / "my_optimizer.py").write_text(MY_OPTIMIZER.format(package=package))
    for name, source in modules.items():
        (root / f"{name}.py").write_text(textwrap.dedent(source))


def registered(package):
    return sys.modules[f"{package}.registry"].OPTIMIZERS.entries


def test_a_package_beside_the_config_is_imported_and_registers(tmp_path, write, clean_imports):
    make_package(tmp_path / "configs", "pkg_beside")
    path = write("configs/x.py", """
        custom_imports = dict(imports=['pkg_beside.my_optimizer'], allow_failed_imports=False)
        optimizer = dict(type='MyOptimizer', a=0.01, b=0.9, c=0.0001)
        """)
    cfg = Config.fromfile(path)
    assert "MyOptimizer" in registered("pkg_beside")
    assert str(tmp_path / "configs") in sys.path, "kept on sys.path so that spawned workers can unpickle"
    assert cfg.optimizer.type == "MyOptimizer"


def test_a_package_in_the_working_directory_and_a_single_name(tmp_path, write, clean_imports, monkeypatch):
    make_package(tmp_path / "project", "pkg_cwd")
    monkeypatch.chdir(tmp_path / "project")
    Config.fromfile(write("configs/x.py", "custom_imports = dict(imports='pkg_cwd.my_optimizer')\n"))
    assert "MyOptimizer" in registered("pkg_cwd")


def test_a_package_on_sys_path_needs_nothing_added(tmp_path, write, clean_imports):
    make_package(tmp_path / "site", "pkg_site")
    sys.path.insert(0, str(tmp_path / "site"))
    before = list(sys.path)
    Config.fromfile(write("x.yaml", "custom_imports:\n  imports: [pkg_site.my_optimizer]\n"))
    assert "MyOptimizer" in registered("pkg_site") and sys.path == before


def test_import_custom_modules_false_imports_nothing(tmp_path, write, clean_imports):
    make_package(tmp_path, "pkg_off")
    Config.fromfile(write("x.py", "custom_imports = dict(imports=['pkg_off.my_optimizer'])\n"),
                    import_custom_modules=False)
    assert "pkg_off.registry" not in sys.modules


def test_failed_import_names_the_module_and_file_and_chains_the_cause(write, clean_imports):
    path = write("x.py", "custom_imports = dict(imports=['no_such_pkg.my_optimizer', 'also_missing'])\n")
    with pytest.raises(ConfigError) as info:
        Config.fromfile(path)
    assert info.value.problems[0].startswith(f"custom_imports: cannot import 'no_such_pkg.my_optimizer' (from {path})")
    assert "ModuleNotFoundError" in info.value.problems[0]
    assert info.value.problems[1].startswith("custom_imports: cannot import 'also_missing'")
    assert isinstance(info.value.__cause__, ModuleNotFoundError)


def test_allow_failed_imports_warns_and_continues(tmp_path, write, clean_imports):
    make_package(tmp_path, "pkg_partial")
    path = write("x.py", "custom_imports = dict(imports=['no_such_pkg', 'pkg_partial.my_optimizer'], "
                         "allow_failed_imports=True)\n")
    with pytest.warns(UserWarning, match=r"cannot import 'no_such_pkg' \(from .*x\.py\).*allow_failed_imports=True"):
        cfg = Config.fromfile(path)
    assert "MyOptimizer" in registered("pkg_partial") and cfg.custom_imports.allow_failed_imports is True


def test_an_error_inside_the_module_is_chained(tmp_path, write, clean_imports):
    make_package(tmp_path, "pkg_broken", broken="raise RuntimeError('bad module')\n",
                 needs_dep="import no_such_dependency_xyz\n")
    path = write("x.py", "custom_imports = dict(imports=['pkg_broken.broken'])\n")
    with pytest.raises(ConfigError, match=r"cannot import 'pkg_broken.broken' .*RuntimeError: bad module") as info:
        Config.fromfile(path)
    assert isinstance(info.value.__cause__, RuntimeError)
    with pytest.raises(ConfigError, match="No module named 'no_such_dependency_xyz'") as info:
        run_custom_imports(dict(imports=["pkg_broken.needs_dep"]), path)
    assert info.value.__cause__.name == "no_such_dependency_xyz"


def test_malformed_custom_imports(write, clean_imports):
    with pytest.raises(ConfigError) as info:
        Config.fromfile(write("x.py", "custom_imports = dict(improts=['a'])\n"))
    assert "custom_imports.improts" in info.value.problems[0] and "did you mean 'imports'" in info.value.problems[0]
    assert "custom_imports.imports" in info.value.problems[1]
    with pytest.raises(ConfigError, match="allow_failed_imports.*must be True or False"):
        run_custom_imports(dict(imports=[], allow_failed_imports="yes"))
