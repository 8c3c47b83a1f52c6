"""Quality probe (tools/analysis/quality_probe.py, qpt/evaluation/probes/):
ridge fit, photo-grouped CV and SRCCs against an independent numpy / scipy
re-computation; the tool end to end on a tiny HiViT and 3 real photos;
strict checkpoint loading."""
import csv
import json
from pathlib import Path

import numpy as np
import pytest
import torch
from scipy.stats import spearmanr

from qpt.datasets.image_io import read_image_rgb
from qpt.evaluation.probes import (PROBE_LADDERS, build_ladders,
                                   build_probe_encoder, choose_lambda,
                                   crop_offsets, extract_features,
                                   grouped_cv_predict, photo_folds,
                                   probe_srcc, resize_short_side, ridge_fit,
                                   ridge_predict)
from qpt.models.backbones.hivit import HiViT

ROOT = Path(__file__).resolve().parents[2]
TINY_ARCH = dict(embed_dims=64, depths=[1, 1, 2], num_heads=2)
PHOTOS = ('astronaut.png', 'coffee.png', 'camera.png')


def primal_ridge(Xtr, ytr, Xte, lam):
    """Independent ridge: standardise on train, centre y, primal normal
    equations (d x d), intercept = mean(y)."""
    mu, sd = Xtr.mean(0), Xtr.std(0)
    sd[sd == 0] = 1.
    A = (Xtr - mu) / sd
    w = np.linalg.solve(A.T @ A + lam * np.eye(A.shape[1]),
                        A.T @ (ytr - ytr.mean()))
    return ((Xte - mu) / sd) @ w + ytr.mean()


def toy_problem(n_photos=4, rungs=6, dim=10, seed=0):
    rng = np.random.default_rng(seed)
    y = np.tile(np.arange(1., rungs + 1), n_photos)
    groups = np.repeat([f'p{i}' for i in range(n_photos)], rungs)
    offsets = rng.normal(0, 2, (n_photos, dim))
    X = (np.outer(y, rng.normal(size=dim)) + np.repeat(offsets, rungs, 0) +
         rng.normal(0, 0.5, (len(y), dim)))
    X[:, 3] = 7.  # a constant feature (std 0)
    return X, y, groups


@pytest.mark.parametrize('dim', [5, 40])  # fewer and more features than rows
def test_ridge_fit_matches_primal_solution(dim):
    X, y, _ = toy_problem(dim=dim)
    Xte = np.random.default_rng(1).normal(size=(7, dim))
    for lam in (0.3, 10., 1e4):
        got = ridge_predict(ridge_fit(X, y, lam), Xte)
        np.testing.assert_allclose(got, primal_ridge(X, y, Xte, lam),
                                   rtol=1e-8, atol=1e-8)


def test_grouped_cv_holds_out_whole_photos():
    X, y, groups = toy_problem(n_photos=5)
    folds = photo_folds(groups)
    assert len(folds) == 5
    for test in folds:
        assert len(set(groups[test])) == 1
        assert not set(groups[test]) & set(groups[~test])
    k = photo_folds(groups, num_folds=2)
    assert sum(m.sum() for m in k) == len(y)
    for test in k:
        assert not set(groups[test]) & set(groups[~test])
    # fixed strength: out-of-fold predictions equal a primal loop
    pred, chosen = grouped_cv_predict(X, y, groups, lambdas=(5., ))
    assert chosen == [5.] * 5
    ref = np.empty_like(y)
    for p in sorted(set(groups)):
        m = groups == p
        ref[m] = primal_ridge(X[~m], y[~m], X[m], 5.)
    np.testing.assert_allclose(pred, ref, rtol=1e-8, atol=1e-8)


def test_inner_cv_picks_least_error_strength():
    X, y, groups = toy_problem(n_photos=4, dim=30)
    lambdas = (0.1, 10., 1000.)
    errs = {}
    for lam in lambdas:
        errs[lam] = sum(((primal_ridge(X[groups != p], y[groups != p],
                                       X[groups == p], lam) -
                          y[groups == p])**2).sum() for p in set(groups))
    assert choose_lambda(X, y, groups, lambdas) == min(errs, key=errs.get)


def test_probe_srcc_against_scipy():
    rng = np.random.default_rng(5)
    y = np.tile(np.arange(1., 7.), 3)
    groups = np.repeat(['a', 'b', 'c'], 6)
    pred = y * np.repeat([1., 0.2, -0.5], 6) + rng.normal(0, 1, 18)
    got = probe_srcc(y, pred, groups)
    per = [spearmanr(y[groups == g], pred[groups == g])[0] for g in 'abc']
    assert len(set(np.round(per, 6))) == 3  # median differs from mean
    assert got['per_photo'] == pytest.approx(dict(zip('abc', per)))
    assert got['median'] == pytest.approx(np.median(per))
    assert got['pooled'] == pytest.approx(spearmanr(y, pred)[0])
    pred[groups == 'b'] = 3.  # a constant prediction ranks nothing
    assert probe_srcc(y, pred, groups)['per_photo']['b'] == 0.


def test_crop_offsets():
    assert crop_offsets(64, 100, 48, 3) == [(8, 0), (8, 26), (8, 52)]
    assert crop_offsets(100, 64, 48, 1) == [(26, 8)]
    with pytest.raises(ValueError, match='smaller than'):
        crop_offsets(40, 100, 48, 2)


def test_ladders_are_monotone_and_reproducible():
    rng = np.random.default_rng(0)
    img = (rng.random((64, 80, 3)) * 255).astype(np.uint8)
    rungs = build_ladders([('a', img)], ['blur', 'noise', 'saturation'])
    again = build_ladders([('a', img)], ['blur', 'noise', 'saturation'])
    assert [r.severity for r in rungs[:6]] == [1, 2, 3, 4, 5, 6]
    assert all(np.array_equal(r.image, s.image)
               for r, s in zip(rungs, again))
    # stronger blur removes more detail; stronger noise adds more error
    grad = [np.abs(np.diff(r.image.astype(float), axis=1)).mean()
            for r in rungs[:6]]
    assert all(a > b for a, b in zip(grad, grad[1:]))
    err = [np.abs(r.image.astype(float) - img).mean() for r in rungs[6:12]]
    assert all(a < b for a, b in zip(err, err[1:]))
    with pytest.raises(ValueError, match='unique'):
        build_ladders([('a', img), ('a', img)], ['blur'])


def test_extract_features_against_manual_pooling():
    torch.manual_seed(0)
    enc = HiViT(arch=TINY_ARCH, img_size=224, out_indices=(0, 1, 2)).eval()
    rng = np.random.default_rng(0)
    images = [(rng.random((48, 80, 3)) * 255).astype(np.uint8)
              for _ in range(3)]
    got = extract_features(enc, images, crop_size=32, num_crops=2,
                           batch_size=4)
    mean = np.array([123.675, 116.28, 103.53])
    std = np.array([58.395, 57.12, 57.375])
    for i, img in enumerate(images):
        per_crop = []
        for top, left in ((8, 0), (8, 48)):
            crop = (img[top:top + 32, left:left + 32] - mean) / std
            x = torch.from_numpy(crop).float().permute(2, 0, 1)[None]
            with torch.no_grad():
                maps = enc(x)
            v = []
            for m in maps:
                a = m[0].reshape(m.shape[1], -1).double().numpy()
                v += [a.mean(1), a.std(1)]
            per_crop.append(np.concatenate(v))
        np.testing.assert_allclose(got[i], np.mean(per_crop, 0), rtol=1e-4,
                                   atol=1e-5)
    assert got.shape == (3, 2 * (16 + 32 + 64))


def test_checkpoint_loading_is_strict(tmp_path):
    torch.manual_seed(3)
    src = HiViT(arch=TINY_ARCH, img_size=224, out_indices=(0, 1, 2))
    state = {f'backbone.{k}': v for k, v in src.state_dict().items()}
    state['neck.proj.weight'] = torch.zeros(2)  # other parts are ignored
    path = tmp_path / 'pre.pth'
    torch.save(dict(state_dict=state, meta={}), path)
    enc = build_probe_encoder(str(path), TINY_ARCH, seed=99)
    for k, v in src.state_dict().items():
        assert torch.equal(enc.state_dict()[k], v), k
    assert not any(p.requires_grad for p in enc.parameters())
    del state['backbone.norm.weight']
    torch.save(dict(state_dict=state), path)
    with pytest.raises(KeyError, match='pre.pth.*missing.*norm.weight'):
        build_probe_encoder(str(path), TINY_ARCH)
    torch.save(dict(state_dict={'neck.a': torch.zeros(1)}), path)
    with pytest.raises(KeyError, match='no "backbone.\\*" keys'):
        build_probe_encoder(str(path), TINY_ARCH)


def test_random_init_is_seeded():
    a = build_probe_encoder(None, TINY_ARCH, seed=1).state_dict()
    b = build_probe_encoder(None, TINY_ARCH, seed=1).state_dict()
    c = build_probe_encoder(None, TINY_ARCH, seed=2).state_dict()
    assert all(torch.equal(a[k], b[k]) for k in a)
    assert not all(torch.equal(a[k], c[k]) for k in a)


def test_probe_tool_end_to_end(shared_data, tmp_path, load_tool):
    """The tool on a tiny random HiViT and 3 real photos, checked against
    features, ridge fits and SRCCs recomputed here."""
    folder = tmp_path / 'photos'
    folder.mkdir()
    for name in PHOTOS:
        (folder / name).symlink_to(shared_data / 'images' / 'skimage' / name)
    out = tmp_path / 'probe'
    tool = load_tool('tools/analysis/quality_probe.py')
    assert tool.main([
        str(folder), '--random-init', '--seed', '4', '--arch',
        json.dumps(TINY_ARCH), '--out-dir', str(out), '--size', '64',
        '--crop-size', '48', '--num-crops', '2', '--types', 'blur,contrast',
        '--lambdas', '1,100'
    ]) == 0
    report = json.loads((out / 'probe.json').read_text())
    assert report['settings']['photos'] == ['astronaut', 'camera', 'coffee']

    # independent re-computation
    photos = [(Path(n).stem,
               resize_short_side(read_image_rgb(str(folder / n)), 64))
              for n in sorted(PHOTOS)]
    enc = build_probe_encoder(None, TINY_ARCH, seed=4)
    rows = {r['type']: r for r in csv.DictReader(
        (out / 'probe.csv').open())}
    for dist_type in ('blur', 'contrast'):
        res = report['results'][dist_type]
        rungs = build_ladders(photos, [dist_type])
        X = extract_features(enc, [r.image for r in rungs], 48, 2)
        y = np.array([r.severity for r in rungs], float)
        groups = np.array([r.photo for r in rungs])
        assert res['photo'] == groups.tolist()
        assert res['severity'] == y.tolist()
        pred = np.empty_like(y)
        for lam, p in zip(res['lambdas'], sorted(set(groups))):
            m = groups == p
            assert lam == choose_lambda(X[~m], y[~m], groups[~m],
                                        (1., 100.))
            pred[m] = primal_ridge(X[~m], y[~m], X[m], lam)
        np.testing.assert_allclose(res['pred'], pred, rtol=1e-5, atol=1e-5)
        per_photo = [spearmanr(y[groups == p], pred[groups == p])[0]
                     for p in sorted(set(groups))]
        pooled = spearmanr(y, pred)[0]
        assert res['median'] == pytest.approx(np.median(per_photo),
                                              abs=1e-9)
        assert res['pooled'] == pytest.approx(pooled, abs=1e-9)
        assert float(rows[dist_type]['srcc_pooled']) == pytest.approx(
            pooled, abs=1e-4)
        assert rows[dist_type]['group'] == PROBE_LADDERS[dist_type].group
    md = (out / 'probe.md').read_text()
    assert '| technical | blur |' in md and '| aesthetic | contrast |' in md


def test_probe_tool_rejects_bad_input(tmp_path, load_tool):
    tool = load_tool('tools/analysis/quality_probe.py')
    with pytest.raises(FileNotFoundError, match='nowhere'):
        tool.main([str(tmp_path / 'nowhere'), '--random-init', '--out-dir',
                   str(tmp_path / 'o')])
    with pytest.raises(SystemExit, match='unknown ladder types'):
        tool.main([str(tmp_path), '--random-init', '--out-dir',
                   str(tmp_path / 'o'), '--types', 'blur,sharpness'])
