"""Tests of HR & HFC data curation (qpt.datasets.curation, tools/data/curate).

SA-1B-format collections are built here from real photos re-saved at several
resolutions, with synthetic mask JSONs of known object counts and areas.
"""
import json
import os
from pathlib import Path

import numpy as np
import pycocotools.mask as mask_util
import pytest
from PIL import Image

from qpt.datasets.curation import (BadAnnotationError, EdgeProxyConfig,
                                   Threshold, curate, decode_rle_counts,
                                   edge_cell_density, parse_threshold,
                                   sa1b_mask_stats)
from qpt.datasets.curation import image_stats as image_stats_module
from qpt.datasets.curation import runner as runner_module

PROJECT_ROOT = Path(__file__).resolve().parents[2]
PHOTOS = ('Garden.jpg', 'LadyBird.jpg', 'Storm.jpg', 'Dune.jpg',
          'YellowFlower.jpg', 'RainDrops.jpg')

# name -> (width, height, rectangles (y0, x0, y1, x1) of the masks)
# 'ov.jpg': two overlapping squares: union 17500 px, not 20000.
COLLECTION = {
    'a.jpg': (320, 240, [(0, 0, 200, 300)] + [(i, i, i + 10, i + 10)
                                              for i in range(0, 60, 10)]),
    'b.jpg': (160, 120, [(0, 0, 100, 150)] * 9),
    'ov.jpg': (200, 200, [(0, 0, 100, 100), (50, 50, 150, 150)]),
    'sub/c.png': (300, 300, [(0, 0, 290, 290), (10, 10, 20, 20),
                             (30, 30, 40, 40)]),
    'sub/deep/d.jpg': (240, 320, [(0, 0, 10 * k + 10, 12)
                                  for k in range(8)]),
}


def _rle_json(width: int, height: int, rects) -> dict:
    anns = []
    for y0, x0, y1, x1 in rects:
        m = np.zeros((height, width), dtype=np.uint8, order='F')
        m[y0:y1, x0:x1] = 1
        rle = mask_util.encode(m)
        anns.append({
            'segmentation': {
                'size': [height, width],
                'counts': rle['counts'].decode('ascii')
            },
            'area': int(m.sum()),
            'bbox': [x0, y0, x1 - x0, y1 - y0],
            'predicted_iou': 0.9,
        })
    return {
        'image': {
            'image_id': 1,
            'width': width,
            'height': height,
            'file_name': 'x.jpg'
        },
        'annotations': anns
    }


def _union_coverage(width: int, height: int, rects) -> float:
    """Foreground coverage by numpy, independent of pycocotools."""
    canvas = np.zeros((height, width), dtype=bool)
    for y0, x0, y1, x1 in rects:
        canvas[y0:y1, x0:x1] = True
    return float(canvas.mean())


def _save_photo(src: Path, dst: Path, width: int, height: int) -> None:
    with Image.open(src) as img:
        img.draft('RGB', (width, height))
        img = img.convert('RGB').resize((width, height), Image.BILINEAR)
    dst.parent.mkdir(parents=True, exist_ok=True)
    img.save(dst, quality=90) if dst.suffix == '.jpg' else img.save(dst)


@pytest.fixture(scope='module')
def sa1b_root(tmp_path_factory, shared_data) -> Path:
    root = tmp_path_factory.mktemp('sa1b')
    photos = shared_data / 'images' / 'hr_photos'
    for i, (name, (w, h, rects)) in enumerate(COLLECTION.items()):
        _save_photo(photos / PHOTOS[i], root / name, w, h)
        (root / name).with_suffix('.json').write_text(
            json.dumps(_rle_json(w, h, rects)))
    return root


def _expected(min_short=0, min_objects=0, min_coverage=0.):
    return sorted(
        name for name, (w, h, rects) in COLLECTION.items()
        if min(w, h) >= min_short and len(rects) >= min_objects
        and _union_coverage(w, h, rects) >= min_coverage)


def test_thresholds_parse():
    assert parse_threshold(None) is None
    assert parse_threshold(50).value == 50
    assert parse_threshold('2e6').value == 2e6
    th = parse_threshold('p12.5')
    assert th.is_percentile and th.percentile == 12.5
    assert th.resolve([0, 8]) == pytest.approx(1.0)
    assert Threshold('p50', percentile=50).resolve([]) is None
    for bad in ('abc', 'p101', 'nan', '', True):
        with pytest.raises(ValueError):
            parse_threshold(bad)


def test_rle_decoding_and_union():
    rng = np.random.default_rng(0)
    for _ in range(50):
        h, w = rng.integers(1, 40, size=2)
        m = np.asfortranarray(rng.random((h, w)) < rng.random())
        rle = mask_util.encode(m.astype(np.uint8))
        runs = decode_rle_counts(rle['counts'])
        assert runs.sum() == h * w and runs[1::2].sum() == m.sum()
    for bad in (b'hello world', b'abc', b'zz'):
        with pytest.raises(BadAnnotationError):
            decode_rle_counts(bad)


def test_sa1b_union_coverage(sa1b_root):
    w, h, rects = COLLECTION['ov.jpg']
    n, coverage = sa1b_mask_stats(sa1b_root / 'ov.json')
    assert n == 2
    assert coverage == _union_coverage(w, h, rects) == 17500 / 40000
    assert sum((y1 - y0) * (x1 - x0)
               for y0, x0, y1, x1 in rects) / (w * h) > coverage
    # identical masks (b.jpg: 9 copies) count 9 objects, coverage once
    n, coverage = sa1b_mask_stats(sa1b_root / 'b.json')
    assert (n, coverage) == (9, 100 * 150 / (160 * 120))


def test_sa1b_value_thresholds(sa1b_root, tmp_path):
    out = tmp_path / 'ann.txt'
    result = curate(sa1b_root, out, min_short_side=200, min_objects=5,
                    min_coverage=0.5, workers=1, progress=False)
    expected = _expected(200, 5, 0.5)
    assert expected and len(expected) < len(COLLECTION)
    assert result.fmt == 'sa1b'
    assert result.kept == expected
    assert out.read_text().splitlines() == expected
    for s in result.stats:
        w, h, rects = COLLECTION[s.path]
        assert (s.width, s.height, s.num_objects) == (w, h, len(rects))
        assert s.coverage == pytest.approx(_union_coverage(w, h, rects))
    assert sorted(p for ps in result.rejected.values()
                  for p in ps) == sorted(set(COLLECTION) - set(expected))
    assert set(result.rejected) <= {'short side', 'objects', 'coverage'}
    report = json.loads((tmp_path / 'ann.report.json').read_text())
    assert report['num_kept'] == len(expected)
    assert report['rejected'] == result.rejected_counts
    assert not report['foreground_is_proxy']
    for png in ('ann.resolution.png', 'ann.foreground.png'):
        with Image.open(tmp_path / png) as img:
            assert img.format == 'PNG'


def test_sa1b_percentile_thresholds(sa1b_root, tmp_path):
    counts = [len(r) for _, _, r in COLLECTION.values()]  # 7, 9, 2, 3, 8
    result = curate(sa1b_root, tmp_path / 'ann.txt', min_objects='p50',
                    workers=1, progress=False, plots=False)
    assert result.thresholds['min_objects'] == np.median(counts) == 7
    assert result.kept == _expected(min_objects=7)  # the upper half
    # sorted coverages: 0.0125, 0.4375, 0.78125, 0.78125, 0.9344...;
    # p90 lies 60% of the way from the 4th to the 5th (linear interpolation)
    covs = sorted(_union_coverage(*v) for v in COLLECTION.values())
    q = covs[3] + 0.6 * (covs[4] - covs[3])
    result = curate(sa1b_root, tmp_path / 'ann.txt', min_coverage='p90',
                    min_short_side='p0', workers=1, progress=False,
                    plots=False)
    assert result.thresholds['min_short_side'] == 120  # p0: keep all sizes
    assert result.thresholds['min_coverage'] == pytest.approx(q)
    assert result.kept == _expected(min_coverage=q) == ['sub/c.png']


def test_resume_after_interruption(sa1b_root, tmp_path, monkeypatch):
    calls = []
    real = runner_module.compute_image_stats

    def counting(rel, **kwargs):
        calls.append(rel)
        if interrupt_after is not None and len(calls) > interrupt_after:
            raise KeyboardInterrupt  # a kill mid-run
        return real(rel, **kwargs)

    monkeypatch.setattr(runner_module, 'compute_image_stats', counting)
    out = tmp_path / 'ann.txt'
    cache = tmp_path / 'ann.stats.jsonl'
    kwargs = dict(min_objects='p50', workers=1, progress=False, plots=False)

    interrupt_after = 2
    with pytest.raises(KeyboardInterrupt):
        curate(sa1b_root, out, **kwargs)
    assert not out.exists()
    assert len(cache.read_text().splitlines()) == 2  # flushed on the way out

    interrupt_after, calls[:] = None, []
    first = curate(sa1b_root, out, **kwargs)
    done = sorted(COLLECTION)[:2]
    assert sorted(calls) == sorted(set(COLLECTION) - set(done))
    assert (first.num_cached, first.num_computed) == (2, 3)

    # a kill while appending: keep 3 whole lines and half of the 4th
    lines = cache.read_text().splitlines(keepends=True)
    cache.write_text(''.join(lines[:3]) + lines[3][:len(lines[3]) // 2])
    cached = {json.loads(line)['stats']['path'] for line in lines[:3]}
    calls[:] = []
    second = curate(sa1b_root, out, **kwargs)
    assert sorted(calls) == sorted(set(COLLECTION) - cached)
    assert second.kept == first.kept
    assert out.read_text().splitlines() == first.kept
    assert [json.loads(line) for line in cache.read_text().splitlines()]

    # an edited file is recomputed, nothing else
    calls[:] = []
    os.utime(sa1b_root / 'ov.json', ns=(1, 1))
    third = curate(sa1b_root, out, **kwargs)
    assert calls == ['ov.jpg'] and third.kept == first.kept


def test_bad_files_reported_and_skipped(sa1b_root, tmp_path, shared_data):
    root = tmp_path / 'mixed'
    root.mkdir()
    for name in ('a.jpg', 'ov.jpg'):
        for suffix in ('.jpg', '.json'):
            src = (sa1b_root / name).with_suffix(suffix)
            (root / src.name).write_bytes(src.read_bytes())
    good = (sa1b_root / 'a.jpg').read_bytes()
    ann = (sa1b_root / 'a.json').read_text()
    (root / 'text.jpg').write_text('this is not an image\n')
    (root / 'text.json').write_text(ann)
    (root / 'trunc.jpg').write_bytes(good[:len(good) // 2])
    (root / 'trunc.json').write_text(ann)
    (root / 'badjson.jpg').write_bytes(good)
    (root / 'badjson.json').write_text(ann[:len(ann) // 2])
    (root / 'badrle.jpg').write_bytes(good)
    (root / 'badrle.json').write_text(ann.replace('"counts": "',
                                                  '"counts": "hello ', 1))
    (root / 'noann.jpg').write_bytes(good)

    result = curate(root, tmp_path / 'ann.txt', verify=True, workers=1,
                    progress=False, save_rejected=True)
    assert result.kept == ['a.jpg', 'ov.jpg']
    assert result.rejected == {
        'unreadable': ['text.jpg', 'trunc.jpg'],
        'missing annotation': ['noann.jpg'],
        'bad annotation': ['badjson.jpg', 'badrle.jpg'],
    }
    report = json.loads((tmp_path / 'ann.report.json').read_text())
    assert report['rejected'] == {'unreadable': 2, 'missing annotation': 1,
                                  'bad annotation': 2}
    errors = {e['path']: e['message'] for e in report['errors']}
    assert set(errors) == {'text.jpg', 'trunc.jpg', 'noann.jpg',
                           'badjson.jpg', 'badrle.jpg'}
    assert 'badrle.json' in errors['badrle.jpg']
    assert 'noann.json' in errors['noann.jpg']
    rejected_lines = (tmp_path / 'ann.rejected.txt').read_text().splitlines()
    assert 'text.jpg\tunreadable' in rejected_lines

    # header reads alone cannot see the truncation (hence ``verify``) ...
    result = curate(root, tmp_path / 'ann1.txt', workers=1, progress=False,
                    plots=False)
    assert 'trunc.jpg' in result.kept
    # ... while the proxy decodes every image anyway
    result = curate(root, tmp_path / 'ann2.txt', fmt='folder', workers=1,
                    progress=False, plots=False)
    assert result.rejected == {'unreadable': ['text.jpg', 'trunc.jpg']}


def test_proxy_on_synthetic_images():
    cfg = EdgeProxyConfig()
    flat = np.full((256, 384), 128, dtype=np.uint8)
    assert edge_cell_density(flat, cfg).shape == (16, 24)
    assert edge_cell_density(flat, cfg).max() == 0
    yy, xx = np.mgrid[:256, :384]
    checker = (((yy // 8 + xx // 8) % 2) * 255).astype(np.uint8)
    assert (edge_cell_density(checker, cfg) >= cfg.min_edge_density).all()
    with pytest.raises(ValueError):
        EdgeProxyConfig(cell=0)


def test_folder_mode_proxy_on_hr_photos(shared_data, tmp_path):
    photos = shared_data / 'images' / 'hr_photos'
    out = tmp_path / 'hr.txt'
    result = curate(photos, out, min_short_side=1100, min_coverage='p50',
                    workers=2, progress=False)
    assert result.fmt == 'folder' and result.uses_proxy
    assert 'PROXY' in result.coverage_source
    proxies = {s.path: s.proxy for s in result.stats}
    assert len(proxies) == 13 and all(0 <= p <= 1 for p in proxies.values())
    # dense grass vs. a smooth wooden plank and a water drop on a plain field
    assert proxies['GreenMeadow.jpg'] > 0.5 > max(proxies['Wood.jpg'],
                                                  proxies['Aqua.jpg'])
    q = np.percentile(list(proxies.values()), 50)
    assert result.thresholds['min_coverage'] == pytest.approx(q)
    expected = sorted(s.path for s in result.stats
                      if s.short_side >= 1100 and s.proxy >= q)
    assert result.kept == expected == out.read_text().splitlines()
    assert set(result.rejected) == {'short side', 'coverage proxy'}
    report = json.loads((tmp_path / 'hr.report.json').read_text())
    assert report['foreground_is_proxy'] is True
    assert 'PROXY' in report['foreground_measure']
    for png in ('hr.resolution.png', 'hr.foreground.png'):
        with Image.open(tmp_path / png) as img:
            assert img.format == 'PNG' and img.width > 400


def test_resolution_only_reads_headers(shared_data, tmp_path, monkeypatch):
    def no_decode(*args, **kwargs):
        raise AssertionError('pixels decoded for a resolution-only run')

    monkeypatch.setattr(image_stats_module, 'edge_coverage_proxy', no_decode)
    monkeypatch.setattr(image_stats_module, 'read_gray_reduced', no_decode)
    result = curate(shared_data / 'images' / 'hr_photos', tmp_path / 'r.txt',
                    proxy=None, min_pixels=3e6, workers=1, progress=False)
    assert all(s.pixels >= 3e6 for s in result.stats if s.path in result.kept)
    assert result.rejected_counts == {'pixels': 13 - len(result.kept)}
    assert not (tmp_path / 'r.foreground.png').exists()
    with pytest.raises(ValueError, match='proxy'):
        curate(shared_data / 'images' / 'hr_photos', tmp_path / 'r.txt',
               proxy=None, min_coverage=0.3, workers=1)


def test_cli(sa1b_root, tmp_path, capsys, load_tool):
    cli = load_tool('tools/data/curate.py')
    with pytest.raises(SystemExit):
        cli.parse_args(['--help'])
    assert 'PROXY' in capsys.readouterr().out
    out = tmp_path / 'cli.txt'
    assert cli.main([
        str(sa1b_root), '--out', str(out), '--min-objects', 'p50',
        '--workers', '1', '--no-progress', '--no-plots'
    ]) == 0
    assert out.read_text().splitlines() == _expected(min_objects=7)
    assert 'rejected, objects: 2' in capsys.readouterr().out
    assert cli.main([str(sa1b_root), '--out', str(out), '--format',
                     'folder', '--min-objects', '3']) == 2
