import logging

import pytest

from vidrun.utils import get_dist_info, get_logger


@pytest.fixture
def fresh_name(request):
    name = f"vidrun.test.{request.node.name}"
    yield name
    logger = logging.getLogger(name)
    for handler in list(logger.handlers):
        logger.removeHandler(handler)
        handler.close()


def test_rank_zero_writes_the_file_and_console_once(tmp_path, fresh_name, monkeypatch):
    monkeypatch.delenv("RANK", raising=False)
    logger = get_logger(fresh_name, log_file=tmp_path / "run" / "a.log")
    logger.info("hello %s", "world")
    again = get_logger(fresh_name, log_file=tmp_path / "run" / "a.log")
    assert again is logger
    assert len(logger.handlers) == 2 and not logger.propagate
    text = (tmp_path / "run" / "a.log").read_text()
    assert text.count("hello world") == 1 and " - INFO - " in text


def test_a_new_log_file_moves_the_file_handler(tmp_path, fresh_name, monkeypatch):
    monkeypatch.delenv("RANK", raising=False)
    get_logger(fresh_name, log_file=tmp_path / "a.log").info("first")
    get_logger(fresh_name, log_file=tmp_path / "b.log").info("second")
    get_logger(fresh_name).info("third")
    assert "second" not in (tmp_path / "a.log").read_text()
    assert "first" not in (tmp_path / "b.log").read_text()
    assert "third" in (tmp_path / "b.log").read_text()


def test_other_ranks_write_no_file_and_log_errors_only(tmp_path, fresh_name, monkeypatch):
    monkeypatch.setenv("RANK", "1")
    monkeypatch.setenv("WORLD_SIZE", "2")
    assert get_dist_info() == (1, 2)
    logger = get_logger(fresh_name, log_file=tmp_path / "a.log")
    assert not (tmp_path / "a.log").exists()
    assert logger.level == logging.ERROR
    assert not logger.isEnabledFor(logging.INFO)


def test_level_by_name_and_unknown_level(fresh_name, monkeypatch):
    monkeypatch.delenv("RANK", raising=False)
    assert get_logger(fresh_name, log_level="debug").level == logging.DEBUG
    with pytest.raises(ValueError, match="log_level: unknown level 'LOUD'"):
        get_logger(fresh_name, log_level="LOUD")
