"""init_model / inference_model: released checkpoints, the converter, strict
loading, pretraining checkpoints and bad inputs at test time."""
import csv
import shutil
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from mmengine.config import Config
from PIL import Image

from qpt.apis import inference_model, init_model
from qpt.apis.checkpoint_loading import load_scorer_checkpoint
from qpt.datasets.image_io import read_image_rgb
from qpt.models.converters import (StateDictMismatchError,
                                   convert_qptv2_release, is_qptv2_release)
from qpt.registry import MODELS

PROJECT_ROOT = Path(__file__).resolve().parents[2]
BASE_CFG = PROJECT_ROOT / 'configs' / '_base_' / 'models' / \
    'qptv2_hivit-t_quality.py'
TINY_ARCH = dict(embed_dims=64, depths=[1, 1, 2], num_heads=2)
TEST_PIPELINE = [
    dict(type='LoadImageRGB'),
    dict(type='DeterministicCrops', crop_size=224, num_crops=5),
    dict(type='PackQualityInputs'),
]


def tiny_cfg(img_size: int = 224, pipeline=TEST_PIPELINE) -> Config:
    """The base scorer config with a tiny HiViT and a test dataset on a 1-5
    MOS scale with a test pipeline."""
    cfg = Config.fromfile(str(BASE_CFG))
    cfg.model.backbone.arch = TINY_ARCH
    cfg.model.backbone.img_size = img_size
    cfg.model.head.in_channels = TINY_ARCH['embed_dims']
    cfg.test_dataloader = dict(dataset=dict(
        type='QualityDataset', score_range=(1., 5.), pipeline=pipeline))
    return cfg


@pytest.fixture
def converter_main(load_tool):
    """``main(argv)`` of tools/model_converters/qptv2_release_to_qpt.py."""
    return load_tool('tools/model_converters/qptv2_release_to_qpt.py').main


# --------------------------------------------------------------- released
@pytest.fixture(scope='module')
def released(release_layout, release_params):
    """Random tensors in the released layout: {'params': state_dict}."""
    params = release_params()
    assert len(params) == release_layout['count']
    return {release_layout['wrapper_key']: params}


@pytest.fixture(scope='module')
def release_file(released, tmp_path_factory):
    path = tmp_path_factory.mktemp('release') / 'iqa.pth'
    torch.save(released, path)
    return path


@pytest.fixture(scope='module')
def release_model(release_file):
    return init_model(BASE_CFG, release_file)


def test_release_loads_strictly_and_head_matches_manual(
        released, release_model):
    params = released['params']
    assert is_qptv2_release(released)
    model = release_model
    assert not model.training and model.cfg is not None
    state = model.state_dict()
    for name, value in convert_qptv2_release(params).items():
        assert torch.equal(state[name], value), name

    x = torch.randn(2, 3, 224, 224, generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        out = model(x, mode='tensor')
        tokens = model.backbone.forward_units(x)[-1]  # (B, 196, 384)
    assert tokens.shape == (2, 196, 384)
    hidden = F.gelu(
        F.linear(tokens.mean(1), params['quality_regressor.fc_cls.0.weight'],
                 params['quality_regressor.fc_cls.0.bias']))
    manual = F.linear(hidden, params['quality_regressor.fc_cls.3.weight'],
                      params['quality_regressor.fc_cls.3.bias']).squeeze(-1)
    assert out.shape == (2, )
    torch.testing.assert_close(out, manual, rtol=1e-5, atol=1e-6)


def test_converter_cli_round_trips(release_file, release_model, tmp_path,
                                   capsys, converter_main):
    main = converter_main
    dst = tmp_path / 'out' / 'qpt.pth'
    assert main([str(release_file), str(dst)]) == 0
    printed = capsys.readouterr().out
    assert 'mapped 172 keys (168 encoder, 4 head)' in printed
    assert 'missing keys (0)' in printed
    assert 'unexpected keys (0)' in printed
    ckpt = torch.load(dst, weights_only=True)
    assert set(ckpt) == {'meta', 'state_dict'}
    assert ckpt['meta']['source'] == 'iqa.pth'
    assert not Path(ckpt['meta']['config']).is_absolute()
    reloaded = init_model(BASE_CFG, dst)
    # converted, it is still the released head: raw scores
    assert reloaded.score_scale == 'raw' and reloaded.calibration is None
    x = torch.randn(1, 3, 224, 224)
    with torch.no_grad():
        torch.testing.assert_close(
            reloaded(x, mode='tensor'), release_model(x, mode='tensor'),
            rtol=0, atol=0)


def release_cfg() -> Config:
    """The base scorer config with a one-crop test pipeline and a 1-5 MOS
    range, a scale the released head was never shown to be on."""
    cfg = Config.fromfile(str(BASE_CFG))
    cfg.test_dataloader = dict(
        dataset=dict(
            type='QualityDataset',
            score_range=(1., 5.),
            pipeline=[
                dict(type='LoadImageRGB'),
                dict(type='DeterministicCrops', crop_size=224, num_crops=1),
                dict(type='PackQualityInputs'),
            ]))
    return cfg


def _noise_images(n: int) -> list:
    """(224, 224, 3) uint8 images: a ramp with noise of growing strength."""
    rng = np.random.default_rng(0)
    ramp = np.linspace(0, 255, 224)[None, :, None] * np.ones((224, 1, 3))
    return [np.clip(ramp + rng.normal(0, 20 * i, ramp.shape), 0,
                    255).astype(np.uint8) for i in range(n)]


def test_release_scores_are_raw_head_outputs_labelled_raw(release_file):
    model = init_model(release_cfg(), release_file)
    assert model.checkpoint_kind == 'qptv2_release'
    assert model.score_scale == 'raw' and model.calibration is None
    images = _noise_images(2)
    records = inference_model(model, images, details=True)
    # the reference: the head output on the normalised image, by hand
    mean = torch.tensor([123.675, 116.28, 103.53]).view(1, 3, 1, 1)
    std = torch.tensor([58.395, 57.12, 57.375]).view(1, 3, 1, 1)
    x = torch.stack([torch.from_numpy(i).permute(2, 0, 1).float()
                     for i in images])
    with torch.no_grad():
        expected = model((x - mean) / std, mode='tensor')
    np.testing.assert_allclose([r['raw_score'] for r in records],
                               expected.numpy(), rtol=1e-5, atol=1e-6)
    # no MOS: not the config's 1..5 range applied to the raw output
    assert [r['score'] for r in records] == [None, None]
    assert {r['score_scale'] for r in records} == {'raw'}
    with pytest.warns(UserWarning, match='raw head outputs'):
        plain = inference_model(model, images)
    assert plain == [r['raw_score'] for r in records]


def test_release_through_qpt_score_and_calibration(release_file, tmp_path,
                                                   capsys, load_tool):
    from qpt.cli import main as qpt_main
    cfg_path = tmp_path / 'release_cfg.py'
    release_cfg().dump(str(cfg_path))
    folder = tmp_path / 'images'
    folder.mkdir()
    images = _noise_images(6)
    for i, img in enumerate(images):
        Image.fromarray(img).save(folder / f'{i}.png')
    out = tmp_path / 'scores.csv'
    assert qpt_main(['score', str(cfg_path), str(release_file), str(folder),
                     '--out', str(out), '--no-progress']) == 0
    assert 'score_scale raw' in capsys.readouterr().err
    with open(out, newline='') as f:
        rows = list(csv.DictReader(f))
    assert [r['score'] for r in rows] == [''] * 6  # no MOS column value
    assert {r['score_scale'] for r in rows} == {'raw'}
    raw = np.array([float(r['raw_score']) for r in rows])
    assert np.ptp(raw) > 0

    # calibrate the release on labels that are a monotone map of its output
    mos = 1 + 4 / (1 + np.exp(-(raw - raw.mean()) / raw.std()))
    labels = tmp_path / 'labels.csv'
    labels.write_text('img_name,mos\n' + ''.join(
        f'{i}.png,{float(m)!r}\n' for i, m in enumerate(mos)))
    calibrated = tmp_path / 'calibrated.pth'
    calibrate = load_tool('tools/calibrate.py')
    assert calibrate.main([str(cfg_path), str(release_file), '--labels',
                           str(labels), '--images-root', str(folder),
                           '--out', str(calibrated)]) == 0
    ckpt = torch.load(calibrated, weights_only=True)
    assert set(ckpt) == {'meta', 'state_dict'}
    assert ckpt['meta']['score_scale'] == 'raw'
    model = init_model(cfg_path, calibrated)
    assert model.score_scale == 'calibrated'
    records = inference_model(model, images, details=True)
    np.testing.assert_allclose([r['raw_score'] for r in records], raw,
                               rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose([r['score'] for r in records], mos,
                               rtol=0, atol=4e-3)
    # without its calibration the converted release is raw again
    del ckpt['meta']['calibration']
    torch.save(ckpt, tmp_path / 'stripped.pth')
    assert init_model(cfg_path, tmp_path / 'stripped.pth').score_scale == \
        'raw'


def _save_release(released, path, edit):
    params = dict(released['params'])
    edit(params)
    torch.save({'params': params}, path)
    return path


def test_missing_tensor_is_named(released, tmp_path, capsys,
                                 converter_main):
    path = _save_release(released, tmp_path / 'missing.pth',
                         lambda p: p.pop('blocks.7.attn.qkv.weight'))
    with pytest.raises(StateDictMismatchError,
                       match='missing in checkpoint: '
                       r'backbone\.blocks\.7\.attn\.qkv\.weight'):
        init_model(BASE_CFG, path)
    main = converter_main
    dst = tmp_path / 'never.pth'
    assert main([str(path), str(dst)]) == 1
    assert not dst.exists()
    err = capsys.readouterr()
    assert 'backbone.blocks.7.attn.qkv.weight' in err.out + err.err


def test_misshaped_tensor_is_named_with_both_shapes(released, tmp_path):
    path = _save_release(
        released, tmp_path / 'shape.pth',
        lambda p: p.update({'quality_regressor.fc_cls.3.weight':
                            torch.zeros(2, 64)}))
    with pytest.raises(StateDictMismatchError) as info:
        init_model(BASE_CFG, path)
    assert ('shape mismatch: head.fc_cls.3.weight: model [1, 64], '
            'checkpoint [2, 64]') in str(info.value)
    assert str(path) in str(info.value)


# ------------------------------------------------------------ pretraining
def test_pretraining_checkpoint_loads_the_encoder_only(tmp_path):
    pre_cfg = Config.fromfile(
        str(PROJECT_ROOT / 'tests' / 'data' / 'pretrain_tiny.py'))
    pretrain = MODELS.build(pre_cfg.model)
    path = tmp_path / 'pretrain.pth'
    torch.save(dict(meta=dict(), state_dict=pretrain.state_dict()), path)

    model = init_model(tiny_cfg(img_size=64), path)
    state = model.state_dict()
    for name, value in pretrain.state_dict().items():
        if name.startswith('backbone.'):
            assert torch.equal(state[name], value), name
    report = load_scorer_checkpoint(model, path)
    assert report['kind'] == 'pretrain_encoder'
    assert report['not_loaded'] == sorted(
        k for k in state if k.startswith('head.'))
    assert report['ignored'] and all(
        k.startswith(('neck.', 'decoder.', 'head.'))
        for k in report['ignored'])
    # an encoder of another shape is refused, naming the tensor
    with pytest.raises(StateDictMismatchError, match='absolute_pos_embed'):
        init_model(tiny_cfg(img_size=224), path)


# --------------------------------------------------------------- inference
@pytest.fixture(scope='module')
def tiny_model():
    torch.manual_seed(0)
    return init_model(tiny_cfg())


@pytest.fixture(scope='module')
def photos(shared_data):
    return [
        shared_data / 'images' / 'misc' / 'grace_hopper.jpg',
        shared_data / 'images' / 'skimage' / 'chelsea.png',
        shared_data / 'images' / 'skimage' / 'coffee.png',
    ]


def test_inference_scores_paths_and_arrays_deterministically(
        tiny_model, photos):
    scores = inference_model(tiny_model, photos, batch_size=2)
    assert len(scores) == 3 and all(isinstance(s, float) for s in scores)
    assert all(1. - 1 <= s <= 5. + 1 for s in scores)
    assert inference_model(tiny_model, photos, batch_size=2) == scores
    single = [inference_model(tiny_model, p)[0] for p in photos]
    np.testing.assert_allclose(single, scores, rtol=0, atol=1e-5)
    arrays = [read_image_rgb(p) for p in photos[:2]]
    np.testing.assert_allclose(
        inference_model(tiny_model, arrays), scores[:2], rtol=0, atol=1e-5)
    assert inference_model(tiny_model, []) == []


def test_whole_image_pipeline_batches_mixed_sizes(photos):
    torch.manual_seed(0)
    model = init_model(
        tiny_cfg(pipeline=[
            dict(type='LoadImageRGB'),
            dict(type='DeterministicCrops', num_crops=0),
            dict(type='PackQualityInputs')
        ]))
    scores = inference_model(model, photos, batch_size=16)
    assert len(scores) == 3 and np.isfinite(scores).all()


def _bad_inputs(photo: Path, folder: Path) -> dict:
    """name -> (path, expected: 'score' or a regex of the error)."""
    raw = photo.read_bytes()
    rgb = Image.open(photo).convert('RGB')
    out = {}
    out['missing'] = (folder / 'nope.jpg', 'error')
    (folder / 'truncated.jpg').write_bytes(raw[:len(raw) // 2])
    out['truncated'] = (folder / 'truncated.jpg', 'error')
    (folder / 'empty.jpg').write_bytes(b'')
    out['empty'] = (folder / 'empty.jpg', 'error')
    rgba = rgb.copy()
    rgba.putalpha(Image.new('L', rgb.size, 128))
    rgba.save(folder / 'alpha.png')
    out['alpha'] = (folder / 'alpha.png', 'score')
    gray16 = np.asarray(rgb.convert('L'), dtype=np.uint16) * 257
    Image.fromarray(gray16).save(folder / 'gray16.png')
    assert Image.open(folder / 'gray16.png').mode.startswith('I')
    out['16-bit'] = (folder / 'gray16.png', 'score')
    rgb.convert('L').save(folder / 'gray.jpg', quality=95)
    out['grayscale'] = (folder / 'gray.jpg', 'score')
    rgb.convert('CMYK').save(folder / 'cmyk.jpg', quality=95)
    assert Image.open(folder / 'cmyk.jpg').mode == 'CMYK'
    out['cmyk'] = (folder / 'cmyk.jpg', 'score')
    rgb.resize((200, 150)).save(folder / 'small.png')
    out['small'] = (folder / 'small.png', 'error')
    return out


def test_bad_inputs_score_or_name_the_file(tiny_model, photos, tmp_path):
    cases = _bad_inputs(photos[0], tmp_path)
    for what, (path, expected) in cases.items():
        if expected == 'score':
            score = inference_model(tiny_model, path)[0]
            assert np.isfinite(score), what
            # what was scored is exactly what the reader decoded
            ref = inference_model(tiny_model, read_image_rgb(path))[0]
            assert score == pytest.approx(ref, abs=1e-6), what
        else:
            with pytest.raises(Exception) as info:
                inference_model(tiny_model, [photos[1], path])
            assert str(path) in str(info.value), (what, str(info.value))
    # alpha is dropped, not composited: same pixels as the RGB photo
    rgb = np.asarray(Image.open(photos[0]).convert('RGB'))
    assert np.array_equal(read_image_rgb(cases['alpha'][0]), rgb)
    # the small-image message says why
    with pytest.raises(ValueError, match='200x150.*smaller than'):
        inference_model(tiny_model, cases['small'][0])


def test_real_grayscale_jpeg_scores(tiny_model, shared_data):
    path = shared_data / 'images' / 'misc' / 'jxl_flower_q85_gray.jpg'
    assert np.isfinite(inference_model(tiny_model, path)[0])


def test_other_bad_inputs(tiny_model, tmp_path):
    video = tmp_path / 'clip.mp4'
    shutil.copyfile(__file__, video)
    with pytest.raises(ValueError, match='video scoring needs a video config'):
        inference_model(tiny_model, video)
    with pytest.raises(ValueError, match=r'inputs\[1\].*uint8'):
        inference_model(tiny_model, [np.zeros((256, 256, 3), np.uint8),
                                     np.zeros((256, 256), np.float32)])
    with pytest.raises(TypeError, match=r'inputs\[0\]'):
        inference_model(tiny_model, [42])
    no_pipeline = init_model(tiny_cfg())
    no_pipeline.cfg.test_dataloader = dict(dataset=dict())
    with pytest.raises(ValueError, match='test_dataloader'):
        inference_model(no_pipeline, np.zeros((256, 256, 3), np.uint8))
