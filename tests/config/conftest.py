import textwrap

import pytest


@pytest.fixture
def write(tmp_path):
    """`write('configs/x.py', text)` writes a dedented file under tmp_path and returns its path as a str."""
    def write_file(name, text):
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
        return str(path)
    return write_file
