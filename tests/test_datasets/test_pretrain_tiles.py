"""Lossless pretraining tiles: grid, DCT-domain cut, shards, dataset, crops.

The reference for "lossless" is the decoded source file with the same
decoder (torchvision's libjpeg-turbo) and, for the clean target of the old
pipeline, ``read_image_rgb`` (Pillow) on the source.
"""
import json

import numpy as np
import pytest
import torch
from PIL import Image

from qpt.datasets import PretrainTileDataset, read_image_rgb
from qpt.datasets.tiles import (JpegTileCutter, ShardReader, TileConfig,
                                axis_coverage, axis_tiles, decode_tile,
                                default_stride, iter_shard, make_tiles,
                                read_index, tile_image)

VARIANTS = ('jxl_flower_q85_420.jpg', 'jxl_flower_q85_422.jpg',
            'jxl_flower_q85_444.jpg', 'jxl_flower_q85_gray.jpg',
            'grace_hopper.jpg')


@pytest.fixture(scope='module')
def hr_photos(shared_data):
    return sorted((shared_data / 'images' / 'hr_photos').glob('*.jpg'))


def brute_force_origins(length, tile, stride, crop, margin, mcu):
    """Crop origins served, recomputed from the definition: a crop at x is
    served when some tile [s, e) holds it with `margin` kept free on the
    tile's sides that are inside the image."""
    served = set()
    for t in axis_tiles(length, tile, stride, crop, margin, mcu):
        assert t.start % mcu == 0
        for x in range(length - crop + 1):
            lo = t.start + (margin if t.start > 0 else 0)
            hi = t.end - (margin if t.end < length else 0)
            if lo <= x and x + crop <= hi:
                served.add(x)
    return served


@pytest.mark.parametrize('length', [224, 300, 511, 1050, 1517, 2560])
@pytest.mark.parametrize('mcu', [8, 16])
def test_default_stride_keeps_every_crop_position(length, mcu):
    stride = default_stride(512, 224, mcu, mcu)
    served = brute_force_origins(length, 512, stride, 224, mcu, mcu)
    assert served == set(range(length - 224 + 1))
    tiles = axis_tiles(length, 512, stride, 224, mcu, mcu)
    assert axis_coverage(length, tiles, 224) == 1.0
    assert tiles[-1].end == length  # the last tile reaches the border


def test_a_larger_stride_reports_the_fraction_kept():
    tiles = axis_tiles(2000, 512, 384, 224, 16, 16)
    served = brute_force_origins(2000, 512, 384, 224, 16, 16)
    assert axis_coverage(2000, tiles, 224) == pytest.approx(
        len(served) / (2000 - 224 + 1))
    assert axis_coverage(2000, tiles, 224) < 1.0


def check_tiles_equal_source(path, tiles, orientation_applied=False):
    full = decode_tile(path.read_bytes(), 'jpg')
    pil = torch.from_numpy(read_image_rgb(path)).permute(2, 0, 1)
    assert torch.equal(full, pil), 'torchvision and Pillow decode differ'
    for rec, data in tiles:
        y, x, h, w = rec['box']
        t, l, b, r = rec['safe']
        tile = decode_tile(data, rec['format'])
        assert tile.shape[1:] == (h, w)
        assert torch.equal(tile[:, t:b, l:r],
                           full[:, y + t:y + b, x + l:x + r]), rec['key']


def test_tile_cut_is_lossless_on_hr_photos(hr_photos, tmp_path):
    # 4:2:0 and 4:2:2 photos, baseline and progressive, borders not on the
    # MCU grid; verify=False so that this test, not the tool, checks.
    for path in hr_photos[:6]:
        tiles, coverage = tile_image(
            str(path), path.name, TileConfig(verify=False), str(tmp_path))
        assert coverage == 1.0 and len(tiles) > 4
        check_tiles_equal_source(path, tiles)


@pytest.mark.parametrize('name', VARIANTS)
def test_tile_cut_is_lossless_on_chroma_variants(shared_data, tmp_path,
                                                 name):
    path = shared_data / 'images' / 'misc' / name
    tiles, _ = tile_image(
        str(path), name, TileConfig(tile=256, crop=96, verify=False),
        str(tmp_path))
    check_tiles_equal_source(path, tiles)
    # the tile's JPEG keeps the source's quantisation (no re-encoding)
    import jpeglib
    src = jpeglib.read_dct(str(path))
    out = tmp_path / 'tile.jpg'
    out.write_bytes(tiles[len(tiles) // 2][1])
    assert np.array_equal(jpeglib.read_dct(str(out)).qt, src.qt)


def test_without_the_margin_interior_tile_edges_differ(shared_data,
                                                       tmp_path):
    """Why the safe box exists: chroma up-sampling at a tile side inside
    the image differs from the full decode (the tool's check catches it)."""
    path = shared_data / 'images' / 'misc' / 'jxl_flower_q85_420.jpg'
    tiles, _ = tile_image(
        str(path), path.name, TileConfig(tile=256, crop=96, margin=0,
                                         verify=False), str(tmp_path))
    with pytest.raises(AssertionError):
        check_tiles_equal_source(path, tiles)
    with pytest.raises(OSError, match='differs from the decoded source'):
        tile_image(str(path), path.name,
                   TileConfig(tile=256, crop=96, margin=0), str(tmp_path))


def test_exif_orientation_is_applied_to_crops(shared_data, tmp_path):
    """A JPEG whose EXIF says 'rotate 90 CW' (6): the crops equal the same
    region of the image as read_image_rgb displays it."""
    src = Image.open(shared_data / 'images' / 'misc' / 'grace_hopper.jpg')
    exif = Image.Exif()
    exif[0x0112] = 6
    path = tmp_path / 'rotated.jpg'
    src.save(path, quality=90, exif=exif.tobytes())
    shown = read_image_rgb(path)  # (W, H, 3) of the coded image
    make_tiles([(str(path), 'rotated.jpg')], str(tmp_path / 'tiles'),
               TileConfig(tile=256, crop=64))
    ds = PretrainTileDataset(
        data_root=str(tmp_path / 'tiles'), crop_size=64,
        pipeline=[dict(type='LoadTileFromShard'), dict(type='DecodeTile'),
                  dict(type='RandomTileCrops', crop_size=64, num_crops=8,
                       flip_prob=0.)])
    coded_h = Image.open(path).size[1]
    for i in range(len(ds)):
        out = ds[i]
        for (y, x), crop in zip(out['crop_boxes'], out['img']):
            # coded (y, x) -> displayed for orientation 6 (rotate 90 CW)
            rows, cols = slice(x, x + 64), slice(coded_h - y - 64,
                                                 coded_h - y)
            ref = torch.from_numpy(shown[rows, cols]).permute(2, 0, 1)
            assert torch.equal(crop, ref)


@pytest.fixture(scope='module')
def hr_tiles(hr_photos, tmp_path_factory):
    out = tmp_path_factory.mktemp('tiles')
    sources = [(str(p), p.name) for p in hr_photos[:3]]
    report = make_tiles(sources, str(out), TileConfig(),
                        max_shard_bytes=1 << 20)
    return out, report


def test_shard_round_trip(hr_tiles, hr_photos):
    out, report = hr_tiles
    records = read_index(str(out / 'index.jsonl'))
    assert len(records) == report.num_tiles
    shards = sorted(p.name for p in out.glob('*.tar'))
    assert len(shards) > 1 and {r['shard'] for r in records} == set(shards)
    # every member read through tarfile equals the positional read
    by_name = {}
    for shard in shards:
        for name, data in iter_shard(str(out / shard)):
            by_name[name] = data
    reader = ShardReader()
    for rec in records:
        data = reader.read(str(out / rec['shard']), rec['offset'],
                           rec['size'])
        assert data == by_name[f"{rec['key']}.jpg"]
        meta = json.loads(by_name[f"{rec['key']}.json"])
        assert meta['box'] == rec['box'] and meta['source'] == rec['source']
    # and the tiles still hold the source's pixels
    for path in hr_photos[:1]:
        tiles = [(r, by_name[f"{r['key']}.jpg"]) for r in records
                 if r['source'] == path.name]
        check_tiles_equal_source(path, tiles)


def test_a_truncated_shard_is_an_error_naming_it(hr_tiles, tmp_path):
    out, _ = hr_tiles
    rec = read_index(str(out / 'index.jsonl'))[-1]
    cut = tmp_path / rec['shard']
    cut.write_bytes((out / rec['shard']).read_bytes()[:rec['offset'] + 10])
    with pytest.raises(OSError, match=rec['shard']):
        ShardReader().read(str(cut), rec['offset'], rec['size'])


def test_repeated_sampling_gives_distinct_crops_and_params(hr_tiles,
                                                           hr_photos):
    out, _ = hr_tiles
    degradation = dict(
        type='SequentialDegradation',
        transforms=[
            dict(type='GaussianBlurDegradation', prob=1.),
            dict(type='ColorSpaceTransform', prob=1.)
        ])
    ds = PretrainTileDataset(
        data_root=str(out),
        pipeline=[
            dict(type='LoadTileFromShard'),
            dict(type='DecodeTile'),
            dict(type='RandomTileCrops', num_crops=4),
            dict(type='DrawDegradationParams', degradation=degradation),
            dict(type='PackTileCrops')
        ])
    np.random.seed(0)
    full = {p.name: torch.from_numpy(read_image_rgb(p)).permute(2, 0, 1)
            for p in hr_photos[:3]}
    flips = []
    for i in range(0, len(ds), 7):
        packed = ds[i]
        crops, meta = packed['inputs'], packed['data_samples'].metainfo
        assert crops.shape == (4, 3, 224, 224) and crops.dtype == torch.uint8
        assert len({tuple(b) for b in meta['crop_boxes']}) == 4
        params = [json.dumps(p) for p in meta['degradation_params']]
        assert len(set(params)) == 4
        for (y, x), flip, crop in zip(meta['crop_boxes'], meta['flips'],
                                      crops):
            ref = full[meta['source']][:, y:y + 224, x:x + 224]
            assert torch.equal(crop, ref.flip(-1) if flip else ref)
        flips += meta['flips']
        assert meta['bytes_read'] == ds.get_data_info(i)['size']
    assert 0 < sum(flips) < len(flips)


def test_crop_size_larger_than_the_tiles_serve_is_an_error(hr_tiles):
    out, _ = hr_tiles
    with pytest.raises(ValueError, match='smaller than crop_size'):
        PretrainTileDataset(data_root=str(out), crop_size=500)


def test_an_unsupported_jpeg_is_an_error_naming_the_file(tmp_path):
    path = tmp_path / 'cmyk.jpg'
    Image.new('CMYK', (64, 64), (0, 50, 100, 0)).save(path)
    with pytest.raises(OSError, match='cmyk.jpg.*colour space'):
        JpegTileCutter(str(path))
    report = make_tiles([(str(path), 'cmyk.jpg')], str(tmp_path / 'o'),
                        TileConfig(crop=32, tile=64), on_error='skip')
    assert report.num_failed == 1 and report.num_tiles == 0
