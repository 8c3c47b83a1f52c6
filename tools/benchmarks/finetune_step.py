"""Time IQA fine-tuning steps and VQA inference against mmpretrain's HiViT.

    python tools/benchmarks/finetune_step.py [--device cuda] [--amp]
        [--batch-size 64] [--clips 4] [--iters 5] [--repeats 3]
        [--json FILE] [--dry-run]

Network time only (synthetic, already preprocessed inputs; the data side
has its own benchmarks, ``iqa_inference.py`` and ``vqa_inference.py``):

- IQA fine-tuning step at ``--batch-size`` of 224x224: forward, L1 loss,
  backward, AdamW update. Ours: the QPT V2 image scorer
  (``configs/_base_/models/qptv2_hivit-t_quality.py``: HiViT-T with the
  relative position bias, mean pooling, 384-64-1 MLP head). mmpretrain's:
  its ``HiViT`` tiny (``rpe=False``, its default) with the same pooling and
  head, built here.
- VQA inference: ``--clips`` clips of 32x224x224 frames, 16x14x14 = 3136
  tokens each, through the video scorer
  (``configs/_base_/models/qptv2_hivit-t_vqa.py``, HiViT3D-T, global
  attention over the 3136 tokens) under ``torch.no_grad``. mmpretrain has no
  video HiViT; its nearest equal-cost model is ``HiViT`` tiny on one
  896x896 image (56x56 = 3136 tokens, the same attention size), timed per
  clip-equivalent.

``--amp``: autocast (float16 on CUDA, bfloat16 on CPU). Interleaved rounds
as in ``pretrain_step.py``; medians, with min-max spreads. ``--dry-run``:
batch 2, one clip of 4x64x64 (32 tokens; mmpretrain: 128x128, 64 tokens),
one round of one step, so that CI keeps the script working.
"""
import argparse
import json
import os.path as osp
import statistics
import sys

import torch
import torch.nn as nn
from mmengine.config import Config
from mmengine.logging import MMLogger
from mmengine.registry import DefaultScope
from mmpretrain.structures import DataSample

sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
from pretrain_step import (autocast, interleaved, peak_memory,  # noqa: E402
                           train_step)

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def build_scorer(device: torch.device, video: bool = False,
                 num_frames: int = 32) -> nn.Module:
    from qpt.registry import MODELS
    name = 'qptv2_hivit-t_vqa.py' if video else 'qptv2_hivit-t_quality.py'
    cfg = Config.fromfile(osp.join(ROOT, 'configs/_base_/models', name))
    if video:
        cfg.model.backbone.num_frames = num_frames
    with DefaultScope.overwrite_default_scope('qpt'):
        model = MODELS.build(cfg.model)
    model.init_weights()
    return model.to(device)


class MMPretrainScorer(nn.Module):
    """mmpretrain ``HiViT`` tiny, mean over tokens, 384-64-1 MLP head."""

    def __init__(self, img_size: int = 224) -> None:
        super().__init__()
        from mmpretrain.registry import MODELS
        with DefaultScope.overwrite_default_scope('mmpretrain'):
            self.backbone = MODELS.build(
                dict(type='HiViT', arch='tiny', img_size=img_size,
                     out_indices=[-1], drop_path_rate=0.1))
        self.head = nn.Sequential(
            nn.Linear(384, 64), nn.GELU(), nn.Dropout(0.1), nn.Linear(64, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.backbone(x)[-1].flatten(2).mean(-1))[:, 0]


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--batch-size', type=int, default=64)
    parser.add_argument('--clips', type=int, default=4)
    parser.add_argument('--threads', type=int, default=2)
    parser.add_argument('--iters', type=int, default=3)
    parser.add_argument('--repeats', type=int, default=3)
    parser.add_argument('--device', default='cpu')
    parser.add_argument('--amp', action='store_true')
    parser.add_argument('--json', help='also write the rows to this file')
    parser.add_argument('--dry-run', action='store_true')
    args = parser.parse_args()
    if args.dry_run:
        args.batch_size, args.clips, args.iters, args.repeats = 2, 1, 1, 1
    return args


def main() -> None:
    args = parse_args()
    from qpt.utils import register_all_modules
    register_all_modules(init_default_scope=False)
    import mmpretrain.models  # noqa: F401
    MMLogger.get_current_instance().setLevel('WARNING')
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    device = torch.device(args.device)
    B, K = args.batch_size, args.clips
    frames, side, mm_side = (4, 64, 128) if args.dry_run else (32, 224, 896)

    # IQA fine-tuning
    img = torch.randn(B, 3, 224, 224, device=device)
    target = torch.rand(B, device=device)
    samples = [DataSample() for _ in range(B)]
    for sample, t in zip(samples, target):
        sample.set_field(t, 'gt_score_norm')
    ours = build_scorer(device).train()
    mm = MMPretrainScorer().to(device).train()
    iqa = {
        'qpt IQA fine-tune step': (ours, train_step(
            ours, lambda: sum(ours(img, samples, mode='loss').values()),
            args.amp, device)),
        'mmpretrain HiViT IQA step': (mm, train_step(
            mm, lambda: (mm(img).float() - target).abs().mean(), args.amp,
            device)),
    }
    # VQA inference (3136 tokens per clip)
    clip = torch.randn(K, 3, frames, side, side, device=device)
    mm_img = torch.randn(K, 3, mm_side, mm_side, device=device)
    vqa_ours = build_scorer(device, video=True, num_frames=frames).eval()
    vqa_mm = MMPretrainScorer(mm_side).to(device).eval()

    def infer(model, x):
        def fn():
            with torch.no_grad(), autocast(device, args.amp):
                model(x)
        return fn

    vqa = {
        'qpt VQA inference (clips)': (vqa_ours, infer(vqa_ours, clip)),
        'mmpretrain HiViT 3136 tokens': (vqa_mm, infer(vqa_mm, mm_img)),
    }
    rows = []
    for group, count, unit in ((iqa, B, 'samples'), (vqa, K, 'clips')):
        memory = {}
        for name, (model, fn) in group.items():
            fn()  # warm-up
            memory[name] = peak_memory(fn, model, device)
        times = interleaved({n: f for n, (_, f) in group.items()},
                            args.iters, args.repeats, device)
        names = list(times)
        base = times[names[1]]
        for name in names:
            sec = times[name]
            med = statistics.median(sec)
            ratios = [a / b for a, b in zip(sec, base)]
            rows.append(dict(model=name, s_per_step=med,
                             steps_per_s=1 / med, per_s=count / med,
                             unit=unit, peak_gib=memory[name],
                             ratio=statistics.median(ratios),
                             ratio_min=min(ratios), ratio_max=max(ratios)))
    print(f'\nFine-tuning and inference, {device}'
          f'{" AMP" if args.amp else ""}, IQA batch {B} of 224, VQA {K} '
          f'clip(s) of {frames}x{side}x{side} ({args.repeats} rounds of '
          f'{args.iters}; median)')
    print(f'{"model":30s} {"s/step":>8s} {"steps/s":>8s} {"per s":>14s} '
          f'{"peak GiB":>8s} {"vs mmpretrain":>13s}')
    for r in rows:
        mem = f'{r["peak_gib"]:8.2f}' if r['peak_gib'] is not None else \
            f'{"-":>8s}'
        print(f'{r["model"]:30s} {r["s_per_step"]:8.3f} '
              f'{r["steps_per_s"]:8.2f} {r["per_s"]:8.1f} {r["unit"]:>5s} '
              f'{mem} {r["ratio"]:13.2f}')
    if args.json:
        from qpt.utils import atomic_write_text
        atomic_write_text(
            json.dumps(dict(device=str(device), amp=args.amp, rows=rows),
                       indent=1), args.json)


if __name__ == '__main__':
    main()
