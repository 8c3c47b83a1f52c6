"""StrictPretrained: the image scorer's encoder loads all or nothing.

The checkpoint is a real one: a 2-iteration run of the tiny pretraining
config on real photos, written by mmengine's CheckpointHook.
"""
import logging
from pathlib import Path

import pytest
import torch
from mmengine.config import Config
from mmengine.logging import MMLogger
from mmengine.runner import Runner

from qpt.models.converters import StateDictMismatchError
from qpt.models.initializers import load_backbone_strictly
from qpt.registry import MODELS

ROOT = Path(__file__).resolve().parents[2]
PRETRAIN_TINY = ROOT / 'tests' / 'data' / 'pretrain_tiny.py'
IQA_TINY = ROOT / 'tests' / 'data' / 'iqa_tiny.py'


class _Records(logging.Handler):

    def __init__(self):
        super().__init__(logging.INFO)
        self.messages = []

    def emit(self, record):
        self.messages.append(record.getMessage())


@pytest.fixture
def log_lines():
    """Messages that ``print_log(logger='current')`` sends (INFO+)."""
    logger = MMLogger.get_current_instance()
    handler = _Records()
    old_level = logger.level
    logger.setLevel(logging.INFO)
    logger.addHandler(handler)
    yield handler.messages
    logger.removeHandler(handler)
    logger.setLevel(old_level)


@pytest.fixture(scope='module')
def pretrain_checkpoint(tmp_path_factory, shared_data):
    """(path, loaded checkpoint) of a real tiny QPT V2 pretraining run."""
    work_dir = tmp_path_factory.mktemp('pretrain')
    photos = shared_data / 'images' / 'skimage'
    cfg = Config.fromfile(str(PRETRAIN_TINY))
    cfg.merge_from_dict(
        dict(
            work_dir=str(work_dir),
            train_cfg=dict(max_iters=2),
            default_hooks=dict(checkpoint=dict(interval=2)),
            train_dataloader=dict(dataset=dict(data_root=str(photos)))))
    cfg.test_dataloader = cfg.val_dataloader = None
    cfg.val_cfg = cfg.test_cfg = cfg.val_evaluator = cfg.test_evaluator = None
    Runner.from_cfg(cfg).train()
    path = work_dir / 'iter_2.pth'
    return path, torch.load(path, map_location='cpu', weights_only=True)


def scorer_with_init(checkpoint) -> torch.nn.Module:
    cfg = Config.fromfile(str(IQA_TINY))
    cfg.model.backbone.init_cfg = dict(
        type='StrictPretrained', checkpoint=str(checkpoint))
    return MODELS.build(cfg.model)


def encoder_part(state_dict):
    return {k[len('backbone.'):]: v for k, v in state_dict.items()
            if k.startswith('backbone.')}


def test_real_pretraining_checkpoint_loads_every_backbone_tensor(
        pretrain_checkpoint, log_lines):
    path, ckpt = pretrain_checkpoint
    source = encoder_part(ckpt['state_dict'])
    scorer = scorer_with_init(path)
    scorer.init_weights()
    loaded = scorer.backbone.state_dict()
    assert set(loaded) == set(source)
    for key, value in source.items():
        assert torch.equal(loaded[key], value), key

    neck = [k for k in ckpt['state_dict'] if k.startswith('neck.')]
    decoder = [k for k in ckpt['state_dict'] if k.startswith('decoder.')]
    assert neck and 'decoder.mask_token' in decoder
    expected = (f'loaded {len(source)}/{len(source)} backbone tensors from '
                f'{path} (QPT V2 pretraining checkpoint); skipped: '
                f'neck.* ({len(neck)}), decoder.* ({len(decoder)}, incl. '
                'decoder.mask_token)')
    assert expected in log_lines, log_lines


def test_a_pretraining_work_dir_loads_its_last_checkpoint(
        pretrain_checkpoint, log_lines):
    """The fine-tuning configs name the pretraining work dir: the last
    iteration's file name depends on the GPU count of that run."""
    path, ckpt = pretrain_checkpoint
    scorer = scorer_with_init(path.parent)
    scorer.init_weights()
    source = encoder_part(ckpt['state_dict'])
    loaded = scorer.backbone.state_dict()
    assert all(torch.equal(loaded[k], v) for k, v in source.items())
    assert f'backbone tensors from {path} ' in log_lines[-1]


def test_truncated_checkpoint_fails_listing_every_missing_key(
        pretrain_checkpoint, tmp_path):
    path, ckpt = pretrain_checkpoint
    dropped = ['backbone.blocks.0.mlp.fc1.weight',
               'backbone.blocks.6.attn.qkv.bias', 'backbone.norm.weight']
    truncated = dict(ckpt)
    truncated['state_dict'] = {
        k: v for k, v in ckpt['state_dict'].items() if k not in dropped}
    bad = tmp_path / 'truncated.pth'
    torch.save(truncated, bad)
    scorer = scorer_with_init(bad)
    before = {k: v.clone() for k, v in scorer.backbone.state_dict().items()}
    with pytest.raises(StateDictMismatchError) as info:
        scorer.init_weights()
    message = str(info.value)
    assert str(bad) in message
    assert '3 missing, 0 unexpected, 0 mis-shaped' in message
    for key in dropped:
        assert f'missing in checkpoint: {key[len("backbone."):]}' in message
    assert sorted(info.value.missing) == sorted(
        k[len('backbone.'):] for k in dropped)
    # nothing was half-loaded
    for key, value in scorer.backbone.state_dict().items():
        assert torch.equal(value, before[key]), key


def test_fresh_norm_for_a_pretraining_without_final_norm(
        pretrain_checkpoint, tmp_path, log_lines):
    """A ``fusion='hifeat'`` pretraining has no ``backbone.norm``: strict
    loading refuses it; ``fresh=['norm.']`` loads every other tensor and
    keeps the scorer's own norm, and says so."""
    path, ckpt = pretrain_checkpoint
    no_norm = dict(ckpt)
    no_norm['state_dict'] = {k: v for k, v in ckpt['state_dict'].items()
                             if not k.startswith('backbone.norm.')}
    bad = tmp_path / 'hifeat_like.pth'
    torch.save(no_norm, bad)
    with pytest.raises(StateDictMismatchError) as info:
        scorer_with_init(bad).init_weights()
    assert '2 missing, 0 unexpected' in str(info.value)

    cfg = Config.fromfile(str(IQA_TINY))
    cfg.model.backbone.init_cfg = dict(
        type='StrictPretrained', checkpoint=str(bad), fresh=['norm.'])
    scorer = MODELS.build(cfg.model)
    own_norm = {k: v.clone() for k, v in scorer.backbone.state_dict().items()
                if k.startswith('norm.')}
    scorer.init_weights()
    loaded = scorer.backbone.state_dict()
    want = encoder_part(ckpt['state_dict'])
    for key, value in loaded.items():
        if key.startswith('norm.'):
            assert torch.equal(value, own_norm[key]), key
        else:
            assert torch.equal(value, want[key]), key
    total = len(loaded)
    assert any(f'loaded {total - 2}/{total} backbone tensors' in m
               and 'initialised fresh: norm.weight, norm.bias' in m
               for m in log_lines), log_lines

    with pytest.raises(ValueError, match="fresh='nrom.' matches no"):
        load_backbone_strictly(scorer, str(bad), fresh=['nrom.'])


def test_checkpoint_of_another_architecture_fails_with_the_list(tmp_path):
    """A pretraining model with wider stages and one more main block: every
    mis-shaped and every unexpected key is named."""
    cfg = Config.fromfile(str(PRETRAIN_TINY))
    cfg.model.backbone.arch = dict(embed_dims=96, depths=[1, 1, 3],
                                   num_heads=3)
    cfg.model.neck.in_channels = (24, 48, 96)
    other = MODELS.build(cfg.model)
    path = tmp_path / 'wide.pth'
    torch.save(dict(meta=dict(), state_dict=other.state_dict()), path)

    scorer = scorer_with_init(path)
    with pytest.raises(StateDictMismatchError) as info:
        scorer.init_weights()
    err = info.value
    ours = scorer.backbone.state_dict()
    theirs = encoder_part(other.state_dict())
    want_mis = sorted(k for k in ours if k in theirs
                      and ours[k].shape != theirs[k].shape)
    want_unexpected = sorted(set(theirs) - set(ours))
    assert want_mis and want_unexpected  # the case is what it claims
    assert sorted(k for k, _, _ in err.mismatched) == want_mis
    assert sorted(err.unexpected) == want_unexpected
    assert err.missing == []
    message = str(err)
    for key in want_mis:
        assert (f'shape mismatch: {key}: model {list(ours[key].shape)}, '
                f'checkpoint {list(theirs[key].shape)}') in message
    for key in want_unexpected:
        assert f'unexpected in checkpoint: {key}' in message


def test_mmengine_pretrained_would_have_loaded_it_silently(
        pretrain_checkpoint, tmp_path):
    """Why the configs changed: mmengine's Pretrained accepts the truncated
    file and leaves the dropped tensor as initialised."""
    path, ckpt = pretrain_checkpoint
    truncated = dict(ckpt)
    truncated['state_dict'] = {
        k: v for k, v in ckpt['state_dict'].items()
        if k != 'backbone.norm.weight'}
    bad = tmp_path / 'truncated.pth'
    torch.save(truncated, bad)
    cfg = Config.fromfile(str(IQA_TINY))
    cfg.model.backbone.init_cfg = dict(
        type='Pretrained', checkpoint=str(bad), prefix='backbone.')
    scorer = MODELS.build(cfg.model)
    scorer.init_weights()  # no error
    assert not torch.equal(scorer.backbone.norm.weight,
                           ckpt['state_dict']['backbone.norm.weight'])


def test_other_accepted_layouts_and_their_skipped_groups(
        pretrain_checkpoint, log_lines):
    """A bare encoder state dict and a scorer checkpoint (head skipped)."""
    _, ckpt = pretrain_checkpoint
    source = encoder_part(ckpt['state_dict'])
    scorer = scorer_with_init('unused')
    report = load_backbone_strictly(scorer, source, source='bare')
    assert report.kind == 'backbone' and report.skipped == {}
    assert 'skipped: nothing' in log_lines[-1]

    donor = scorer_with_init('unused')
    for p in donor.parameters():
        torch.nn.init.normal_(p)
    report = load_backbone_strictly(
        scorer.backbone, dict(state_dict=donor.state_dict()), source='mine')
    assert report.kind == 'scorer'
    assert report.skipped == {
        'head': ['head.' + k for k in donor.head.state_dict()]}
    assert log_lines[-1].endswith(
        f'skipped: head.* ({len(donor.head.state_dict())})')
    for key, value in donor.backbone.state_dict().items():
        assert torch.equal(scorer.backbone.state_dict()[key], value), key


def test_video_backbone_is_refused_with_the_right_pointer():
    from qpt.models.backbones import HiViT3D
    video = HiViT3D(arch=dict(embed_dims=64, depths=[1, 1, 1], num_heads=2),
                    img_size=32, num_frames=4)
    with pytest.raises(TypeError, match='InflatedPretrained'):
        load_backbone_strictly(video, {})
