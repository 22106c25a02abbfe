import pytest

from vidrun.runner import LogBuffer


def test_weighted_average_of_the_last_n_updates():
    buffer = LogBuffer()
    buffer.update({"loss": 1.0, "acc": 0.5}, count=2)
    buffer.update({"loss": 4.0}, count=6)
    buffer.average(2)
    assert buffer.ready and buffer.output == {"loss": pytest.approx((2 + 24) / 8), "acc": 0.5}
    buffer.average(1)
    assert buffer.output["loss"] == 4.0
    buffer.clear_output()
    assert not buffer.ready and buffer.output == {} and buffer.val_history["loss"] == [1.0, 4.0]
    buffer.clear()
    assert buffer.val_history == {}
    with pytest.raises(ValueError):
        buffer.average(-1)
