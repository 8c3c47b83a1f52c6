"""Every config loads; every scoring config builds; the dataset configs read
the real published score tables."""
import os.path as osp
from pathlib import Path

import numpy as np
import pytest
import torch
from mmcv.transforms import Compose
from mmengine.config import Config
from mmengine.dataset import default_collate

from qpt.datasets.quality import (config_score_meta, get_benchmark,
                                  load_splits)
from qpt.registry import DATASETS, MODELS

ROOT = Path(__file__).resolve().parents[1]
CONFIGS = sorted(p.relative_to(ROOT).as_posix()
                 for p in (ROOT / 'configs').rglob('*.py'))
SCORING = [c for c in CONFIGS if osp.basename(c).startswith(('iqa_', 'iaa_'))]
FULL_RECIPES = [c for c in SCORING if not c.endswith('_demo.py')]

# dataset base -> (published table in ../shared/data/labels, spec name)
TABLES = {
    'koniq10k': ('KonIQ-10k.txt', 'koniq10k'),
    'spaq': ('SPAQ.txt', 'spaq'),
    'livec': ('LIVE_Challenge.txt', 'livec'),
    'kadid10k': ('KADID-10k.txt', 'kadid10k'),
    'tid2013': ('TID2013.txt', 'tid2013'),
    'csiq': ('CSIQ.txt', 'csiq'),
    'live': ('LIVE.txt', 'live'),
}
DATASET_BASES = ('koniq10k', 'spaq', 'livec', 'kadid10k', 'flive',
                 'tid2013', 'csiq', 'live', 'ava')


def load(path: str) -> Config:
    return Config.fromfile(str(ROOT / path))


def test_configs_found():
    assert len(SCORING) >= 10, SCORING
    for name in DATASET_BASES:
        assert f'configs/_base_/datasets/{name}.py' in CONFIGS
    assert 'configs/_base_/schedules/finetune_adamw_llrd.py' in CONFIGS


@pytest.mark.parametrize('path', CONFIGS)
def test_config_loads(path):
    cfg = load(path)
    assert isinstance(cfg.to_dict(), dict)


@pytest.mark.parametrize('path', SCORING)
def test_scoring_config_builds(path):
    """Model, train and test pipelines build; the protocol is consistent."""
    cfg = load(path)
    model = MODELS.build(cfg.model)
    assert type(model).__name__ == 'QualityScorer'
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        Compose(cfg[loader].dataset.pipeline)
    # scores: the dataset states their scale and direction, once (its
    # class, or the config of a set without a class); the model holds no
    # copy and gets the facts from the dataset's metainfo in runs
    metas = [config_score_meta(cfg[loader].dataset)
             for loader in ('train_dataloader', 'val_dataloader',
                            'test_dataloader')]
    assert metas[0] is not None and metas[0] == metas[1] == metas[2]
    assert 'score_range' not in cfg.model and 'lower_better' not in cfg.model
    assert model.dataset_meta is None
    assert dict(type='DatasetMetaHook') in cfg.custom_hooks
    # checkpoints are chosen on the validation part, never on the test part
    assert cfg.train_dataloader.dataset.split == 'train'
    assert cfg.val_dataloader.dataset.split == 'val'
    assert cfg.test_dataloader.dataset.split == 'test'
    assert cfg.default_hooks.checkpoint.save_best == 'SRCC'
    assert cfg.default_hooks.checkpoint.rule == 'greater'
    for key in ('val_evaluator', 'test_evaluator'):
        assert cfg[key].type == 'QualityMetric'
        assert cfg[key].plcc_fit in ('none', 'logistic4', 'logistic5')
    if path in FULL_RECIPES:
        init = cfg.model.backbone.init_cfg
        assert init.type == 'StrictPretrained'
        assert init.checkpoint == cfg.pretrained
        assert cfg.optim_wrapper.constructor == \
            'LayerDecayOptimWrapperConstructor'
        if osp.exists(cfg.test_dataloader.dataset.data_root):
            DATASETS.build(cfg.test_dataloader.dataset)


def test_layer_decay_optimizer_of_the_schedule():
    """The fine-tuning schedule builds per-layer lr groups on HiViT-T."""
    from mmengine.optim import build_optim_wrapper
    cfg = load('configs/qptv2/iqa_hivit-t_koniq10k.py')
    model = MODELS.build(cfg.model)
    wrapper = build_optim_wrapper(model, cfg.optim_wrapper)
    lrs = [g['lr'] for g in wrapper.optimizer.param_groups]
    base = cfg.optim_wrapper.optimizer.lr
    assert max(lrs) == pytest.approx(base)
    assert min(lrs) == pytest.approx(base * 0.75**15)


def test_finetune_init_loads_the_pretrained_encoder(tmp_path):
    """A pretraining checkpoint initialises the scorer's encoder through
    ``model.backbone.init_cfg`` (``StrictPretrained``, as the leaf configs
    use it), the head stays fresh."""
    from mmengine.runner import save_checkpoint
    pre_cfg = load('tests/data/pretrain_tiny.py')
    pretrain = MODELS.build(pre_cfg.model)
    ckpt = tmp_path / 'epoch_800.pth'
    save_checkpoint(pretrain.state_dict(), str(ckpt))
    cfg = load('tests/data/iqa_tiny.py')
    cfg.model.backbone.init_cfg = dict(
        type='StrictPretrained', checkpoint=str(ckpt))
    scorer = MODELS.build(cfg.model)
    scorer.init_weights()
    loaded = scorer.backbone.state_dict()
    source = {k[len('backbone.'):]: v
              for k, v in pretrain.state_dict().items()
              if k.startswith('backbone.')}
    assert set(loaded) == set(source)
    for key, value in source.items():
        torch.testing.assert_close(loaded[key], value, msg=key)


def test_synthetic_sets_flip_and_fit():
    """DMOS sets are lower_better; synthetic sets report the fitted PLCC."""
    for name, lower in (('csiq', True), ('live', True), ('kadid10k', False),
                        ('tid2013', False), ('koniq10k', False)):
        cfg = load(f'configs/qptv2/iqa_hivit-t_{name}.py')
        meta = config_score_meta(cfg.test_dataloader.dataset)
        assert meta['lower_better'] is lower
        facts = get_benchmark(name).METAINFO
        assert meta['score_range'] == facts['score_range']
        # LIVE, CSIQ and TID2013 are compared after the 5-parameter
        # logistic in the literature, KADID-10k after the VQEG 4-parameter one
        expected = 'none' if not meta['synthetic'] else \
            'logistic4' if name == 'kadid10k' else 'logistic5'
        assert cfg.test_evaluator.plcc_fit == expected


def test_ava_emd_option():
    cfg = load('configs/qptv2/iaa_hivit-t_ava_emd.py')
    model = MODELS.build(cfg.model)
    assert model.head.num_bins == 10
    assert [type(m).__name__ for m in model.head.losses] == ['EMDLoss']
    assert 'gt_hist' in Compose(cfg.train_dataloader.dataset.pipeline
                                ).transforms[-1].score_keys


@pytest.mark.parametrize('path', [
    'configs/qptv2/iqa_hivit-t_koniq10k.py',
    'configs/qptv2/iqa_hivit-t_spaq.py',
    'configs/qptv2/iaa_hivit-t_ava.py',
])
def test_test_pipeline_feeds_the_model(path, shared_data):
    """A real photo through the config's test pipeline and model."""
    cfg = load(path)
    cfg.model.backbone.init_cfg = None
    pipeline = Compose(cfg.test_dataloader.dataset.pipeline)
    photo = shared_data / 'images' / 'misc' / 'grace_hopper.jpg'
    packed = pipeline(dict(img_path=str(photo), gt_score=3.0,
                           gt_score_norm=0.5))
    assert packed['inputs'].shape == (5, 3, 224, 224)
    model = MODELS.build(cfg.model).eval()
    # the facts DatasetMetaHook hands over from the dataset's metainfo
    model.dataset_meta = config_score_meta(cfg.test_dataloader.dataset)
    batch = model.data_preprocessor(default_collate([packed]), False)
    with torch.no_grad():
        out = model(**batch, mode='predict')
    # an untrained head is not bounded: check the mapping to the scale
    lo, hi = model.dataset_meta['score_range']
    norm = float(out[0].pred_score_norm)
    assert np.isfinite(norm)
    assert float(out[0].pred_score) == pytest.approx(lo + norm * (hi - lo))


# ---------------------------------------------------------------------------
# The real published score tables
# ---------------------------------------------------------------------------
def table_dataset(name: str, labels: Path, split: str = 'all', **extra):
    cfg = load(f'configs/_base_/datasets/{name}.py')
    ds = cfg.test_dataloader.dataset.copy()
    ds.update(data_root=str(labels) + '/', ann_file=TABLES[name][0],
              split=split, pipeline=[], **extra)
    if name == 'koniq10k':  # the default is the official CSV
        ds.update(label_format='table', strip_dirs=2)
    return DATASETS.build(ds)


@pytest.mark.parametrize('name', sorted(TABLES))
def test_dataset_config_reads_published_table(name, shared_data):
    labels = shared_data / 'labels'
    dataset = table_dataset(name, labels)
    meta = get_benchmark(TABLES[name][1]).METAINFO
    for key in ('score_range', 'lower_better', 'dataset_name'):
        assert dataset.metainfo[key] == meta[key], key
    assert len(dataset) == meta['num_rows']
    info = dataset.get_data_info(0)
    norm = np.array([dataset.get_data_info(i)['gt_score_norm']
                     for i in range(len(dataset))])
    assert 0 <= norm.min() and norm.max() <= 1
    lo, hi = meta['score_range']
    expected = (info['gt_score'] - lo) / (hi - lo)
    if meta['lower_better']:
        expected = 1 - expected
    assert info['gt_score_norm'] == pytest.approx(expected)
    # image paths: data_root + the table's names with the top folders
    # replaced by the layout the config documents
    assert info['img_path'].startswith(str(labels))
    assert not info['img_path'].endswith(info['filename'])


def test_koniq_image_paths(shared_data):
    dataset = table_dataset('koniq10k', shared_data / 'labels')
    info = dataset.get_data_info(0)
    assert info['img_path'] == osp.join(
        str(shared_data / 'labels') + '/', '512x384/',
        osp.basename(info['filename']))


def test_random_splits_of_published_table(tmp_path, shared_data, load_tool):
    """make_splits.py on the real KADID-10k table, read back through the
    config: train / val / test cover the table, by reference."""
    make_splits = load_tool('tools/data/make_splits.py')
    labels = shared_data / 'labels'
    assert make_splits.main([
        str(labels / 'KADID-10k.txt'), '--dataset', 'kadid10k', '--out',
        str(tmp_path), '--num-splits', '2', '--seed', '0'
    ]) == 0
    split_file = tmp_path / 'kadid10k_random2_seed0.json'
    assert len(load_splits(str(split_file))) == 2
    parts = {
        split: table_dataset('kadid10k', labels, split,
                             split_file=str(split_file), split_index=1)
        for split in ('train', 'val', 'test')
    }
    sizes = {k: len(v) for k, v in parts.items()}
    assert sum(sizes.values()) == 10125
    assert sizes['test'] == 16 * 125  # 16 of 81 references, 125 images each
    refs = {
        k: {v.get_data_info(i)['ref'] for i in range(len(v))}
        for k, v in parts.items()
    }
    assert not refs['train'] & refs['test']
    assert not refs['val'] & refs['test']
    assert not refs['train'] & refs['val']


# ---------------------------------------------------------------------------
# Pretraining configs
# ---------------------------------------------------------------------------
PRETRAIN = [c for c in CONFIGS
            if osp.basename(c).startswith('pretrain_')]


def degradation_pair(pipeline) -> dict:
    """The ``DegradationPair`` step of a pipeline (None if it has none)."""
    pairs = [t for t in pipeline if t['type'] == 'DegradationPair']
    assert len(pairs) <= 1, pipeline
    return pairs[0] if pairs else None


def test_pretrain_configs_found():
    names = {osp.basename(c) for c in PRETRAIN}
    assert {'pretrain_hivit.py', 'pretrain_hivit_files.py',
            'pretrain_hivit_demo.py', 'pretrain_hivit_degraded-target.py',
            'pretrain_hivit_no-degradation.py',
            'pretrain_hivit_advanced-degradation.py'} <= names


@pytest.mark.parametrize('path', PRETRAIN)
def test_pretrain_config_seeds_every_rank_differently(path):
    """Rank r seeds with seed + r: the ranks draw their own training masks
    (global RNG) and degradation parameters."""
    cfg = load(path)
    assert cfg.randomness.seed is not None
    assert cfg.randomness.diff_rank_seed is True
    # seeded masks would be a function of (seed, iteration, sample_idx):
    # distinct per rank as well, since ranks read disjoint samples
    assert cfg.model.get('mask_seed') is None or \
        isinstance(cfg.model.mask_seed, int)


@pytest.mark.parametrize('path', PRETRAIN)
def test_pretrain_config_validates_on_its_own_pair(path):
    """The held-out pair uses the training degradation and target, and a
    seed, so the held-out loss is comparable between evaluations."""
    cfg = load(path)
    train = degradation_pair(cfg.train_dataloader.dataset.pipeline)
    if train is None:  # the device applies it (DegradationDataPreprocessor)
        train = cfg.model.data_preprocessor
    for loader in ('val_dataloader', 'test_dataloader'):
        held_out = degradation_pair(cfg[loader].dataset.pipeline)
        assert held_out.get('target', 'clean') == \
            train.get('target', 'clean'), loader
        assert held_out.degradation == train.degradation, loader
        if held_out.degradation is not None:
            assert isinstance(held_out.get('seed'), int), loader
        types = [t['type'] for t in cfg[loader].dataset.pipeline]
        assert 'RandomCrop' not in types and 'RandomFlip' not in types


def test_degraded_target_ablation_validates_on_degraded_targets():
    cfg = load('configs/qptv2/pretrain_hivit_degraded-target.py')
    # trained on the fast path: the device makes the degraded target
    assert degradation_pair(cfg.train_dataloader.dataset.pipeline) is None
    assert cfg.model.data_preprocessor.target == 'degraded'
    assert cfg.model.data_preprocessor.degradation.type == \
        'SequentialDegradation'
    for loader in ('val_dataloader', 'test_dataloader'):
        pair = degradation_pair(cfg[loader].dataset.pipeline)
        assert pair.target == 'degraded', loader
        assert pair.degradation.type == 'SequentialDegradation'
    for name, kind in (('no-degradation', None),
                       ('advanced-degradation', 'AdvancedDegradation')):
        cfg = load(f'configs/qptv2/pretrain_hivit_{name}.py')
        pair = degradation_pair(cfg.test_dataloader.dataset.pipeline)
        assert (pair.degradation or {}).get('type') == kind, name


# ---------------------------------------------------------------------------
# The recipe's data path: tile shards, degradation on the device
# ---------------------------------------------------------------------------
RECIPE = 'configs/qptv2/pretrain_hivit.py'  # the fast path (tile shards)
FILES = 'configs/qptv2/pretrain_hivit_files.py'  # file-based CPU pipeline
SHARD_PIPELINE = ['LoadTileFromShard', 'DecodeTile', 'RandomTileCrops',
                  'DrawDegradationParams', 'PackTileCrops']


def pipeline_step(pipeline, name: str) -> dict:
    steps = [t for t in pipeline if t['type'] == name]
    assert len(steps) <= 1, pipeline
    return steps[0] if steps else None


def crops_per_item(cfg: Config) -> int:
    """Samples one training dataset item gives (crops per tile read)."""
    crops = pipeline_step(cfg.train_dataloader.dataset.pipeline,
                          'RandomTileCrops')
    return crops.num_crops if crops else 1


@pytest.mark.parametrize('path', [RECIPE] + [
    c for c in PRETRAIN if osp.basename(c) in (
        'pretrain_hivit_degraded-target.py', 'pretrain_hivit_no-fusion.py',
        'pretrain_hivit_hifeat.py')])
def test_recipe_trains_on_tile_shards_degraded_on_the_device(path):
    cfg = load(path)
    train = cfg.train_dataloader
    assert train.dataset.type == 'PretrainTileDataset'
    assert [t['type'] for t in train.dataset.pipeline] == SHARD_PIPELINE
    draw = pipeline_step(train.dataset.pipeline, 'DrawDegradationParams')
    pre = cfg.model.data_preprocessor
    assert pre.type == 'DegradationDataPreprocessor'
    # the device applies what the data side drew the parameters for
    assert pre.degradation == draw.degradation
    # the same blur <-> CST as the file-based CPU pipeline
    assert pre.degradation == degradation_pair(
        load(FILES).train_dataloader.dataset.pipeline).degradation
    assert pre.degradation.type == 'SequentialDegradation'
    assert crops_per_item(cfg) == 4
    assert train.batch_size * crops_per_item(cfg) == 256  # samples / GPU
    MODELS.build(pre)  # every stage has a device form


@pytest.mark.parametrize('name,kind', [('no-degradation', None),
                                       ('advanced-degradation',
                                        'AdvancedDegradation')])
def test_ablations_without_a_device_form_use_the_file_pipeline(name, kind):
    cfg = load(f'configs/qptv2/pretrain_hivit_{name}.py')
    assert cfg.train_dataloader.dataset.type == 'PretrainImageDataset'
    pair = degradation_pair(cfg.train_dataloader.dataset.pipeline)
    assert (pair.degradation or {}).get('type') == kind
    assert 'data_preprocessor' not in cfg.model
    if kind is not None:  # why: the device preprocessor refuses it
        shards = load(RECIPE).model.data_preprocessor
        with pytest.raises((TypeError, NotImplementedError),
                           match='DegradationDataPreprocessor'):
            MODELS.build(dict(shards, degradation=pair.degradation))


# ---------------------------------------------------------------------------
# The pretraining schedule in samples
# ---------------------------------------------------------------------------
RECIPE_FAMILY = [c for c in PRETRAIN
                 if c in (RECIPE, FILES) or any(
                     f"_base_ = './{osp.basename(r)}'" in
                     (ROOT / c).read_text() for r in (RECIPE, FILES))]


def resolved(path: str, gpus: int, batch: int = 256) -> Config:
    """``path`` resolved for ``gpus`` x ``batch`` samples (crops) per
    GPU; ``train_dataloader.batch_size`` counts dataset items (tiles on
    the fast path)."""
    from qpt.engine.sample_schedule import apply_sample_schedule
    cfg = load(path)
    assert batch % crops_per_item(cfg) == 0
    cfg.train_dataloader.batch_size = batch // crops_per_item(cfg)
    apply_sample_schedule(cfg, gpus)
    return cfg


def schedule_numbers(cfg: Config) -> dict:
    warmup, cosine = cfg.param_scheduler
    assert warmup.type == 'LinearLR' and cosine.type == 'CosineAnnealingLR'
    return dict(max_iters=cfg.train_cfg.max_iters, warmup_end=warmup.end,
                cosine=(cosine.begin, cosine.end, cosine.T_max),
                val=cfg.train_cfg.val_interval,
                ckpt=cfg.default_hooks.checkpoint.interval)


def scaled_lr(cfg: Config, gpus: int) -> float:
    """lr after MMEngine's own ``--auto-scale-lr`` step for ``gpus``."""
    import logging
    from types import SimpleNamespace

    from mmengine.optim import build_optim_wrapper
    from mmengine.runner import Runner
    wrapper_cfg = cfg.optim_wrapper.copy()
    wrapper_cfg.type = 'OptimWrapper'  # AMP needs CUDA; lr is the same
    wrapper_cfg.pop('loss_scale', None)
    wrapper = build_optim_wrapper(torch.nn.Linear(2, 2), wrapper_cfg)
    fake_runner = SimpleNamespace(
        world_size=gpus, _train_dataloader=cfg.train_dataloader,
        logger=logging.getLogger('test'), param_schedulers=None)
    Runner.scale_lr(fake_runner, wrapper,
                    dict(cfg.auto_scale_lr, enable=True))
    return wrapper.optimizer.param_groups[0]['lr']


@pytest.mark.parametrize('path', [RECIPE, FILES])
def test_recipe_states_its_schedule_in_samples(path):
    cfg = load(path)
    spec = cfg.sample_schedule
    assert spec.dataset_size == 5_500_000  # the assumption, stated
    assert spec.total_samples == 1_024_000_000
    # ~ MAE's 800 epochs of ImageNet-1k (1,281,167 images)
    assert spec.total_samples == pytest.approx(800 * 1_281_167, rel=2e-3)
    assert spec.warmup_samples == spec.total_samples // 20
    # samples per iteration as written: 8 GPUs x 256 crops; on the fast
    # path 8 x 64 tiles x 4 crops, and --auto-scale-lr counts tiles
    items = crops_per_item(cfg)
    assert spec.get('samples_per_item', 1) == items
    assert spec.base_batch_size == 8 * 256 == \
        cfg.auto_scale_lr.base_batch_size * items
    assert cfg.train_cfg.type == 'IterBasedTrainLoop'
    assert cfg.train_dataloader.batch_size * items == 256
    assert cfg.optim_wrapper.optimizer.lr == pytest.approx(1.5e-4 * 2048 / 256)
    assert all(not s.by_epoch for s in cfg.param_scheduler)
    assert not cfg.default_hooks.checkpoint.by_epoch


@pytest.mark.parametrize('path', [RECIPE, FILES])
def test_recipe_at_8_gpus_is_as_written(path):
    written = schedule_numbers(load(path))
    assert written == dict(max_iters=500_000, warmup_end=25_000,
                           cosine=(25_000, 500_000, 475_000), val=31_250,
                           ckpt=6_250)
    assert schedule_numbers(resolved(path, 8)) == written


@pytest.mark.parametrize('path', [RECIPE, FILES])
@pytest.mark.parametrize('gpus,batch', [(1, 256), (4, 256), (8, 128),
                                        (16, 256)])
def test_recipe_keeps_its_samples_on_other_gpu_counts(path, gpus, batch):
    """Samples (total, warm-up, per validation, per checkpoint) stay fixed;
    iterations scale with 2048 / (gpus x batch samples)."""
    per_iter = gpus * batch
    n = schedule_numbers(resolved(path, gpus, batch))
    assert n['max_iters'] * per_iter == 1_024_000_000
    assert n['warmup_end'] * per_iter == 51_200_000
    begin, end, t_max = n['cosine']
    assert (begin, end, t_max) == (n['warmup_end'], n['max_iters'],
                                   n['max_iters'] - n['warmup_end'])
    assert n['val'] * per_iter == 64_000_000
    assert n['ckpt'] * per_iter == 12_800_000


@pytest.mark.parametrize('path', [RECIPE, FILES])
def test_one_gpu_against_eight(path):
    one, eight = (schedule_numbers(resolved(path, g)) for g in (1, 8))
    assert one['max_iters'] == 8 * eight['max_iters'] == 4_000_000
    assert one['warmup_end'] == 8 * eight['warmup_end'] == 200_000
    # --auto-scale-lr (MMEngine's linear rule): lr / batch stays the MAE
    # value 1.5e-4 / 256 at any size
    for gpus in (1, 8):
        cfg = resolved(path, gpus)
        assert scaled_lr(cfg, gpus) == pytest.approx(1.5e-4 * gpus)


@pytest.mark.parametrize('path', [RECIPE, FILES])
@pytest.mark.parametrize('gpus,batch', [(1, 256), (8, 256), (8, 128),
                                        (16, 64)])
def test_auto_scale_lr_keeps_lr_per_sample(path, gpus, batch):
    """MMEngine scales by world size x train_dataloader.batch_size, which
    counts tiles on the fast path: lr per sample (crop) is still the MAE
    1.5e-4 / 256."""
    cfg = resolved(path, gpus, batch)
    samples = gpus * cfg.train_dataloader.batch_size * crops_per_item(cfg)
    assert samples == gpus * batch
    assert scaled_lr(cfg, gpus) / samples == pytest.approx(1.5e-4 / 256)


@pytest.mark.parametrize('path', RECIPE_FAMILY)
def test_recipe_family_shares_the_sample_schedule(path):
    """Same budget in samples and seeds; only the samples per dataset
    item follow the data path (4 crops per tile, 1 per image)."""
    cfg, recipe = load(path), load(RECIPE)
    assert cfg.sample_schedule.get('samples_per_item', 1) == \
        crops_per_item(cfg)
    assert {k: v for k, v in cfg.sample_schedule.items()
            if k != 'samples_per_item'} == \
        {k: v for k, v in recipe.sample_schedule.items()
         if k != 'samples_per_item'}
    assert cfg.auto_scale_lr.base_batch_size * crops_per_item(cfg) == \
        recipe.sample_schedule.base_batch_size
    assert cfg.randomness == recipe.randomness
    assert cfg.val_dataloader.dataset.ann_file == \
        recipe.val_dataloader.dataset.ann_file


def test_recipe_family_covers_every_full_pretrain_config():
    full = {c for c in PRETRAIN if not c.endswith('_demo.py')}
    assert full == set(RECIPE_FAMILY) and len(full) >= 7


def test_train_tool_resolves_the_schedule(monkeypatch, tmp_path, load_tool):
    """tools/train.py: one process -> 8x the written iterations."""
    import sys
    tool = load_tool('tools/train.py')
    monkeypatch.setattr(sys, 'argv', ['train.py', str(ROOT / RECIPE),
                                      '--work-dir', str(tmp_path)])
    cfg = tool.merge_args(load(RECIPE), tool.parse_args())
    assert cfg.train_cfg.max_iters == 4_000_000
    assert cfg.param_scheduler[0].end == 200_000


def test_world_size_from_the_launcher(monkeypatch):
    from qpt.engine.sample_schedule import launcher_world_size
    assert launcher_world_size('none') == 1
    monkeypatch.setenv('WORLD_SIZE', '8')
    assert launcher_world_size('pytorch') == 8
    monkeypatch.setenv('SLURM_NTASKS', '16')
    assert launcher_world_size('slurm') == 16
    monkeypatch.delenv('WORLD_SIZE')
    with pytest.raises(KeyError, match='WORLD_SIZE'):
        launcher_world_size('pytorch')


def test_inconsistent_sample_schedule_is_an_error():
    from qpt.engine.sample_schedule import apply_sample_schedule
    cfg = load(RECIPE)
    cfg.train_cfg.max_iters = 1000  # iterations changed, samples not
    with pytest.raises(ValueError, match='sample_schedule.total_samples'):
        apply_sample_schedule(cfg, 8)
    cfg.sample_schedule = None  # opt out: the iterations as written
    assert apply_sample_schedule(cfg, 1) is None
    assert cfg.train_cfg.max_iters == 1000
    cfg = load(RECIPE)
    cfg.param_scheduler[0].by_epoch = True
    with pytest.raises(ValueError, match='by_epoch=False'):
        apply_sample_schedule(cfg, 8)
