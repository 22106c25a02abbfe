"""Reading one file: formats, what a .py config keeps, filename variables, and errors naming file and line."""
import os
import pathlib

import pytest

from vidrun import Config
from vidrun.config import ConfigError


def test_python_config_keeps_values_and_drops_modules_functions_classes_dunders(write):
    path = write("c.py", """
        import os
        from os.path import join
        def helper():
            return 1
        class Helper:
            pass
        __hidden = 1
        _private = 2
        model = dict(type='R', depth=helper() + 49)
        pipeline = [dict(type='A'), dict(type='B')]
        size = (224, 224)
        nothing = None
        """)
    cfg = Config.fromfile(pathlib.Path(path))
    assert cfg.to_dict() == dict(_private=2, model=dict(type="R", depth=50), pipeline=[dict(type="A"), dict(type="B")],
                                 size=(224, 224), nothing=None)
    assert cfg.filename == path


def test_json_and_yaml_configs(write):
    json_path = write("c.json", '{"model": {"type": "R", "depth": 50}, "workflow": [["train", 1]]}')
    yaml_path = write("c.yml", "model:\n  type: R\n  depth: 50\nworkflow:\n  - [train, 1]\n")
    expected = dict(model=dict(type="R", depth=50), workflow=[["train", 1]])
    assert Config.fromfile(json_path).to_dict() == expected
    assert Config.fromfile(yaml_path).to_dict() == expected
    assert Config.fromfile(write("empty.yaml", "")).to_dict() == {}


def test_filename_variables_are_substituted_as_text(write, tmp_path):
    path = write("sub/my_cfg.py", """
        work_dir = './work_dirs/{{ fileBasenameNoExtension }}'
        parts = ['{{fileDirname}}', '{{  fileBasename  }}', '{{ fileExtname }}']
        """)
    cfg = Config.fromfile(path)
    assert cfg.work_dir == "./work_dirs/my_cfg"
    assert cfg.parts == [str(tmp_path / "sub").replace(os.sep, "/"), "my_cfg.py", ".py"]
    yaml_cfg = Config.fromfile(write("y.yaml", "work_dir: work_dirs/{{ fileBasenameNoExtension }}\n"))
    assert yaml_cfg.work_dir == "work_dirs/y"
    raw = Config.fromfile(path, use_predefined_variables=False)
    assert raw.work_dir == "./work_dirs/{{ fileBasenameNoExtension }}"


def test_text_holds_the_sources_headed_by_their_paths(write):
    base = write("base.py", "a = 1\n")
    child = write("child.py", "_base_ = './base.py'\nb = 2\n")
    assert Config.fromfile(child).text == f"{base}\na = 1\n\n{child}\n_base_ = './base.py'\nb = 2\n"


def test_unsupported_format_names_the_file(write):
    path = write("c.txt", "a = 1\n")
    with pytest.raises(ConfigError, match=r"c\.txt: unsupported config format '\.txt'"):
        Config.fromfile(path)


def test_missing_file_names_the_path_and_the_including_file(write, tmp_path):
    with pytest.raises(FileNotFoundError, match="nope.py"):
        Config.fromfile(str(tmp_path / "nope.py"))
    child = write("child.py", "_base_ = ['./missing_base.yaml']\n")
    with pytest.raises(FileNotFoundError, match=r"missing_base\.yaml \(listed in _base_ of .*child\.py\)"):
        Config.fromfile(child)


def test_syntax_error_names_file_and_line(write):
    path = write("bad.py", "a = 1\nb = dict(x=\n")
    with pytest.raises(ConfigError, match=r"bad\.py:2: invalid Python") as info:
        Config.fromfile(path)
    assert isinstance(info.value.__cause__, SyntaxError)


def test_exception_while_executing_names_file_and_line(write):
    path = write("boom.py", "a = 1\n\nb = 1 / 0\n")
    with pytest.raises(ConfigError, match=r"boom\.py:3: ZeroDivisionError while executing the config") as info:
        Config.fromfile(path)
    assert isinstance(info.value.__cause__, ZeroDivisionError)


def test_line_numbers_survive_reference_substitution(write):
    write("base.py", "n = 1\n")
    path = write("c.py", "_base_ = './base.py'\nm = {{ _base_.n }}\nboom = undefined_name\n")
    with pytest.raises(ConfigError, match=r"c\.py:3: NameError"):
        Config.fromfile(path)


def test_invalid_json_and_yaml_name_file_and_line(write):
    with pytest.raises(ConfigError, match=r"bad\.json:2: invalid JSON"):
        Config.fromfile(write("bad.json", '{"a": 1,\n "b": }\n'))
    with pytest.raises(ConfigError, match=r"bad\.yaml:2: invalid YAML"):
        Config.fromfile(write("bad.yaml", "a: 1\n  b: 2\n"))


def test_a_config_must_be_a_mapping(write):
    with pytest.raises(ConfigError, match=r"list\.yaml: a config must be a mapping .* not a list"):
        Config.fromfile(write("list.yaml", "- 1\n- 2\n"))


def test_relative_paths_are_kept_as_given(write, tmp_path, monkeypatch):
    write("configs/_base_/a.py", "a = 1\n")
    write("configs/x.py", "_base_ = '../configs/_base_/a.py'\nb = 2\n")
    monkeypatch.chdir(tmp_path)
    cfg = Config.fromfile("configs/x.py")
    assert cfg.where("a") == "a (configs/_base_/a.py:1)" and cfg.where("b") == "b (configs/x.py:2)"


def test_fromstring(tmp_path):
    assert Config.fromstring("a = dict(b=(1, 2))\n", ".py").to_dict() == dict(a=dict(b=(1, 2)))
    assert Config.fromstring("a:\n  b: 1\n", "yaml").a.b == 1
    assert Config.fromstring('{"a": 1}', ".json").where("a") == "a (<string>)"
