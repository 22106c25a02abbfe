"""What every decoder reads from `results`: `frame_inds` flattened (MMAction2 squeezes it) and checked."""
import numpy as np
import pytest

from vidrun.datasets.pipelines.decoded import frame_indices, in_request_order


@pytest.mark.parametrize("inds", [np.array([[3], [1]]), np.array([[3, 1]]), [3, 1], np.array([3.0, 1.0])])
def test_any_shape_of_whole_numbers_becomes_a_flat_int64_array_written_back(inds):
    results = dict(frame_inds=inds)
    out = frame_indices(results, "SomeDecode")
    assert out.tolist() == [3, 1] and out.dtype == np.int64
    assert results["frame_inds"] is out


def test_fractions_and_a_missing_key_name_the_decoder():
    with pytest.raises(TypeError, match="SomeDecode: frame_inds must hold whole numbers"):
        frame_indices(dict(frame_inds=np.array([1.5])), "SomeDecode")
    with pytest.raises(KeyError, match="SomeDecode: no frame_inds in results"):
        frame_indices({}, "SomeDecode")


def test_a_repeated_frame_is_a_copy():
    frame = np.zeros((2, 2, 3), np.uint8)
    out = in_request_order({4: frame}, [4, 4])
    out[1][...] = 9
    assert out[0] is frame and not frame.any()
