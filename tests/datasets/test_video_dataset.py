import json
import logging

import numpy as np
import pytest

from vidrun.datasets import DATASETS, VideoDataset, build_dataset
from vidrun.datasets.annotations import AnnotationError
from vidrun.datasets.pipelines.errors import VideoReadError

DECODE = [dict(type="PyAVInit"), dict(type="SampleFrames", clip_len=1, num_clips=2, test_mode=True),
          dict(type="PyAVDecode"), dict(type="Collect", keys=["imgs", "label"], meta_keys=[])]


@pytest.fixture
def videos(tmp_path, make_video, helpers):
    (tmp_path / "videos").mkdir()
    for i in range(4):
        make_video(f"videos/clip{i}.mp4", helpers["moving_block_frames"](10 + i))
    (tmp_path / "train.txt").write_text("clip0.mp4 0\nclip1.mp4 2\n\nclip2.mp4 1\nclip3.mp4 2\n")
    return tmp_path


def test_text_annotations_with_a_prefix(videos):
    dataset = VideoDataset(str(videos / "train.txt"), DECODE, data_prefix=str(videos / "videos"))
    assert len(dataset) == 4
    assert dataset.video_infos[1] == dict(filename=str(videos / "videos" / "clip1.mp4"), label=2)
    sample = dataset[3]
    assert sample["label"] == 2 and len(sample["imgs"]) == 2
    assert dataset.video_infos[3] == dict(filename=str(videos / "videos" / "clip3.mp4"), label=2)  # not changed


def test_a_sample_starts_with_the_documented_keys(videos):
    seen = {}
    dataset = VideoDataset(str(videos / "train.txt"), [lambda results: seen.update(results) or results],
                           data_prefix=str(videos / "videos"))
    dataset[0]
    assert seen == dict(filename=str(videos / "videos" / "clip0.mp4"), label=0, start_index=0, modality="RGB")


def test_json_and_multi_label_annotations(tmp_path):
    ann = tmp_path / "ann.json"
    ann.write_text(json.dumps([{"filename": "a.mp4", "label": [0, 3]}, {"filename": "b.mp4", "label": 1}]))
    dataset = VideoDataset(str(ann), [], multi_class=True, num_classes=4)
    assert [info["label"] for info in dataset.video_infos] == [[0, 3], [1]]
    assert dataset.prepare(0)["label"].tolist() == [1.0, 0.0, 0.0, 1.0]
    text = tmp_path / "ann.txt"
    text.write_text("a.mp4 0 2\n")
    assert VideoDataset(str(text), [], multi_class=True, num_classes=3).video_infos[0]["label"] == [0, 2]


@pytest.mark.parametrize("content,kwargs,message", [
    ("a.mp4 0\nb.mp4\n", {}, r"ann.txt:2: expected 'path LABEL', got 'b.mp4'"),
    ("a.mp4 zero\n", {}, r"ann.txt:1: a label must be an integer, got 'zero'"),
    ("a.mp4 0 1\n", {}, r"ann.txt:1: 2 labels for a single-label data set"),
    ("a.mp4 -1\n", {}, r"ann.txt:1: label -1 is out of range"),
    ("a.mp4 0\nb.mp4 5\n", dict(num_classes=5), r"ann.txt:2: label 5 is out of range: labels are 0-based, \[0, 5\)"),
    ("\n\n", {}, r"ann.txt: no samples"),
])
def test_annotation_errors_name_the_file_and_line(tmp_path, content, kwargs, message):
    (tmp_path / "ann.txt").write_text(content)
    with pytest.raises(AnnotationError, match=message):
        VideoDataset(str(tmp_path / "ann.txt"), [], **kwargs)


def test_json_and_file_errors(tmp_path):
    (tmp_path / "bad.json").write_text('[{"filename": "a.mp4"}]')
    with pytest.raises(AnnotationError, match=r"bad.json\[0\]: a record needs 'filename' and 'label'"):
        VideoDataset(str(tmp_path / "bad.json"), [])
    (tmp_path / "broken.json").write_text('[{"filename": "a.mp4",\n "label": }]')
    with pytest.raises(AnnotationError, match=r"broken.json:2: not valid JSON"):
        VideoDataset(str(tmp_path / "broken.json"), [])
    with pytest.raises(FileNotFoundError, match="annotation file not found: .*missing.txt"):
        VideoDataset(str(tmp_path / "missing.txt"), [])
    with pytest.raises(ValueError, match="multi_class=True needs num_classes"):
        VideoDataset(str(tmp_path / "bad.json"), [], multi_class=True)


def test_a_bad_video_names_the_file_or_is_skipped_and_counted(videos, caplog):
    (videos / "videos" / "clip1.mp4").write_bytes(b"truncated")
    ann, prefix = str(videos / "train.txt"), str(videos / "videos")
    with pytest.raises(VideoReadError, match=r"clip1.mp4: cannot open the video"):
        VideoDataset(ann, DECODE, data_prefix=prefix)[1]
    dataset = VideoDataset(ann, DECODE, data_prefix=prefix, skip_bad=True)
    with caplog.at_level(logging.WARNING, logger="vidrun"):
        logging.getLogger("vidrun").propagate = True  # let caplog see the record
        try:
            sample = dataset[1]
        finally:
            logging.getLogger("vidrun").propagate = False
    assert sample["label"] == 1  # the next sample (clip2) took its place
    assert dataset.num_skipped == 1
    assert "skipped a bad sample (1 so far in this process)" in caplog.text and "clip1.mp4" in caplog.text
    assert [dataset[i]["label"] for i in (0, 2, 3)] == [0, 1, 2]


def test_when_every_video_is_bad_skipping_ends_with_an_error(videos):
    for i in range(4):
        (videos / "videos" / f"clip{i}.mp4").write_bytes(b"")
    dataset = VideoDataset(str(videos / "train.txt"), DECODE, data_prefix=str(videos / "videos"), skip_bad=True)
    with pytest.raises(VideoReadError, match="no sample of the 4 could be read"):
        dataset[0]


def test_other_pipeline_errors_name_the_sample_and_keep_their_type(videos):
    pipeline = DECODE[:3] + [dict(type="ThreeCrop", crop_size=100)]
    dataset = VideoDataset(str(videos / "train.txt"), pipeline, data_prefix=str(videos / "videos"), skip_bad=True)
    with pytest.raises(ValueError, match=r"sample 2 \(.*clip2.mp4\): ThreeCrop"):
        dataset[2]


def test_evaluate_reports_the_metrics_by_name(tmp_path):
    (tmp_path / "ann.txt").write_text("a.mp4 0\nb.mp4 1\nc.mp4 2\nd.mp4 2\n")
    dataset = VideoDataset(str(tmp_path / "ann.txt"), [])
    scores = [np.array([0.9, 0.05, 0.05]), np.array([0.6, 0.3, 0.1]), np.array([0.1, 0.2, 0.7]),
              np.array([0.1, 0.5, 0.4])]
    out = dataset.evaluate(scores, metrics=["top_k_accuracy", "mean_class_accuracy"],
                           metric_options=dict(top_k_accuracy=dict(topk=(1, 2))))
    # top-1: a and c right; top-2: a, b, c, d all right; per class: 1, 0, 1/2
    assert out == pytest.approx(dict(top1_acc=0.5, top2_acc=1.0, mean_class_accuracy=0.5))
    assert dataset.evaluate(scores, "top_k_accuracy", topk=1) == pytest.approx(dict(top1_acc=0.5))
    with pytest.raises(KeyError, match="unknown metric 'accuracy' for single-label data; allowed: top_k_accuracy"):
        dataset.evaluate(scores, "accuracy")
    with pytest.raises(ValueError, match="3 results for a data set of 4 samples"):
        dataset.evaluate(scores[:3])


def test_multi_label_evaluation(tmp_path):
    (tmp_path / "ann.txt").write_text("a.mp4 0 1\nb.mp4 1\n")
    dataset = VideoDataset(str(tmp_path / "ann.txt"), [], multi_class=True, num_classes=3)
    out = dataset.evaluate([np.array([0.9, 0.8, 0.1]), np.array([0.2, 0.7, 0.3])], "mean_average_precision")
    assert out == pytest.approx(dict(mean_average_precision=1.0))
    with pytest.raises(KeyError, match="for multi-label data; allowed: mean_average_precision"):
        dataset.evaluate([np.zeros(3), np.zeros(3)], "top_k_accuracy")


def test_build_dataset_from_a_config_dict(videos):
    cfg = dict(type="VideoDataset", ann_file=str(videos / "train.txt"), data_prefix=str(videos / "videos"),
               pipeline=DECODE)
    assert isinstance(build_dataset(cfg), VideoDataset)
    repeated = build_dataset(dict(type="RepeatDataset", times=3, dataset=cfg))
    assert len(repeated) == 12 and repeated[5]["label"] == 2
    assert DATASETS.get("VideoDataset") is VideoDataset


def test_an_evaluation_typo_stops_the_eval_hook_at_build_time(tmp_path):
    from torch.utils.data import DataLoader

    from vidrun.config import ConfigError
    from vidrun.runner import EvalHook

    (tmp_path / "ann.txt").write_text("a.mp4 0\n")
    loader = DataLoader(VideoDataset(str(tmp_path / "ann.txt"), []))
    with pytest.raises(ConfigError, match="evaluation: unknown metric 'top_k_acuracy' for single-label data"):
        EvalHook(loader, metrics=["top_k_acuracy"])
    with pytest.raises(ConfigError, match=r"evaluation: evaluate: unexpected arguments \['metrix'\]"):
        EvalHook(loader, metrix=["top_k_accuracy"])
    EvalHook(loader, metrics=["top_k_accuracy"], metric_options=dict(top_k_accuracy=dict(topk=(1, 3))))
