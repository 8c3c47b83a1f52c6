"""Time QPT V2 pretraining steps against mmpretrain's MAE-HiViT.

    python tools/benchmarks/pretrain_step.py [--batch-size 8] [--threads 2]
        [--iters 6] [--device cpu|cuda] [--amp] [--photos DIR]

Both models: HiViT-T encoder, 512-wide 6-block decoder, 75% masking, same
batch of 224x224 inputs, same threads; one step = forward + backward +
AdamW update. Ours adds the multi-scale fusion and the relative position
bias (mmpretrain's MAEHiViT defaults to ``rpe=False``; it is also timed with
``rpe=True``). Reports achieved GFLOP/s (FLOPs counted by
``torch.utils.flop_counter``) against a plain matmul on the same device, and
the data pipeline's images/s per core on HR photos: the full training
pipeline (decode, crop, flip, blur<->CST degradation, pack) and the
degradation alone, plus the CPU workers one training step needs to be fed.
The last line is ``ratio X.XX`` (our step time / mmpretrain's default).
"""
import argparse
import glob
import os
import os.path as osp
import statistics
import time

import numpy as np
import torch
from mmengine.config import Config
from mmengine.registry import DefaultScope
from torch.utils.flop_counter import FlopCounterMode

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def build_ours(device):
    from qpt.registry import MODELS
    cfg = Config.fromfile(
        osp.join(ROOT, 'configs/_base_/models/qptv2_hivit-t.py'))
    with DefaultScope.overwrite_default_scope('qpt'):
        model = MODELS.build(cfg.model)
    model.init_weights()
    return model.to(device)


def build_mmpretrain(device, rpe=False):
    from mmpretrain.registry import MODELS
    cfg = dict(
        type='MAE',
        backbone=dict(type='MAEHiViT', arch='tiny', rpe=rpe),
        neck=dict(
            type='MAEPretrainDecoder', num_patches=196, patch_size=16,
            in_chans=3, embed_dim=384, decoder_embed_dim=512,
            decoder_depth=6, decoder_num_heads=16, mlp_ratio=4.),
        head=dict(type='MAEPretrainHead', norm_pix=True, patch_size=16,
                  loss=dict(type='PixelReconstructionLoss',
                            criterion='L2')))
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        model = MODELS.build(cfg)
    model.init_weights()
    return model.to(device)


def step_fn(model, inputs, amp, device):
    opt = torch.optim.AdamW(model.parameters(), lr=1e-4)

    def step():
        with torch.autocast(device_type=device.type, enabled=amp,
                            dtype=torch.bfloat16 if device.type == 'cpu'
                            else torch.float16):
            loss = sum(model(inputs, mode='loss').values())
        loss.backward()
        opt.step()
        opt.zero_grad(set_to_none=True)
    return step


def time_steps(step, iters, device):
    step()  # warm-up
    times = []
    for _ in range(iters):
        if device.type == 'cuda':
            torch.cuda.synchronize()
        t = time.perf_counter()
        step()
        if device.type == 'cuda':
            torch.cuda.synchronize()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def count_flops(model, inputs):
    with FlopCounterMode(display=False) as counter:
        loss = sum(model(inputs, mode='loss').values())
        loss.backward()
    model.zero_grad(set_to_none=True)
    return counter.get_total_flops()


def matmul_gflops(device, n=2048, iters=5):
    a = torch.randn(n, n, device=device)
    b = torch.randn(n, n, device=device)
    a @ b
    if device.type == 'cuda':
        torch.cuda.synchronize()
    t = time.perf_counter()
    for _ in range(iters):
        a @ b
    if device.type == 'cuda':
        torch.cuda.synchronize()
    return 2 * n**3 * iters / (time.perf_counter() - t) / 1e9


def pipeline_throughput(photos, num=24):
    """Images/s on one core: full training pipeline and degradation only."""
    from mmengine.dataset import Compose
    from qpt.registry import TRANSFORMS
    cfg = Config.fromfile(
        osp.join(ROOT, 'configs/_base_/datasets/sa1b_pretrain.py'))
    paths = sorted(glob.glob(osp.join(photos, '*.jpg')))
    if not paths:
        return None, None
    paths = (paths * (num // len(paths) + 1))[:num]
    torch.set_num_threads(1)
    with DefaultScope.overwrite_default_scope('qpt'):
        pipeline = Compose(cfg.train_pipeline)
        degradation = TRANSFORMS.build(cfg.sequential_degradation)
    np.random.seed(0)
    t = time.perf_counter()
    crops = []
    for p in paths:
        out = pipeline(dict(img_path=p))
        crops.append(out['inputs'][1].permute(1, 2, 0).numpy().copy())
    full = num / (time.perf_counter() - t)
    t = time.perf_counter()
    for _ in range(4):
        for c in crops:
            degradation(dict(img=c.copy()))
    degr = 4 * num / (time.perf_counter() - t)
    return full, degr


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--batch-size', type=int, default=8)
    parser.add_argument('--threads', type=int, default=2)
    parser.add_argument('--iters', type=int, default=6)
    parser.add_argument('--device', default='cpu')
    parser.add_argument('--amp', action='store_true')
    parser.add_argument(
        '--photos', default=osp.join(ROOT, '..', 'shared', 'data', 'images',
                                     'hr_photos'))
    args = parser.parse_args()
    from qpt.utils import register_all_modules
    register_all_modules(init_default_scope=False)
    import mmpretrain.models  # noqa: F401
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    device = torch.device(args.device)
    x = torch.randn(args.batch_size, 3, 224, 224, device=device)

    models = {
        'qpt QPTV2 (fusion, rpe)': (build_ours(device), [x, x.clone()]),
        'mmpretrain MAEHiViT (default, no rpe)':
        (build_mmpretrain(device, rpe=False), x),
        'mmpretrain MAEHiViT rpe=True': (build_mmpretrain(device, rpe=True),
                                         x),
    }
    mm = matmul_gflops(device)
    rows = []
    for name, (model, inputs) in models.items():
        model.train()
        flops = count_flops(model, inputs)
        sec = time_steps(step_fn(model, inputs, args.amp, device),
                         args.iters, device)
        rows.append((name, sec, flops / sec / 1e9))
    base = rows[1][1]
    print(f'\nPretraining step, batch {args.batch_size}, {args.threads} '
          f'threads, {device}{" AMP" if args.amp else ""}, mask 0.75')
    print(f'{"model":40s} {"s/step":>8s} {"GFLOP/s":>8s} {"% matmul":>9s} '
          f'{"vs mmpretrain":>13s}')
    for name, sec, gf in rows:
        print(f'{name:40s} {sec:8.3f} {gf:8.1f} {100 * gf / mm:8.1f}% '
              f'{sec / base:13.2f}')
    print(f'{"plain matmul 2048^2":40s} {"":8s} {mm:8.1f}')

    full, degr = pipeline_throughput(args.photos)
    if full is not None:
        step_imgs = args.batch_size / rows[0][1]
        print(f'\nData pipeline on HR photos, 1 core: full train pipeline '
              f'{full:.1f} img/s; degradation alone {degr:.1f} img/s')
        print(f'A training step consumes {step_imgs:.1f} img/s here: '
              f'{step_imgs / full:.2f} workers keep up.')
    print(f'ratio {rows[0][1] / base:.2f}')


if __name__ == '__main__':
    main()
