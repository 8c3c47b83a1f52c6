"""Time QPT V2 pretraining steps against mmpretrain's MAE-HiViT.

    python tools/benchmarks/pretrain_step.py [--batch-size 8] [--threads 2]
        [--iters 2] [--repeats 5] [--device cpu|cuda] [--amp] [--compile]
        [--profile] [--clock wall|cpu] [--json FILE] [--dry-run]

Models, all HiViT-T encoders with a 512-wide 6-block decoder, 75% masking,
the same batch of 224x224 inputs and the same threads; one step = forward +
backward + AdamW update:

- ``qpt (fusion, rpe)``: ``configs/_base_/models/qptv2_hivit-t.py`` as it is
  (multi-scale fusion neck, relative position bias);
- ``qpt (fusion, no rpe)``: the same with ``use_rel_pos_bias=False``;
- ``mmpretrain MAEHiViT``: mmpretrain's ``MAEHiViT`` tiny with its
  ``MAEPretrainDecoder`` and ``MAEPretrainHead``, the reference. Its default
  is ``rpe=False``; its masked forward never applies the relative position
  bias even with ``rpe=True`` (the blocks are called without the index), so
  ``rpe=True`` costs the same and is not timed;
- with ``--compile``: ``qpt (fusion, rpe) compiled``, the loss forward
  wrapped in ``torch.compile`` (backward and AdamW eager), what
  ``tools/train.py --compile`` gives through MMEngine's ``compile`` setting.

Timing is interleaved so that a load that changes over the run (shared
machines) hits every model alike (and ``--clock cpu --threads 1`` counts
the CPU time of the process instead of elapsed time, which other jobs on
the cores barely change): after warm-up, each of ``--repeats``
rounds times ``--iters`` steps of every model, the order rotating by one
model per round. A round's ratio is our step time over mmpretrain's in that
round; the table gives the median over rounds and the spread (min-max).
FLOPs come from ``torch.utils.flop_counter``; ``% matmul`` compares the
achieved FLOP rate with a plain matmul on the same device. Peak memory
(CUDA only) is the peak allocated during one step of that model minus
what the other models hold.

``--profile`` adds a per-component breakdown (forward + backward of the
masked encoder, the fusion neck, the decoder, the head/loss, the masking
and the optimiser update; median of the rounds), measured as differences
of cumulative prefixes so that each backward is charged to its part.

``--dry-run``: batch 2, one round of one step, no compile, no FLOP count;
for CI, to keep the script working. The last line is ``ratio X.XX`` (the
median ratio of ``qpt (fusion, rpe)`` to mmpretrain).
"""
import argparse
import json
import os.path as osp
import statistics
import time
from typing import Callable, Dict, List, Optional

import torch
from mmengine.config import Config
from mmengine.logging import MMLogger
from mmengine.registry import DefaultScope
from torch.utils.flop_counter import FlopCounterMode

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
OURS = 'qpt (fusion, rpe)'
OURS_NO_RPE = 'qpt (fusion, no rpe)'
OURS_COMPILED = 'qpt (fusion, rpe) compiled'
MMPRETRAIN = 'mmpretrain MAEHiViT'


def build_ours(device: torch.device, rpe: bool = True) -> torch.nn.Module:
    from qpt.registry import MODELS
    cfg = Config.fromfile(
        osp.join(ROOT, 'configs/_base_/models/qptv2_hivit-t.py'))
    cfg.model.backbone.use_rel_pos_bias = rpe
    with DefaultScope.overwrite_default_scope('qpt'):
        model = MODELS.build(cfg.model)
    model.init_weights()
    return model.to(device)


def build_mmpretrain(device: torch.device) -> torch.nn.Module:
    from mmpretrain.registry import MODELS
    cfg = dict(
        type='MAE',
        backbone=dict(type='MAEHiViT', arch='tiny'),
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


def autocast(device: torch.device, amp: bool):
    return torch.autocast(
        device_type=device.type,
        enabled=amp,
        dtype=torch.bfloat16 if device.type == 'cpu' else torch.float16)


def train_step(model: torch.nn.Module, forward: Callable, amp: bool,
               device: torch.device) -> Callable:
    """One training step of ``model``: ``forward()`` (the loss, a scalar),
    backward, AdamW update; the step returns the detached loss and carries
    its optimiser as ``step.optimizer``."""
    opt = torch.optim.AdamW(model.parameters(), lr=1e-4)

    def step():
        with autocast(device, amp):
            loss = forward()
        loss.backward()
        opt.step()
        opt.zero_grad(set_to_none=True)
        return loss.detach()

    step.optimizer = opt
    return step


def make_step(model: torch.nn.Module, inputs, amp: bool,
              device: torch.device, compiled: bool = False) -> Callable:
    """One pretraining step: loss forward, backward, AdamW update."""

    def loss_fn():
        return sum(model(inputs, mode='loss').values())

    forward = torch.compile(loss_fn) if compiled else loss_fn
    return train_step(model, forward, amp, device)


def sync(device: torch.device) -> None:
    if device.type == 'cuda':
        torch.cuda.synchronize()


def timed(fn: Callable, iters: int, device: torch.device,
          clock: Callable[[], float] = time.perf_counter) -> float:
    """Mean seconds per call of ``fn`` over ``iters`` calls."""
    sync(device)
    t = clock()
    for _ in range(iters):
        fn()
    sync(device)
    return (clock() - t) / iters


def count_flops(model: torch.nn.Module, inputs) -> int:
    with FlopCounterMode(display=False) as counter:
        loss = sum(model(inputs, mode='loss').values())
        loss.backward()
    model.zero_grad(set_to_none=True)
    return counter.get_total_flops()


def matmul_gflops(device: torch.device, n: int = 2048, iters: int = 5,
                  clock: Callable[[], float] = time.perf_counter) -> float:
    a = torch.randn(n, n, device=device)
    b = torch.randn(n, n, device=device)
    a @ b
    sec = timed(lambda: a @ b, iters, device, clock)
    return 2 * n**3 / sec / 1e9


def peak_memory(step: Callable, model: torch.nn.Module,
                device: torch.device) -> Optional[float]:
    """GiB this model needs for a step (CUDA), other models excluded."""
    if device.type != 'cuda':
        return None
    sync(device)
    before = torch.cuda.memory_allocated(device)
    torch.cuda.reset_peak_memory_stats(device)
    step()
    sync(device)
    peak = torch.cuda.max_memory_allocated(device)
    own = sum(p.numel() * p.element_size() for p in model.parameters())
    optimizer = getattr(step, 'optimizer', None)
    for state in (optimizer.state.values() if optimizer else ()):
        own += sum(v.numel() * v.element_size() for v in state.values()
                   if torch.is_tensor(v))
    return (peak - before + own) / 2**30


def interleaved(fns: Dict[str, Callable], iters: int, repeats: int,
                device: torch.device,
                clock: Callable[[], float] = time.perf_counter
                ) -> Dict[str, List[float]]:
    """Seconds per call of every function in each round, order rotated."""
    names = list(fns)
    times = {n: [] for n in names}
    for r in range(repeats):
        for n in names[r % len(names):] + names[:r % len(names)]:
            times[n].append(timed(fns[n], iters, device, clock))
    return times


def spread(values: List[float]) -> str:
    return f'{min(values):.2f}-{max(values):.2f}'


# --------------------------------------------------------------- profiling
def component_fns(ours, mm, x: torch.Tensor, amp: bool,
                  device: torch.device) -> Dict[str, Callable]:
    """Cumulative forward+backward prefixes of both models.

    Each function runs its prefix forward and backward (a fixed random
    projection of the prefix output as the loss) and clears the grads.
    """
    from qpt.models.utils import random_unit_mask
    B = x.shape[0]
    g = torch.Generator(device='cpu').manual_seed(1)
    ids_keep, ids_restore, mask = random_unit_mask(B, 196, 0.75, device)
    L = ids_keep.shape[1]

    def proj(shape):
        return torch.randn(shape, generator=g).to(device)

    p_enc = proj((B, L, 384))
    p_neck = proj((B, L, 512))
    p_pred = proj((B, 196, 768))
    p_mm_enc = proj((B, L, 384))
    p_mm_pred = proj((B, 196, 768))

    def run(model, loss_of):
        def fn():
            with autocast(device, amp):
                loss = loss_of()
            loss.float().backward()
            model.zero_grad(set_to_none=True)
        return fn

    def o_enc():
        return ours.backbone.forward_masked(x, ids_keep)

    def o_neck():
        return ours.neck(o_enc())

    def o_dec():
        return ours.decoder(o_neck(), ids_restore, (14, 14))

    def m_enc():
        return mm.backbone(x)

    def m_dec():
        lat, m, restore = m_enc()
        return mm.neck(lat, restore), m

    def m_head():
        pred, m = m_dec()
        return mm.head.loss(pred, x, m)

    return {
        'qpt mask': lambda: random_unit_mask(B, 196, 0.75, device),
        'qpt encoder': run(ours, lambda: (o_enc()[-1] * p_enc).sum()),
        'qpt +neck': run(ours, lambda: (o_neck() * p_neck).sum()),
        'qpt +decoder': run(ours, lambda: (o_dec() * p_pred).sum()),
        'qpt +head': run(ours,
                         lambda: ours.head.loss(o_dec(), x, mask)['loss']),
        'mm encoder': run(mm, lambda: (m_enc()[0] * p_mm_enc).sum()),
        'mm +decoder': run(mm, lambda: (m_dec()[0] * p_mm_pred).sum()),
        'mm +head': run(mm, m_head),
    }


def print_profile(ours, mm, x, steps, args, device) -> None:
    fns = component_fns(ours, mm, x, args.amp, device)
    for opt_name, model_name in (('qpt optimizer', OURS),
                                 ('mm optimizer', MMPRETRAIN)):
        model, step = steps[model_name]
        step()  # creates the grads and the AdamW state
        with autocast(device, args.amp):
            loss = sum(model(x if model is mm else [x, x.clone()],
                             mode='loss').values())
        loss.backward()
        grads = [(p, p.grad) for p in model.parameters()
                 if p.grad is not None]

        def update(opt=step.optimizer, grads=grads):
            for p, g in grads:  # the component runs clear the grads
                p.grad = g
            opt.step()
        fns[opt_name] = update
    for fn in fns.values():
        fn()
    t = {k: statistics.median(v) for k, v in interleaved(
        fns, args.iters, args.repeats, device, args.clock_fn).items()}
    for model in (ours, mm):
        model.zero_grad(set_to_none=True)
    t_mm_head = t['mm +head'] - t['mm +decoder']
    rows = [
        ('masking', t['qpt mask'], None),
        ('encoder (masked)', t['qpt encoder'], t['mm encoder']),
        ('fusion neck', t['qpt +neck'] - t['qpt encoder'], None),
        ('decoder (incl. embed)', t['qpt +decoder'] - t['qpt +neck'],
         t['mm +decoder'] - t['mm encoder']),
        ('head / loss', t['qpt +head'] - t['qpt +decoder'], t_mm_head),
        ('AdamW update', t['qpt optimizer'], t['mm optimizer']),
    ]
    print(f'\nPer component, forward + backward, ms (median of '
          f'{args.repeats} rounds of {args.iters})')
    print(f'{"component":24s} {"qpt":>9s} {"mmpretrain":>11s}')
    for name, a, b in rows:
        mm_col = f'{1e3 * b:11.1f}' if b is not None else f'{"-":>11s}'
        print(f'{name:24s} {1e3 * a:9.1f} {mm_col}')
    print('(mmpretrain masks inside its encoder; its "decoder" includes '
          'the 384->512 embedding that our fusion neck replaces)')


# --------------------------------------------------------------------- main
def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--batch-size', type=int, default=8)
    parser.add_argument('--threads', type=int, default=2)
    parser.add_argument('--iters', type=int, default=2,
                        help='steps per model per round')
    parser.add_argument('--repeats', type=int, default=5,
                        help='interleaved rounds; the median is reported')
    parser.add_argument('--warmup', type=int, default=1,
                        help='untimed steps per model (compiled: +2)')
    parser.add_argument('--device', default='cpu')
    parser.add_argument('--amp', action='store_true',
                        help='autocast: bfloat16 on CPU, float16 on CUDA')
    parser.add_argument('--compile', action='store_true',
                        help='also time our model under torch.compile')
    parser.add_argument('--profile', action='store_true',
                        help='per-component forward+backward breakdown')
    parser.add_argument('--no-flops', action='store_true',
                        help='skip the FLOP count')
    parser.add_argument(
        '--clock', choices=['wall', 'cpu'], default='wall',
        help='wall: elapsed time; cpu: CPU time of this process (CPU device '
        'only; with --threads 1 it is the work a step costs, unaffected by '
        'other jobs taking turns on a shared machine)')
    parser.add_argument('--json', help='also write the rows to this file')
    parser.add_argument('--dry-run', action='store_true',
                        help='batch 2, one round of one step, no compile')
    args = parser.parse_args()
    if args.dry_run:
        args.batch_size, args.iters, args.repeats = 2, 1, 1
        args.compile, args.no_flops = False, True
    if args.clock == 'cpu' and args.device != 'cpu':
        parser.error('--clock cpu measures CPU time: use it with --device '
                     'cpu')
    args.clock_fn = time.process_time if args.clock == 'cpu' else \
        time.perf_counter
    return args


def main() -> None:
    args = parse_args()
    from qpt.utils import register_all_modules
    register_all_modules(init_default_scope=False)
    import mmpretrain.models  # noqa: F401
    MMLogger.get_current_instance().setLevel('WARNING')  # init_weights logs
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    device = torch.device(args.device)
    x = torch.randn(args.batch_size, 3, 224, 224, device=device)

    models = {
        OURS: (build_ours(device), [x, x.clone()]),
        OURS_NO_RPE: (build_ours(device, rpe=False), [x, x.clone()]),
        MMPRETRAIN: (build_mmpretrain(device), x),
    }
    steps = {}
    for name, (model, inputs) in models.items():
        model.train()
        steps[name] = (model, make_step(model, inputs, args.amp, device))
    if args.compile:
        model, inputs = models[OURS]
        steps[OURS_COMPILED] = (model, make_step(model, inputs, args.amp,
                                                 device, compiled=True))

    flops, memory = {}, {}
    for name, (model, step) in steps.items():
        inputs = models[OURS if name == OURS_COMPILED else name][1]
        if not args.no_flops and name != OURS_COMPILED:
            flops[name] = count_flops(model, inputs)
        t = time.perf_counter()
        for _ in range(args.warmup + (2 if name == OURS_COMPILED else 0)):
            step()
        if name == OURS_COMPILED:
            print(f'compile + {args.warmup + 2} warm-up steps: '
                  f'{time.perf_counter() - t:.0f} s')
        memory[name] = peak_memory(step, model, device)
    flops[OURS_COMPILED] = flops.get(OURS)

    times = interleaved({n: s for n, (_, s) in steps.items()}, args.iters,
                        args.repeats, device, args.clock_fn)
    base = times[MMPRETRAIN]
    mm_gflops = None if args.no_flops else matmul_gflops(
        device, clock=args.clock_fn)

    print(f'\nPretraining step, batch {args.batch_size}, {args.threads} '
          f'threads, {device}{" AMP" if args.amp else ""}, mask 0.75, '
          f'{args.repeats} rounds of {args.iters} steps (median, min-max), '
          f'{args.clock} clock')
    print(f'{"model":28s} {"s/step":>7s} {"spread":>11s} {"steps/s":>8s} '
          f'{"samples/s":>9s} {"GFLOP/s":>8s} {"%matmul":>7s} '
          f'{"peak GiB":>8s} {"vs mmpretrain":>13s} {"spread":>9s}')
    rows = []
    for name, sec in times.items():
        med = statistics.median(sec)
        ratios = [a / b for a, b in zip(sec, base)]
        gf = flops[name] / med / 1e9 if flops.get(name) else None
        row = dict(
            model=name, s_per_step=med, s_min=min(sec), s_max=max(sec),
            steps_per_s=1 / med, samples_per_s=args.batch_size / med,
            gflops=gf, peak_gib=memory[name],
            ratio=statistics.median(ratios), ratio_min=min(ratios),
            ratio_max=max(ratios))
        rows.append(row)
        gf_s = f'{gf:8.1f} {100 * gf / mm_gflops:6.0f}%' if gf else \
            f'{"-":>8s} {"-":>7s}'
        mem_s = f'{memory[name]:8.2f}' if memory[name] is not None else \
            f'{"-":>8s}'
        print(f'{name:28s} {med:7.3f} {spread(sec):>11s} {1 / med:8.2f} '
              f'{args.batch_size / med:9.1f} {gf_s} {mem_s} '
              f'{row["ratio"]:13.2f} {spread(ratios):>9s}')
    if mm_gflops:
        print(f'{"plain matmul 2048^2":28s} {"":7s} {"":11s} {"":8s} '
              f'{"":9s} {mm_gflops:8.1f}')

    if args.profile:
        print_profile(models[OURS][0], models[MMPRETRAIN][0], x, steps, args,
                      device)
    if args.json:
        from qpt.utils import atomic_write_text
        atomic_write_text(
            json.dumps(dict(batch_size=args.batch_size, device=str(device),
                            amp=args.amp, rows=rows), indent=1), args.json)
    ours = rows[0]
    if args.compile:
        comp = next(r for r in rows if r['model'] == OURS_COMPILED)
        print(f'compiled ratio {comp["ratio"]:.2f} (spread '
              f'{comp["ratio_min"]:.2f}-{comp["ratio_max"]:.2f})')
    print(f'ratio {ours["ratio"]:.2f} (spread {ours["ratio_min"]:.2f}-'
          f'{ours["ratio_max"]:.2f} over {args.repeats} rounds)')


if __name__ == '__main__':
    main()
