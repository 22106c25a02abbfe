"""`vidrun train CONFIG ...`: train a model as its config says, in a work directory.

Exit status: 0 when training ends, 75 when it was preempted (SIGTERM or SIGUSR1, see `preemption` in the
config) after saving a checkpoint that `--auto-resume` continues from, 2 for a bad config, a missing file or a
launcher that cannot be joined, 1 for any other error."""
from __future__ import annotations

import argparse
import copy
import gc
import os
import time

from vidrun.cli.common import add_config_arguments, add_launcher_argument, join_launcher, load_config
from vidrun.utils import collect_env, get_dist_info, get_logger, init_random_seed, set_random_seed


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("train", help="train a model from a config",
                                   description="Train a model from a config file in a work directory, which "
                                               "receives the resolved config, the logs and the checkpoints.")
    add_config_arguments(parser)
    parser.add_argument("--work-dir", help="where logs and checkpoints go (default: config's work_dir, else "
                                           "./work_dirs/<config name>)")
    resume = parser.add_mutually_exclusive_group()
    resume.add_argument("--resume-from", metavar="CKPT", help="continue the run saved in CKPT exactly")
    resume.add_argument("--auto-resume", action="store_true",
                        help="continue from the newest readable checkpoint of the work dir, if any")
    parser.add_argument("--load-from", metavar="CKPT", help="start from the weights in CKPT (a new run)")
    parser.add_argument("--seed", type=int, help="random seed (default: the config's seed, else a fresh one)")
    parser.add_argument("--deterministic", action="store_true", help="deterministic cuDNN algorithms")
    parser.add_argument("--validate", action="store_true",
                        help="evaluate on data.val during training (also on when the config sets evaluation)")
    add_launcher_argument(parser)
    parser.set_defaults(run=run)


def _apply_arguments(cfg, args: argparse.Namespace) -> None:
    stem = os.path.splitext(os.path.basename(args.config))[0]
    cfg.work_dir = args.work_dir or cfg.get("work_dir") or os.path.join("work_dirs", stem)
    if args.resume_from:
        cfg.resume_from = args.resume_from
    if args.auto_resume:
        cfg.auto_resume = True
    if args.load_from:
        cfg.load_from = args.load_from


def _datasets(cfg) -> list:
    """The train set, and for a `('val', n)` workflow entry the val set read with the train pipeline (its
    losses are logged; scores come from the `EvalHook`)."""
    from vidrun.datasets import build_dataset

    datasets = [build_dataset(cfg.data.train)]
    if any(mode == "val" for mode, _ in cfg.workflow):
        val = copy.deepcopy(cfg.data.val)
        val.pipeline = cfg.data.train.pipeline
        datasets.append(build_dataset(val))
    return datasets


def _shared_seed(seed: int | None, distributed: bool) -> int:
    """`seed`, else a fresh one; distributed, rank 0's for every rank (fresh ones would differ). All
    processes share the seed, as in the tutorial's toolbox: the samplers shuffle alike and DDP starts from
    rank 0's weights anyway; data-loader workers mix in the rank themselves."""
    import torch.distributed as dist

    box = [init_random_seed(seed)]
    if distributed:
        dist.broadcast_object_list(box, src=0)
    return box[0]


def run(args: argparse.Namespace) -> int:
    cfg = load_config(args)
    _apply_arguments(cfg, args)
    get_logger("vidrun", log_level=cfg.get("log_level", "INFO"))  # rank-aware before joining, for its warnings
    distributed = join_launcher(args, cfg)
    from vidrun.runner.preemption import PREEMPTED_EXIT_CODE, Preempted

    try:
        return _train(args, cfg, distributed)
    except Preempted:  # the checkpoint is written and logged: a scheduler may requeue the job on this status
        return PREEMPTED_EXIT_CODE
    finally:
        if distributed:
            import torch.distributed as dist

            gc.collect()  # the DDP wrapper, held in reference cycles, must go before its process group does
            dist.destroy_process_group()


def _train(args: argparse.Namespace, cfg, distributed: bool) -> int:
    """Set up the work dir, logging and seed, build the model and train it; only rank 0 writes files."""
    import torch.distributed as dist

    from vidrun.apis import train_model
    from vidrun.models import build_model

    rank, world_size = get_dist_info()
    os.makedirs(cfg.work_dir, exist_ok=True)
    if rank == 0:
        cfg.dump(os.path.join(cfg.work_dir, os.path.basename(args.config)))
    timestamp = time.strftime("%Y%m%d_%H%M%S", time.localtime())
    logger = get_logger("vidrun", log_file=os.path.join(cfg.work_dir, f"{timestamp}.log"),
                        log_level=cfg.get("log_level", "INFO"))
    env = collect_env()
    logger.info("environment:\n" + "\n".join(f"  {key}: {value}" for key, value in env.items()))
    if distributed:
        logger.info("distributed: %d processes, backend %s", world_size, dist.get_backend())
    seed = _shared_seed(args.seed if args.seed is not None else cfg.get("seed"), distributed)
    set_random_seed(seed, deterministic=args.deterministic)
    cfg.seed = seed
    logger.info("seed %d, deterministic %s; config:\n%s", seed, args.deterministic, cfg.pretty_text)
    model = build_model(cfg.model, train_cfg=cfg.get("train_cfg"), test_cfg=cfg.get("test_cfg"))
    meta = dict(seed=seed, config=cfg.pretty_text, env=env, exp_name=os.path.basename(args.config))
    train_model(model, _datasets(cfg), cfg, distributed=distributed,
                validate=args.validate or bool(cfg.get("evaluation")), timestamp=timestamp, meta=meta,
                logger=logger)
    logger.info("done: logs and checkpoints are in %s", cfg.work_dir)
    return 0
