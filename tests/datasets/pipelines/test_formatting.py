"""FormatShape, Collect and ToTensor: shapes of the canonical TSN/I3D views, frame order, keys and errors."""
import numpy as np
import pytest
import torch

from vidrun.datasets.pipelines.formatting import Collect, FormatShape, ToTensor
from vidrun.datasets.registries import PIPELINES

H, W = 8, 8


def frames(num: int, as_list: bool = False, dtype=np.uint8):
    """`num` frames H×W×3; frame i holds 100·i + c in channel c, so every value says where it came from."""
    imgs = (100 * np.arange(num)[:, None, None, None] + np.arange(3)).astype(dtype)
    imgs = np.broadcast_to(imgs, (num, H, W, 3)).copy()
    return list(imgs) if as_list else imgs


@pytest.mark.parametrize("num_clips, clip_len, num_frames, expected", [
    (3, 1, 3, (3, 3, H, W)),        # TSN train: 3 segments of 1 frame
    (25, 1, 250, (250, 3, H, W)),   # TSN test: 25 clips × TenCrop = 250 frames
])
def test_nchw_shapes_of_tsn_views(num_clips, clip_len, num_frames, expected):
    results = FormatShape("NCHW")(dict(imgs=frames(num_frames, as_list=True), num_clips=num_clips,
                                       clip_len=clip_len))
    assert results["imgs"].shape == expected
    assert results["input_shape"] == expected


@pytest.mark.parametrize("num_clips, crops, expected", [
    (1, 1, (1, 3, 32, H, W)),    # I3D train: 1 clip of 32 frames
    (10, 3, (30, 3, 32, H, W)),  # I3D test: 10 clips × ThreeCrop = 30 views
])
def test_ncthw_shapes_of_i3d_views(num_clips, crops, expected):
    results = FormatShape("NCTHW")(dict(imgs=frames(crops * num_clips * 32, dtype=np.float32),
                                        num_clips=num_clips, clip_len=32))
    assert results["imgs"].shape == expected
    assert results["input_shape"] == expected
    assert results["imgs"].dtype == np.float32


def test_nchw_keeps_frame_order_and_moves_channels_first():
    out = FormatShape("NCHW")(dict(imgs=frames(6, dtype=np.float32)))["imgs"]
    for i in range(6):
        for c in range(3):
            assert (out[i, c] == 100 * i + c).all()


def test_ncthw_puts_each_frame_in_its_view_and_time_step():
    crops, num_clips, clip_len = 2, 3, 4
    # Crop-major: frame index = crop·clips·clip_len + clip·clip_len + t = view·clip_len + t.
    out = FormatShape("NCTHW")(dict(imgs=frames(crops * num_clips * clip_len, as_list=True, dtype=np.float32),
                                    num_clips=num_clips, clip_len=clip_len))["imgs"]
    assert out.shape == (crops * num_clips, 3, clip_len, H, W)
    for view in range(crops * num_clips):
        for c in range(3):
            for t in range(clip_len):
                assert (out[view, c, t] == 100 * (view * clip_len + t) + c).all()
    # View 4 is crop 1, clip 1: frames 12 + 4 = 16 … 19.
    assert out[4, 0, :, 0, 0].tolist() == [1600, 1700, 1800, 1900]


@pytest.mark.parametrize("input_format", ["NCHW", "NCTHW"])
def test_a_stack_is_laid_out_as_a_view_without_a_copy_and_tensors_share_it(input_format):
    imgs = frames(8, dtype=np.float32)
    out = FormatShape(input_format)(dict(imgs=imgs, num_clips=2, clip_len=4))["imgs"]
    assert np.shares_memory(out, imgs)  # MMAction2's transposes are views too; the collate copies once
    tensor = ToTensor(["imgs"])(dict(imgs=out))["imgs"]
    assert tensor.data_ptr() == out.ctypes.data and tuple(tensor.shape) == out.shape
    np.testing.assert_array_equal(tensor.numpy(), out)


def test_nchw_flow_stacks_a_clips_flow_frames_along_channels():
    """MMAction2's 'NCHW_Flow': [crops, clips, T, H, W, C] → [crops·clips, T·C, H, W] (x, y of frame 0 first)."""
    crops, num_clips, clip_len = 2, 3, 5
    flow = np.arange(crops * num_clips * clip_len * 4 * 6 * 2, dtype=np.float32).reshape(-1, 4, 6, 2)
    out = FormatShape("NCHW_Flow")(dict(imgs=flow, num_clips=num_clips, clip_len=clip_len))["imgs"]
    assert out.shape == (crops * num_clips, clip_len * 2, 4, 6)
    for view in range(crops * num_clips):
        for t in range(clip_len):
            for c in range(2):
                np.testing.assert_array_equal(out[view, 2 * t + c], flow[view * clip_len + t, :, :, c])


def test_nptchw_groups_frames_by_proposal():
    imgs = frames(12, dtype=np.float32)
    out = FormatShape("NPTCHW")(dict(imgs=imgs, num_proposals=3, num_clips=2, clip_len=2))["imgs"]
    assert out.shape == (3, 4, 3, H, W)
    np.testing.assert_array_equal(out[1, 2], imgs[6].transpose(2, 0, 1))


def test_list_and_stacked_input_give_the_same_array():
    listed = FormatShape("NCTHW")(dict(imgs=frames(8, as_list=True), num_clips=2, clip_len=4))["imgs"]
    stacked = FormatShape("NCTHW")(dict(imgs=frames(8), num_clips=2, clip_len=4))["imgs"]
    np.testing.assert_array_equal(listed, stacked)


def test_collapse_drops_the_single_view_dimension():
    results = FormatShape("NCTHW", collapse=True)(dict(imgs=frames(32), num_clips=1, clip_len=32))
    assert results["imgs"].shape == (3, 32, H, W)
    assert results["input_shape"] == (3, 32, H, W)


def test_collapse_with_several_views_is_an_error():
    with pytest.raises(ValueError, match="single view.*30"):
        FormatShape("NCTHW", collapse=True)(dict(imgs=frames(30), num_clips=30, clip_len=1))


def test_frames_not_divisible_into_views_name_the_numbers():
    with pytest.raises(ValueError, match=r"10 frames.*num_clips \(3\).*clip_len \(2\).*= 6"):
        FormatShape("NCTHW")(dict(imgs=frames(10), num_clips=3, clip_len=2))


def test_unsupported_format_lists_the_supported_ones():
    with pytest.raises(ValueError, match="FormatShape.*'NTCHW'.*supported: NCHW, NCTHW"):
        FormatShape("NTCHW")


def test_ncthw_without_num_clips_names_the_key():
    with pytest.raises(KeyError, match="num_clips"):
        FormatShape("NCTHW")(dict(imgs=frames(4), clip_len=4))


def test_format_shape_is_registered_and_has_a_repr():
    transform = PIPELINES.build(dict(type="FormatShape", input_format="NCHW"))
    assert repr(transform) == "FormatShape(input_format='NCHW', collapse=False)"


def sample():
    return dict(imgs=np.zeros((2, 3, 4, 4), np.float32), label=3, filename="a.mp4", img_shape=(4, 4),
                original_shape=(6, 6), num_clips=2, clip_len=1)


def test_collect_returns_a_new_dict_with_the_keys_and_present_meta_keys():
    results = sample()
    data = Collect(keys=["imgs", "label"])(results)
    assert set(data) == {"imgs", "label", "img_metas"}
    assert data["imgs"] is results["imgs"] and data["label"] == 3
    # flip_direction, pad_shape and img_norm_cfg are absent and skipped.
    assert data["img_metas"] == dict(filename="a.mp4", label=3, original_shape=(6, 6), img_shape=(4, 4))
    assert "num_clips" in results  # the input is left as it was


def test_collect_without_meta_keys_writes_no_meta_entry():
    assert set(Collect(keys=["imgs", "label"], meta_keys=[])(sample())) == {"imgs", "label"}


def test_collect_custom_meta_name_and_nested():
    data = Collect(keys=["label"], meta_keys=["filename"], meta_name="metas", nested=True)(sample())
    assert data == dict(label=[3], metas=[dict(filename="a.mp4")])


def test_collect_missing_key_names_it_and_the_available_ones():
    with pytest.raises(KeyError, match="'label'.*available: imgs, filename"):
        Collect(keys=["imgs", "label"])(dict(imgs=0, filename="a.mp4"))


def test_collect_argument_errors_name_the_class():
    with pytest.raises(TypeError, match="Collect: keys must be a list"):
        Collect(keys="imgs")
    with pytest.raises(ValueError, match="Collect: keys must name at least one key"):
        Collect(keys=[])
    with pytest.raises(ValueError, match="Collect: meta_name 'img_metas' is also in keys"):
        Collect(keys=["imgs", "img_metas"])


def test_collect_repr_shows_the_arguments():
    assert repr(Collect(keys=["imgs"], meta_keys=[])) == \
        "Collect(keys=['imgs'], meta_keys=[], meta_name='img_metas', nested=False)"


def test_to_tensor_converts_each_type_as_mmaction2():
    array = np.arange(6, dtype=np.float32).reshape(2, 3)
    tensor = torch.ones(2)
    results = ToTensor(keys=["imgs", "label", "weight", "ids", "t", "np_label"])(
        dict(imgs=array, label=3, weight=0.5, ids=[1, 2], t=tensor, np_label=np.int64(4), other="x"))
    assert results["imgs"].dtype == torch.float32
    assert np.shares_memory(results["imgs"].numpy(), array)  # from_numpy: no copy
    assert results["label"].dtype == torch.int64 and results["label"].tolist() == [3]
    assert results["weight"].dtype == torch.float32 and results["weight"].tolist() == [0.5]
    assert results["ids"].tolist() == [1, 2]
    assert results["t"] is tensor
    assert results["np_label"].tolist() == [4]
    assert results["other"] == "x"  # keys not listed are left alone


def test_to_tensor_accepts_a_non_contiguous_array():
    flipped = np.arange(6).reshape(2, 3)[:, ::-1]
    assert ToTensor(keys=["imgs"])(dict(imgs=flipped))["imgs"].tolist() == [[2, 1, 0], [5, 4, 3]]


def test_to_tensor_unsupported_type_names_the_key_and_type():
    with pytest.raises(TypeError, match=r"ToTensor: results\['filename'\] \(str\)"):
        ToTensor(keys=["filename"])(dict(filename="a.mp4"))
    with pytest.raises(TypeError, match=r"results\['meta'\] \(dict\)"):
        ToTensor(keys=["meta"])(dict(meta={}))


def test_to_tensor_missing_key_and_repr():
    with pytest.raises(KeyError, match="ToTensor: the key 'label'.*available: imgs"):
        ToTensor(keys=["label"])(dict(imgs=0))
    assert repr(PIPELINES.build(dict(type="ToTensor", keys=["imgs"]))) == "ToTensor(keys=['imgs'])"
