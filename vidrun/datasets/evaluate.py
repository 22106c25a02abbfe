"""`evaluate_scores`: the metrics a data set's `evaluate` reports, by MMAction2's metric names."""
from __future__ import annotations

import logging
from collections.abc import Sequence

import numpy as np

from vidrun.evaluation import mean_average_precision, mean_class_accuracy, top_k_accuracy

SINGLE_LABEL_METRICS = ("top_k_accuracy", "mean_class_accuracy", "mean_average_precision")
MULTI_LABEL_METRICS = ("mean_average_precision",)


def _as_list(metrics: str | Sequence[str]) -> list[str]:
    return [metrics] if isinstance(metrics, str) else list(metrics)


def _options(metric_options: dict | None, deprecated: dict) -> dict:
    options = {"top_k_accuracy": {"topk": (1, 5)}}
    for name, value in (metric_options or {}).items():
        options[name] = {**options.get(name, {}), **value}
    if "topk" in deprecated:  # MMAction2's old `evaluate(results, topk=...)`
        options["top_k_accuracy"] = {**options["top_k_accuracy"], "topk": deprecated.pop("topk")}
    if deprecated:
        raise TypeError(f"evaluate: unexpected arguments {sorted(deprecated)}")
    return options


def _one_hot(labels: list, num_classes: int) -> np.ndarray:
    targets = np.zeros((len(labels), num_classes), dtype=np.int64)
    for row, label in enumerate(labels):
        targets[row, label] = 1
    return targets


def check_evaluation(metrics: str | Sequence[str] = "top_k_accuracy", metric_options: dict | None = None, *,
                     multi_class: bool = False, **deprecated) -> tuple[list[str], dict]:
    """The metric names and their options, checked: an unknown metric (a KeyError naming the allowed ones) or
    an unexpected argument (a TypeError) is found before any scoring, e.g. when an `EvalHook` is built."""
    allowed = MULTI_LABEL_METRICS if multi_class else SINGLE_LABEL_METRICS
    metrics = _as_list(metrics)
    unknown = [m for m in metrics if m not in allowed]
    if unknown:
        kind = "multi-label" if multi_class else "single-label"
        raise KeyError(f"unknown metric {unknown[0]!r} for {kind} data; allowed: {', '.join(allowed)}")
    return metrics, _options(metric_options, dict(deprecated))


def evaluate_scores(scores: np.ndarray, labels: list, metrics: str | Sequence[str] = "top_k_accuracy",
                    metric_options: dict | None = None, *, multi_class: bool = False,
                    logger: logging.Logger | None = None, **deprecated) -> dict[str, float]:
    """`{'top1_acc': ..., 'top5_acc': ..., 'mean_class_accuracy': ..., 'mean_average_precision': ...}` for the
    metrics asked. `scores` is [N, num_classes]; `labels` holds an int per sample, or a list of ints for
    multi-label data. An unknown metric is an error naming the allowed ones."""
    metrics, options = check_evaluation(metrics, metric_options, multi_class=multi_class, **deprecated)
    results: dict[str, float] = {}
    for metric in metrics:
        if metric == "top_k_accuracy":
            topk = options["top_k_accuracy"]["topk"]
            topk = (topk,) if isinstance(topk, int) else tuple(topk)
            for k, accuracy in zip(topk, top_k_accuracy(scores, labels, topk)):
                results[f"top{k}_acc"] = float(accuracy)
        elif metric == "mean_class_accuracy":
            results["mean_class_accuracy"] = float(mean_class_accuracy(scores, labels))
        else:
            targets = [list(label) for label in labels] if multi_class else _one_hot(labels, scores.shape[1])
            results["mean_average_precision"] = float(mean_average_precision(scores, targets))
    if logger is not None:
        logger.info("Evaluation: " + ", ".join(f"{k}: {v:.4f}" for k, v in results.items()))
    return results

