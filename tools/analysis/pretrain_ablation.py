"""Pretraining ablation: which QPT V2 recipe makes a quality-aware encoder?

Example (the run recorded in ``docs/ablation.md``)::

    python tools/analysis/pretrain_ablation.py --work-dir work_dirs/ablation \
        --iters 500 --finetune-iters 100 --seeds 0,1 \
        --arms clean,degraded,plain,none,advanced,nofusion

Arms (each from the same photos, seeds and budget; the pretraining arms
start from ``configs/qptv2/pretrain_hivit_demo.py`` and differ from it by
one option, set explicitly so that a change of the demo's default does not
change an arm):

=========  ==============================================================
arm        pretraining
=========  ==============================================================
none       no pretraining: the seeded random initialisation
plain      plain MIM: ``DegradationPair(degradation=None)``
clean      QPT V2, sequential degradation, clean target
degraded   QPT V2, sequential degradation, degraded target
advanced   QPT V2, the ``advanced_degradation`` composition, clean target
nofusion   QPT V2 clean target, ``model.neck.fusion='none'`` (stage 3 only)
=========  ==============================================================

Path of every arm and seed (each stage cached in the work dir: a stage whose
``<stage>.json`` stamp exists is skipped, so an interrupted run resumes;
``--force STAGE`` re-runs a stage, and pretraining resumes from its last
checkpoint):

1. ``pretrain``: ``tools/train.py`` on the training photos, ``--iters``
   iterations, the demo's schedule stretched to them (every boundary scaled
   by ``iters / demo iters``), ``--crop-size`` crops, ``--batch-size``.
2. ``probe``: ``tools/analysis/quality_probe.py`` on the held-out photos
   (frozen stage 1-3 features, photo-grouped ridge CV, SRCC per type).
3. ``finetune``: ``tools/train.py`` with ``configs/qptv2/iqa_hivit-t_demo.py``
   from the pretrained backbone (``init_cfg=StrictPretrained``: every
   encoder tensor or an error; ``none``: from the random initialisation) on the
   training photos' synthetic set with all five distortion types, for
   ``--finetune-iters``, the demo schedule stretched likewise, the last
   checkpoint kept (no validation: the held-out photos are never looked at).
4. ``test``: ``tools/test.py`` on the synthetic set of the held-out photos:
   SRCC / PLCC.

Photos: the folders ``--photos`` (default the shared real photos:
``hr_photos``, ``skimage``, ``misc``), minus ``--exclude`` (re-encodings of
another photo, and a photo that is already blurred), each resized to a short
side of ``--size`` px once (``photos/all``). ``--heldout`` names the photos
that no training stage ever sees (``photos/heldout``); the rest are
``photos/train``. Both lists are written to ``photos/lists.json``.

Outputs: ``<work-dir>/ablation.csv`` (one row per arm and seed),
``<work-dir>/ablation_summary.csv`` and ``ablation.md`` (mean and standard
deviation over seeds per arm, with the command, the settings and the wall
times). ``--device cuda`` and larger ``--iters`` scale the same run on a GPU.
"""
import argparse
import copy
import csv
import io
import json
import os
import os.path as osp
import shlex
import subprocess
import sys
import time
from typing import Dict, List, Optional, Sequence

import numpy as np

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
ARMS = ('none', 'plain', 'clean', 'degraded', 'advanced', 'nofusion')
ARM_TEXT = {
    'none': 'no pretraining (random init)',
    'plain': 'plain MIM (no degradation)',
    'clean': 'QPT V2, clean target',
    'degraded': 'QPT V2, degraded target',
    'advanced': 'QPT V2, advanced composition, clean target',
    'nofusion': 'QPT V2, clean target, fusion off',
}
STAGES = ('pretrain', 'probe', 'finetune', 'test')
DEFAULT_PHOTOS = ('../shared/data/images/hr_photos',
                  '../shared/data/images/skimage',
                  '../shared/data/images/misc')
# jxl_flower_q85_* re-encode hr_photos/jxl_flower.png (same content: it
# would sit on both sides of the split); clock_motion is already blurred.
DEFAULT_EXCLUDE = ('clock_motion', 'jxl_flower_q85_420', 'jxl_flower_q85_422',
                   'jxl_flower_q85_444', 'jxl_flower_q85_gray')
# 8 of the 30 photos, from all three folders, colour and grey.
DEFAULT_HELDOUT = ('Dune', 'LadyBird', 'Storm', 'camera', 'chelsea',
                   'coffee', 'grace_hopper', 'tmshre_riaphotographs_srgb8')
PRETRAIN_CONFIG = 'configs/qptv2/pretrain_hivit_demo.py'
FINETUNE_CONFIG = 'configs/qptv2/iqa_hivit-t_demo.py'
PROBE_TYPES = ('blur', 'jpeg', 'noise', 'contrast', 'saturation')
# fine-tuning set: every type of tools/data/make_synthetic_iqa.py
IQA_TYPES = ('blur', 'jpeg', 'noise', 'contrast', 'resize')


# ---------------------------------------------------------------------------
# small helpers
# ---------------------------------------------------------------------------
def _csv_list(text: str) -> List[str]:
    return [t.strip() for t in text.split(',') if t.strip()]


def _write_json(obj, path: str) -> None:
    from qpt.utils import atomic_write_text
    atomic_write_text(json.dumps(obj, indent=1) + '\n', path)


def _read_json(path: str):
    with open(path, 'r', encoding='utf-8') as f:
        return json.load(f)


def _rows_csv(rows: Sequence[dict], fields: Sequence[str]) -> str:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(fields), lineterminator='\n',
                            extrasaction='ignore')
    writer.writeheader()
    writer.writerows(rows)
    return buf.getvalue()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def code_state() -> dict:
    """The commit and the locally modified code files (several people may
    edit one tree while a long ablation runs; each stage records what it
    ran on)."""
    def git(*a):
        try:
            return subprocess.run(['git', *a], cwd=ROOT, capture_output=True,
                                  text=True, timeout=60).stdout.rstrip()
        except (OSError, subprocess.SubprocessError):
            return ''
    status = git('status', '--porcelain', '--', 'qpt', 'configs', 'tools')
    return dict(commit=git('rev-parse', 'HEAD').strip(),
                modified=sorted(line[3:] for line in status.splitlines()))


def stage_arch_dims(arch) -> Optional[tuple]:
    """Stage widths (C1, C2, C3) of a HiViT arch (name or dict)."""
    from qpt.models.backbones.hivit import HiViT
    c3 = HiViT._parse_arch(arch)['embed_dims']
    return (c3 // 4, c3 // 2, c3)


def scale_schedule(schedulers: Sequence[dict], old_iters: int,
                   new_iters: int) -> List[dict]:
    """Stretch iteration-based schedulers from ``old_iters`` to
    ``new_iters``: every ``begin``/``end`` is scaled and rounded, ``T_max``
    follows ``end - begin``; an entry that shrinks to nothing (a warm-up at
    a two-iteration budget) is dropped."""
    out, last_end = [], 0
    for s in schedulers:
        s = copy.deepcopy(dict(s))
        if s.get('by_epoch', True):
            raise ValueError(f'only iteration-based schedulers can be '
                             f'stretched, got {s}')
        begin = min(round(s.get('begin', 0) * new_iters / old_iters),
                    new_iters)
        end = min(round(s.get('end', old_iters) * new_iters / old_iters),
                  new_iters)
        begin = max(begin, last_end)
        if s is schedulers[-1] or end > new_iters:
            end = new_iters
        if end <= begin:
            continue
        s['begin'], s['end'] = begin, end
        if 'T_max' in s:
            s['T_max'] = end - begin
        out.append(s)
        last_end = end
    if not out:
        raise ValueError(f'no scheduler left at {new_iters} iterations')
    out[-1]['end'] = new_iters
    if 'T_max' in out[-1]:
        out[-1]['T_max'] = new_iters - out[-1]['begin']
    return out


def _set_in_pipeline(pipeline: List[dict], type_name: str, **kwargs) -> int:
    n = 0
    for t in pipeline:
        if t.get('type') == type_name:
            t.update(kwargs)
            n += 1
    return n


# ---------------------------------------------------------------------------
# configs of the stages
# ---------------------------------------------------------------------------
def pretrain_config(args, arm: str, seed: int, work_dir: str, data_root: str):
    """The demo pretraining config with the arm's option and the budget."""
    from mmengine.config import Config
    cfg = Config.fromfile(osp.join(ROOT, args.pretrain_config))
    ds = cfg.train_dataloader.dataset
    if arm == 'plain':
        pipeline = copy.deepcopy(cfg.train_pipeline_no_degradation)
    elif arm == 'advanced':
        pipeline = copy.deepcopy(cfg.train_pipeline_advanced)
        _set_in_pipeline(pipeline, 'DegradationPair', target='clean')
    else:
        # 'clean' / 'degraded' / 'nofusion': the sequential composition
        pipeline = copy.deepcopy(cfg.train_pipeline_degraded_target)
        _set_in_pipeline(pipeline, 'DegradationPair',
                         target='degraded' if arm == 'degraded' else 'clean')
    if _set_in_pipeline(pipeline, 'RandomCrop',
                        crop_size=args.crop_size) != 1:
        raise ValueError('expected one RandomCrop in the pretraining '
                         'pipeline')
    _set_in_pipeline(pipeline, 'LoadImageRGB', min_size=args.crop_size)
    ds.pipeline = pipeline
    ds.data_root = data_root
    ds.ann_file = ''
    ds.data_prefix = dict(img_path='train')
    dl = cfg.train_dataloader
    dl.batch_size = args.batch_size
    dl.num_workers = args.num_workers
    dl.persistent_workers = args.num_workers > 0
    if arm == 'nofusion':
        cfg.model.neck.fusion = 'none'
    if args.arch != 'tiny':
        from qpt.evaluation.probes import parse_arch
        arch = parse_arch(args.arch)
        cfg.model.backbone.arch = arch
        cfg.model.neck.in_channels = stage_arch_dims(arch)
    demo_iters = cfg.train_cfg.max_iters
    cfg.param_scheduler = scale_schedule(cfg.param_scheduler, demo_iters,
                                         args.iters)
    cfg.train_cfg.max_iters = args.iters
    cfg.train_cfg.val_interval = args.iters
    cfg.randomness = dict(cfg.get('randomness', {}) or {}, seed=seed)
    cfg.custom_hooks = []  # no reconstruction pictures: time
    cfg.default_hooks.logger.interval = min(50, args.iters)
    cfg.default_hooks.checkpoint = dict(
        type='CheckpointHook', by_epoch=False,
        interval=min(args.iters, args.checkpoint_interval),
        max_keep_ckpts=1)
    cfg.work_dir = work_dir
    return cfg


def finetune_config(args, seed: int, work_dir: str, iqa_root: str,
                    checkpoint: Optional[str]):
    """The IQA demo config on the ablation's synthetic set and budget."""
    from mmengine.config import Config
    cfg = Config.fromfile(osp.join(ROOT, args.finetune_config))
    for name in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        cfg[name].dataset.data_root = iqa_root
    dl = cfg.train_dataloader
    dl.batch_size = args.finetune_batch_size
    dl.num_workers = args.num_workers
    dl.persistent_workers = args.num_workers > 0
    if args.arch != 'tiny':
        from qpt.evaluation.probes import parse_arch
        arch = parse_arch(args.arch)
        cfg.model.backbone.arch = arch
        cfg.model.head.in_channels = stage_arch_dims(arch)[2]
    if args.finetune_crop_size:
        for name in ('train_dataloader', 'val_dataloader',
                     'test_dataloader'):
            pipe = cfg[name].dataset.pipeline
            _set_in_pipeline(pipe, 'RandomCrop',
                             crop_size=args.finetune_crop_size)
            _set_in_pipeline(pipe, 'DeterministicCrops',
                             crop_size=args.finetune_crop_size)
    if checkpoint is not None:
        cfg.model.backbone.init_cfg = dict(
            type='StrictPretrained', checkpoint=checkpoint)
    else:
        cfg.model.backbone.init_cfg = None
    demo_iters = cfg.train_cfg.max_iters
    cfg.param_scheduler = scale_schedule(cfg.param_scheduler, demo_iters,
                                         args.finetune_iters)
    cfg.train_cfg.max_iters = args.finetune_iters
    cfg.train_cfg.val_interval = args.finetune_iters
    cfg.randomness = dict(cfg.get('randomness', {}) or {}, seed=seed)
    cfg.default_hooks.logger.interval = min(20, args.finetune_iters)
    cfg.default_hooks.checkpoint = dict(
        type='CheckpointHook', by_epoch=False,
        interval=args.finetune_iters, max_keep_ckpts=1)
    cfg.work_dir = work_dir
    return cfg


# ---------------------------------------------------------------------------
# the runner
# ---------------------------------------------------------------------------
class Ablation:
    """Stages of the ablation, cached under ``work_dir``."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.work_dir = osp.abspath(args.work_dir)
        self.photo_dir = osp.join(self.work_dir, 'photos')
        self.iqa_dir = osp.join(self.work_dir, 'iqa')
        self.env = dict(os.environ)
        self.env.setdefault('OMP_NUM_THREADS', str(args.threads))
        self.env['PYTHONPATH'] = ROOT + (
            os.pathsep + self.env['PYTHONPATH']
            if self.env.get('PYTHONPATH') else '')
        if args.device == 'cpu':
            self.env['CUDA_VISIBLE_DEVICES'] = ''

    # -------------------------------------------------------------- helpers
    def log(self, msg: str) -> None:
        print(f'[{time.strftime("%H:%M:%S")}] {msg}', flush=True)

    def run_dir(self, arm: str, seed: int) -> str:
        return osp.join(self.work_dir, 'runs', arm, f'seed{seed}')

    def stamp(self, arm: str, seed: int, stage: str) -> str:
        return osp.join(self.run_dir(arm, seed), f'{stage}.json')

    def done(self, arm: str, seed: int, stage: str) -> Optional[dict]:
        path = self.stamp(arm, seed, stage)
        if stage in self.args.force or not osp.isfile(path):
            return None
        return _read_json(path)

    def call(self, cmd: List[str], log_file: str) -> float:
        """Run a tool as a subprocess (output to ``log_file``); seconds.
        The code state at the start goes to ``self.last_code``."""
        os.makedirs(osp.dirname(log_file), exist_ok=True)
        self.last_code = code_state()
        self.log('$ ' + ' '.join(shlex.quote(c) for c in cmd))
        start = time.time()
        with open(log_file, 'a', encoding='utf-8') as f:
            f.write('$ ' + ' '.join(shlex.quote(c) for c in cmd) + '\n')
            f.flush()
            rc = subprocess.call(cmd, cwd=ROOT, env=self.env, stdout=f,
                                 stderr=subprocess.STDOUT)
        if rc != 0:
            with open(log_file, 'r', encoding='utf-8') as f:
                tail = f.read()[-3000:]
            raise RuntimeError(f'{cmd[1]} failed (exit {rc}); log '
                               f'{log_file}:\n{tail}')
        return time.time() - start

    # -------------------------------------------------------------- data
    def prepare(self) -> dict:
        """Resize the photos once, write the lists and the synthetic IQA
        set with its fixed split (cached: ``photos/lists.json``)."""
        from qpt.datasets.image_io import read_image_rgb
        from qpt.datasets.quality.splits import check_split, save_splits
        from qpt.evaluation.probes import resize_short_side
        from qpt.utils import atomic_write_bytes
        import cv2
        sys.path.insert(0, osp.join(ROOT, 'tools', 'analysis'))
        from quality_probe import list_photos

        lists_path = osp.join(self.photo_dir, 'lists.json')
        if osp.isfile(lists_path) and 'prepare' not in self.args.force:
            lists = _read_json(lists_path)
            if osp.isfile(osp.join(self.iqa_dir, 'splits.json')):
                return lists
        args = self.args
        files = [(n, p) for n, p in list_photos(args.photos)
                 if n not in set(args.exclude)]
        names = [n for n, _ in files]
        missing = [h for h in args.heldout if h not in names]
        if missing:
            raise SystemExit(f'held-out photos not found in {args.photos}: '
                             f'{missing}')
        heldout = sorted(args.heldout)
        train = sorted(n for n in names if n not in set(heldout))
        if len(heldout) < 3 or len(train) < 2:
            raise SystemExit(f'need >= 3 held-out and >= 2 training photos, '
                             f'got {len(heldout)} and {len(train)}')
        self.log(f'photos: {len(train)} train, {len(heldout)} held out')
        for name, path in files:
            img = resize_short_side(read_image_rgb(path), args.size)
            ok, buf = cv2.imencode('.png',
                                   cv2.cvtColor(img, cv2.COLOR_RGB2BGR))
            if not ok:
                raise RuntimeError(f'{path}: PNG encoding failed')
            for part in ('all', 'heldout' if name in heldout else 'train'):
                atomic_write_bytes(
                    buf.tobytes(),
                    osp.join(self.photo_dir, part, f'{name}.png'))
        self.call([
            sys.executable, 'tools/data/make_synthetic_iqa.py', '--source',
            osp.join(self.photo_dir, 'all'), '--size', str(args.size),
            '--types', ','.join(IQA_TYPES), '--seed', '0', self.iqa_dir
        ], osp.join(self.work_dir, 'logs', 'prepare.log'))
        with open(osp.join(self.iqa_dir, 'labels.csv'), newline='') as f:
            records = [dict(filename=r['img_name'], ref=r['ref'],
                            dist_type=r['dist_type'])
                       for r in csv.DictReader(f)]
        types = sorted({r['dist_type'] for r in records})
        split = dict(
            seed=0,
            train=sorted(r['filename'] for r in records
                         if r['ref'] in set(train)),
            val=[],
            test=sorted(r['filename'] for r in records
                        if r['ref'] in set(heldout)))
        check_split(split, records, by_reference=True)
        save_splits(osp.join(self.iqa_dir, 'splits.json'), [split],
                    dataset='ablation_synthetic_iqa', protocol='fixed',
                    by_reference=True, label_file='labels.csv',
                    heldout=heldout)
        lists = dict(train=train, heldout=heldout, excluded=list(
            args.exclude), sources=list(args.photos), size=args.size,
            iqa_types=types, iqa_train_images=len(split['train']),
            iqa_test_images=len(split['test']))
        _write_json(lists, lists_path)
        return lists

    # -------------------------------------------------------------- stages
    def pretrain(self, arm: str, seed: int) -> Optional[dict]:
        if arm == 'none':
            return None
        stamp = self.done(arm, seed, 'pretrain')
        if stamp:
            return stamp
        work = osp.join(self.run_dir(arm, seed), 'pretrain')
        cfg = pretrain_config(self.args, arm, seed, work, self.photo_dir)
        os.makedirs(work, exist_ok=True)
        cfg_path = osp.join(work, 'config.py')
        cfg.dump(cfg_path)
        cmd = [sys.executable, 'tools/train.py', cfg_path, '--work-dir',
               work, '--no-validate']
        if osp.isfile(osp.join(work, 'last_checkpoint')):
            cmd.append('--resume')  # pick up an interrupted run
        seconds = self.call(cmd, osp.join(work, 'run.log'))
        ckpt = osp.join(work, f'iter_{self.args.iters}.pth')
        if not osp.isfile(ckpt):
            raise RuntimeError(f'pretraining finished without {ckpt}')
        stamp = dict(checkpoint=ckpt, seconds=round(seconds, 1),
                     iters=self.args.iters, code=self.last_code)
        _write_json(stamp, self.stamp(arm, seed, 'pretrain'))
        return stamp

    def probe(self, arm: str, seed: int, pre: Optional[dict]) -> dict:
        stamp = self.done(arm, seed, 'probe')
        if stamp:
            return stamp
        out = osp.join(self.run_dir(arm, seed), 'probe')
        cmd = [sys.executable, 'tools/analysis/quality_probe.py',
               osp.join(self.photo_dir, 'heldout'), '--out-dir', out,
               '--name', f'{arm}/seed{seed}', '--arch', self.args.arch,
               '--size', str(self.args.size),
               '--crop-size', str(self.args.probe_crop_size),
               '--num-crops', str(self.args.probe_crops),
               '--types', ','.join(self.args.probe_types),
               '--device', self.args.device]
        cmd += ['--random-init', '--seed', str(seed)] if pre is None else \
            ['--checkpoint', pre['checkpoint']]
        seconds = self.call(cmd, osp.join(out, 'run.log'))
        result = _read_json(osp.join(out, 'probe.json'))['results']
        results = {
            t: dict(median=r['median'], pooled=r['pooled'], group=r['group'])
            for t, r in result.items()
        }
        stamp = dict(seconds=round(seconds, 1), code=self.last_code,
                     results=results)
        _write_json(stamp, self.stamp(arm, seed, 'probe'))
        return stamp

    def finetune(self, arm: str, seed: int, pre: Optional[dict]) -> dict:
        stamp = self.done(arm, seed, 'finetune')
        if stamp:
            return stamp
        work = osp.join(self.run_dir(arm, seed), 'finetune')
        cfg = finetune_config(self.args, seed, work, self.iqa_dir,
                              None if pre is None else pre['checkpoint'])
        os.makedirs(work, exist_ok=True)
        cfg_path = osp.join(work, 'config.py')
        cfg.dump(cfg_path)
        seconds = self.call([
            sys.executable, 'tools/train.py', cfg_path, '--work-dir', work,
            '--no-validate'
        ], osp.join(work, 'run.log'))
        ckpt = osp.join(work, f'iter_{self.args.finetune_iters}.pth')
        if not osp.isfile(ckpt):
            raise RuntimeError(f'fine-tuning finished without {ckpt}')
        stamp = dict(checkpoint=ckpt, config=cfg_path,
                     seconds=round(seconds, 1), code=self.last_code)
        _write_json(stamp, self.stamp(arm, seed, 'finetune'))
        return stamp

    def test(self, arm: str, seed: int, fine: dict) -> dict:
        stamp = self.done(arm, seed, 'test')
        if stamp:
            return stamp
        work = osp.join(self.run_dir(arm, seed), 'test')
        out = osp.join(work, 'metrics.json')
        seconds = self.call([
            sys.executable, 'tools/test.py', fine['config'],
            fine['checkpoint'], '--work-dir', work, '--out', out
        ], osp.join(work, 'run.log'))
        metrics = _read_json(out)

        def pick(name: str) -> float:
            keys = [k for k in metrics if k.split('/')[-1] == name]
            if not keys:
                raise KeyError(f'{out}: no {name} in {sorted(metrics)}')
            return float(metrics[keys[0]])

        stamp = dict(SRCC=pick('SRCC'), PLCC=pick('PLCC'),
                     seconds=round(seconds, 1), code=self.last_code)
        _write_json(stamp, self.stamp(arm, seed, 'test'))
        return stamp

    def lock(self, arm: str, seed: int) -> bool:
        """Claim an arm and seed (``running.lock`` holds the pid), so that
        two runners on one work dir never run the same stages; a lock of a
        process that is gone is taken over."""
        path = osp.join(self.run_dir(arm, seed), 'running.lock')
        os.makedirs(osp.dirname(path), exist_ok=True)
        try:
            fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
        except FileExistsError:
            with open(path, 'r', encoding='utf-8') as f:
                text = f.read().strip()
            pid = int(text) if text.isdigit() else 0
            if pid and pid != os.getpid() and _alive(pid):
                return False
            os.remove(path)
            return self.lock(arm, seed)
        os.write(fd, str(os.getpid()).encode())
        os.close(fd)
        return True

    def unlock(self, arm: str, seed: int) -> None:
        path = osp.join(self.run_dir(arm, seed), 'running.lock')
        if osp.isfile(path):
            os.remove(path)

    def run_one(self, arm: str, seed: int) -> Optional[dict]:
        """All stages of one arm and seed; None if another runner holds
        it."""
        if not self.lock(arm, seed):
            self.log(f'== {arm} seed {seed}: another runner is on it; '
                     'skipped')
            return None
        try:
            self.log(f'== {arm} seed {seed}')
            pre = self.pretrain(arm, seed)
            probe = self.probe(arm, seed, pre)
            fine = self.finetune(arm, seed, pre)
            test = self.test(arm, seed, fine)
        finally:
            self.unlock(arm, seed)
        return dict(arm=arm, seed=seed, pretrain=pre, probe=probe,
                    finetune=fine, test=test)

    def collect(self, arm: str, seed: int) -> Optional[dict]:
        """The cached results of one arm and seed: None before its probe
        has finished; ``finetune`` / ``test`` are None until they have
        (the table then says n/a)."""
        stages = {}
        for stage in STAGES:
            path = self.stamp(arm, seed, stage)
            stages[stage] = _read_json(path) if osp.isfile(path) else None
        if stages['probe'] is None:
            return None
        return dict(arm=arm, seed=seed, **stages)


# ---------------------------------------------------------------------------
# report
# ---------------------------------------------------------------------------
def result_row(res: dict, types: Sequence[str]) -> dict:
    row = dict(arm=res['arm'], seed=res['seed'])
    for t in types:
        r = res['probe']['results'].get(t)
        row[f'probe_{t}_per_photo'] = None if r is None else r['median']
        row[f'probe_{t}_pooled'] = None if r is None else r['pooled']
    test, fine, pre = res['test'], res['finetune'], res['pretrain']
    row['test_SRCC'] = None if test is None else test['SRCC']
    row['test_PLCC'] = None if test is None else test['PLCC']
    row['pretrain_s'] = 0. if pre is None else pre['seconds']
    row['probe_s'] = res['probe']['seconds']
    row['finetune_s'] = 0. if fine is None else fine['seconds']
    row['test_s'] = 0. if test is None else test['seconds']
    return row


def summarise(rows: Sequence[dict], metrics: Sequence[str]) -> List[dict]:
    """Mean and sample standard deviation over seeds, per arm."""
    out = []
    for arm in dict.fromkeys(r['arm'] for r in rows):
        mine = [r for r in rows if r['arm'] == arm]
        s = dict(arm=arm, seeds=','.join(str(r['seed']) for r in mine))
        for m in metrics:
            vals = np.array([r[m] for r in mine if r[m] is not None], float)
            s[f'{m}_mean'] = float(vals.mean()) if len(vals) else None
            s[f'{m}_sd'] = float(vals.std(ddof=1)) if len(vals) > 1 \
                else None
            s[f'{m}_n'] = len(vals)
        out.append(s)
    return out


def _cell(s: dict, m: str, seeds: int) -> str:
    """``mean ± sd``; ``(n=k)`` where fewer seeds than the arm's have it."""
    mean, sd, n = s[f'{m}_mean'], s[f'{m}_sd'], s[f'{m}_n']
    if mean is None:
        return 'n/a'
    text = f'{mean:.2f}' if sd is None else f'{mean:.2f} ± {sd:.2f}'
    return text if n == seeds else f'{text} (n={n})'


def markdown_report(summary: Sequence[dict], types: Sequence[str],
                    settings: dict) -> str:
    tech = [t for t in types if t in ('blur', 'jpeg', 'noise')]
    aes = [t for t in types if t not in tech]
    head = (['arm', 'seeds'] + [f'{t} per photo' for t in tech] +
            [f'{t} pooled' for t in tech] + [f'{t} pooled' for t in aes] +
            ['fine-tuned SRCC', 'fine-tuned PLCC'])
    metrics = ([f'probe_{t}_per_photo' for t in tech] +
               [f'probe_{t}_pooled' for t in tech] +
               [f'probe_{t}_pooled' for t in aes] + ['test_SRCC', 'test_PLCC'])
    lines = ['| ' + ' | '.join(head) + ' |',
             '| ' + ' | '.join(['---'] * len(head)) + ' |']
    for s in summary:
        cells = [ARM_TEXT.get(s['arm'], s['arm']), s['seeds']]
        seeds = len(s['seeds'].split(','))
        cells += [_cell(s, m, seeds) for m in metrics]
        lines.append('| ' + ' | '.join(cells) + ' |')
    body = '\n'.join(lines)
    return (f'Command: `{settings["command"]}`\n\n'
            f'Pretraining iterations N = {settings["iters"]} (batch '
            f'{settings["batch_size"]}, {settings["crop_size"]} px crops); '
            f'fine-tuning {settings["finetune_iters"]} iterations (batch '
            f'{settings["finetune_batch_size"]}); probe on '
            f'{settings["num_heldout"]} held-out photos, '
            f'{settings["probe_crops"]} crops of '
            f'{settings["probe_crop_size"]} px. Cells: mean ± sample SD over '
            f'seeds. Wall time of the finished stages: '
            f'{settings["stage_hours"]:.2f} h.\n\n{body}\n')


def write_report(ab: Ablation, arms: Sequence[str],
                 seeds: Sequence[int], lists: dict) -> List[dict]:
    from qpt.utils import atomic_write_text
    types = ab.args.probe_types
    results = [r for r in (ab.collect(a, s) for a in arms for s in seeds)
               if r is not None]
    rows = [result_row(r, types) for r in results]
    metrics = ([f'probe_{t}_per_photo' for t in types] +
               [f'probe_{t}_pooled' for t in types] +
               ['test_SRCC', 'test_PLCC'])
    fields = ['arm', 'seed'] + metrics + [
        'pretrain_s', 'probe_s', 'finetune_s', 'test_s']
    fmt_rows = [{k: (f'{v:.4f}' if isinstance(v, float) else
                     ('' if v is None else v))
                 for k, v in r.items()} for r in rows]
    atomic_write_text(_rows_csv(fmt_rows, fields),
                      osp.join(ab.work_dir, 'ablation.csv'))
    summary = summarise(rows, metrics)
    sum_fields = ['arm', 'seeds'] + [f'{m}_{x}' for m in metrics
                                     for x in ('mean', 'sd')]
    fmt_sum = [{k: (f'{v:.4f}' if isinstance(v, float) else
                    ('' if v is None else v))
                for k, v in s.items()} for s in summary]
    atomic_write_text(_rows_csv(fmt_sum, sum_fields),
                      osp.join(ab.work_dir, 'ablation_summary.csv'))
    a = ab.args
    settings = dict(
        command=a.command, iters=a.iters, batch_size=a.batch_size,
        crop_size=a.crop_size, finetune_iters=a.finetune_iters,
        finetune_batch_size=a.finetune_batch_size,
        num_heldout=len(lists['heldout']), probe_crops=a.probe_crops,
        probe_crop_size=a.probe_crop_size,
        stage_hours=sum(r['pretrain_s'] + r['probe_s'] + r['finetune_s'] +
                        r['test_s'] for r in rows) / 3600.)
    md = markdown_report(summary, types, settings)
    md += ('\nHeld-out photos (never seen by pretraining or fine-tuning): ' +
           ', '.join(lists['heldout']) + '.\n')
    atomic_write_text(md, osp.join(ab.work_dir, 'ablation.md'))
    return rows


def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        description='Pretraining ablation: pretrain -> probe -> fine-tune '
        '-> test per arm and seed (see the module docstring).')
    p.add_argument('--work-dir', default='work_dirs/ablation')
    p.add_argument('--arms', type=_csv_list, default=list(ARMS),
                   help=f'comma-separated, from {",".join(ARMS)}')
    p.add_argument('--seeds', default='0,1',
                   type=lambda s: [int(v) for v in _csv_list(s)])
    p.add_argument('--iters', type=int, default=500,
                   help='pretraining iterations per arm and seed')
    p.add_argument('--finetune-iters', type=int, default=100)
    p.add_argument('--batch-size', type=int, default=8)
    p.add_argument('--crop-size', type=int, default=128,
                   help='pretraining crop (the probe uses --probe-crop-size)')
    p.add_argument('--finetune-batch-size', type=int, default=16)
    p.add_argument('--finetune-crop-size', type=int, default=None,
                   help="fine-tuning crop (default: the demo config's)")
    p.add_argument('--probe-crop-size', type=int, default=224)
    p.add_argument('--probe-crops', type=int, default=2)
    p.add_argument('--probe-types', type=_csv_list,
                   default=list(PROBE_TYPES))
    p.add_argument('--size', type=int, default=256,
                   help='short side of every photo (all stages)')
    p.add_argument('--photos', nargs='+', default=list(DEFAULT_PHOTOS))
    p.add_argument('--exclude', type=_csv_list, default=list(DEFAULT_EXCLUDE))
    p.add_argument('--heldout', type=_csv_list,
                   default=list(DEFAULT_HELDOUT))
    p.add_argument('--arch', default='tiny',
                   help='HiViT arch of every stage (a JSON dict for tests)')
    p.add_argument('--pretrain-config', default=PRETRAIN_CONFIG)
    p.add_argument('--finetune-config', default=FINETUNE_CONFIG)
    p.add_argument('--checkpoint-interval', type=int, default=100,
                   help='pretraining checkpoints (resume points)')
    p.add_argument('--device', choices=('cpu', 'cuda'), default='cpu')
    p.add_argument('--num-workers', type=int, default=0)
    p.add_argument('--threads', type=int, default=1,
                   help='OMP_NUM_THREADS of the stages unless set')
    p.add_argument('--force', type=_csv_list, default=[],
                   help='re-run these stages (prepare,' + ','.join(STAGES) +
                   ')')
    p.add_argument('--report-only', action='store_true',
                   help='only write the tables from the cached stages')
    args = p.parse_args(argv)
    bad = [a for a in args.arms if a not in ARMS]
    if bad:
        p.error(f'unknown arms {bad}; choose from {",".join(ARMS)}')
    bad = [s for s in args.force if s not in STAGES + ('prepare', )]
    if bad:
        p.error(f'unknown stages {bad}')
    if args.iters < 1 or args.finetune_iters < 1:
        p.error('--iters and --finetune-iters must be >= 1')
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    args.command = 'python tools/analysis/pretrain_ablation.py ' + ' '.join(
        shlex.quote(a) for a in (sys.argv[1:] if argv is None else argv))
    if args.device == 'cuda':
        import torch
        if not torch.cuda.is_available():
            raise SystemExit('--device cuda: no CUDA device is available')
    ab = Ablation(args)
    lists = ab.prepare()
    failures = []
    if not args.report_only:
        for seed in args.seeds:
            for arm in args.arms:
                try:
                    ab.run_one(arm, seed)
                except RuntimeError as e:
                    ab.log(f'!! {arm} seed {seed} failed: {e}')
                    failures.append((arm, seed))
    rows = write_report(ab, args.arms, args.seeds, lists)
    ab.log(f'{len(rows)} arm/seed results in '
           f'{osp.join(ab.work_dir, "ablation.md")}')
    if failures:
        ab.log(f'failed: {failures}')
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
