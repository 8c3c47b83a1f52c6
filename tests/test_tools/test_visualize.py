"""Picture tools: reconstruction grids (tool and training hook) and the
degradation grid, on a tiny QPT V2 model and real photos. The grid
layout itself is tested in tests/test_visualization/."""
import logging
from pathlib import Path
from types import SimpleNamespace

import cv2
import numpy as np
import pytest
import torch

from qpt.visualization.reconstruction import LABEL_HEIGHT

ROOT = Path(__file__).resolve().parents[2]
PRETRAIN_CONFIG = ROOT / 'tests' / 'data' / 'pretrain_tiny.py'
CROP = 64  # the tiny config's crop


def _read_rgb(path: Path) -> np.ndarray:
    img = cv2.imread(str(path), cv2.IMREAD_COLOR)
    assert img is not None, f'{path} is not a readable PNG'
    return cv2.cvtColor(img, cv2.COLOR_BGR2RGB)


@pytest.fixture(scope='module')
def pretrain_model():
    from mmengine.config import Config

    from qpt.registry import MODELS
    cfg = Config.fromfile(str(PRETRAIN_CONFIG))
    torch.manual_seed(0)
    return cfg, MODELS.build(cfg.model).eval()


def test_visualize_reconstruction_tool(pretrain_model, shared_data,
                                       tmp_path, capsys, load_tool):
    cfg, model = pretrain_model
    ckpt = tmp_path / 'pretrain.pth'
    torch.save(dict(meta=dict(), state_dict=model.state_dict()), ckpt)
    photos = [shared_data / 'images' / 'misc' / 'grace_hopper.jpg',
              shared_data / 'images' / 'misc' /
              'tmshre_riaphotographs_srgb8.png']
    broken = tmp_path / 'broken.png'
    broken.write_bytes(b'not a png')
    tool = load_tool('tools/visualize_reconstruction.py')
    out_dir = tmp_path / 'vis'
    args = [str(PRETRAIN_CONFIG), str(ckpt), *map(str, photos),
            '--out-dir', str(out_dir), '--seed', '3']
    assert tool.main(args[:4] + [str(broken)] + args[4:]) == 1  # broken
    assert 'broken.png' in capsys.readouterr().err
    first = {}
    for photo in photos:
        png = out_dir / f'{photo.stem}_reconstruction.png'
        img = _read_rgb(png)
        assert img.shape == (LABEL_HEIGHT + CROP, 4 * CROP, 3)
        mask = img[LABEL_HEIGHT:, CROP:2 * CROP]
        assert set(np.unique(mask)) <= {0, 255}  # a binary mask
        assert 0.6 < (mask == 255).mean() < 0.9  # 75% masked
        # visible units of the reconstruction are the degraded input
        degraded = img[LABEL_HEIGHT:, :CROP]
        recon = img[LABEL_HEIGHT:, 2 * CROP:3 * CROP]
        visible = mask[..., 0] == 0
        assert np.abs(recon[visible].astype(int) -
                      degraded[visible]).max() <= 1
        first[png] = png.read_bytes()
    # the same seed draws the same crop, degradation and mask
    assert tool.main(args) == 0
    assert all(png.read_bytes() == data for png, data in first.items())


def test_reconstruction_hook_draws(pretrain_model, shared_data, tmp_path):
    from mmengine.dataset import Compose
    from mmengine.logging import MMLogger

    from qpt.engine.hooks import ReconstructionVisualizationHook
    cfg, model = pretrain_model
    pipeline = Compose(cfg.val_dataloader.dataset.pipeline)
    photo = shared_data / 'images' / 'misc' / 'grace_hopper.jpg'
    dataset = [pipeline(dict(img_path=str(photo), sample_idx=i))
               for i in range(2)]
    runner = SimpleNamespace(
        model=model, cfg=dict(val_dataloader=True),
        val_dataloader=SimpleNamespace(dataset=dataset),
        work_dir=str(tmp_path),
        logger=MMLogger.get_instance('test_vis_hook',
                                     log_level=logging.WARNING))
    path = ReconstructionVisualizationHook(num_images=2).draw(runner, 'x')
    assert Path(path) == tmp_path / 'vis' / 'reconstruction_x.png'
    assert _read_rgb(Path(path)).shape == (2 * CROP, 3 * CROP, 3)


def test_visualize_degradations_tool(shared_data, tmp_path, load_tool):
    from qpt.visualization.degradation_grid import sweep_points
    tool = load_tool('tools/visualize_degradations.py')
    out = tmp_path / 'grid.png'
    photo = shared_data / 'images' / 'hr_photos' / 'FreshFlower.jpg'
    assert tool.main([str(photo), '--out', str(out), '--tile-size',
                      '96']) == 0
    transforms = tool.build_degradations(tool.DEFAULT_CONFIG)
    names = [type(t).__name__ for t in transforms]
    assert names == [
        'GaussianBlurDegradation', 'SharpenDegradation', 'NoiseDegradation',
        'ColorSpaceTransform', 'ColorJitterDegradation', 'ResizeDegradation',
        'JPEGDegradation'
    ]
    cols = 1 + max(len(sweep_points(t)) for t in transforms)
    assert cols == 9  # jitter: min and max of its four adjustments
    img = _read_rgb(out)
    assert img.shape == (7 * (LABEL_HEIGHT + 96), cols * 96, 3)
    # first column: the untouched tile in every row
    tile = img[LABEL_HEIGHT:LABEL_HEIGHT + 96, :96]
    for r in range(1, 7):
        y = r * (LABEL_HEIGHT + 96) + LABEL_HEIGHT
        assert np.array_equal(img[y:y + 96, :96], tile)
    # sweeps reach the ends of the configured ranges
    blur = dict(sweep_points(transforms[0]))
    assert [p['sigma_x'] for c, p in blur.items()
            if p['isotropic']] == [0.2, 1.6, 3.0]
    jpeg = [p['quality'] for _, p in sweep_points(transforms[-1])]
    assert jpeg == [30, 62, 95]
