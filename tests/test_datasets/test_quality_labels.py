"""Label readers, dataset facts, splits and QualityDataset on real tables."""
import json
import os.path as osp
from collections import defaultdict

import numpy as np
import pytest

from qpt.datasets.quality import (AVADataset, CSIQDataset, KonIQ10kDataset,
                                  LIVEChallengeDataset, QualityDataset,
                                  check_split, detect_label_format,
                                  get_benchmark,
                                  load_label_file, load_split, load_splits,
                                  make_official_split, make_random_split,
                                  make_random_splits, reference_from_filename,
                                  save_splits)
from qpt.registry import DATASETS

# file, dataset, rows, lower_better, number of references (None: authentic)
TABLES = [
    ('KonIQ-10k.txt', 'koniq10k', 10073, False, None),
    ('KADID-10k.txt', 'kadid10k', 10125, False, 81),
    ('TID2013.txt', 'tid2013', 3000, False, 25),
    ('CSIQ.txt', 'csiq', 866, True, 30),
    ('LIVE.txt', 'live', 779, True, 29),
    ('LIVE_Challenge.txt', 'livec', 1161, False, None),
    ('SPAQ.txt', 'spaq', 11125, False, None),
]
SYNTHETIC = [t for t in TABLES if t[4]]


@pytest.fixture(scope='module')
def labels(shared_data):
    return shared_data / 'labels'


@pytest.fixture(scope='module')
def records(labels):
    """Records of every shared table, read once."""
    return {
        name: load_label_file(str(labels / f), dataset=name)
        for f, name, *_ in TABLES
    }


# ---------------------------------------------------------------------------
# Published tables
# ---------------------------------------------------------------------------
@pytest.mark.parametrize('table', TABLES, ids=[t[1] for t in TABLES])
def test_shared_tables(table, labels, records):
    fname, name, rows, lower_better, num_refs = table
    recs = records[name]
    assert detect_label_format(str(labels / fname)) == 'table'
    assert len(recs) == rows
    meta = get_benchmark(name).METAINFO
    assert meta['num_rows'] == rows
    assert meta['lower_better'] is lower_better
    assert meta['synthetic'] is bool(num_refs)
    lo, hi = meta['score_range']
    scores = np.array([r['mos'] for r in recs])
    assert lo <= scores.min() and scores.max() <= hi
    assert len({r['filename'] for r in recs}) == rows
    refs = {r['ref'] for r in recs}
    if num_refs:
        assert len(refs) == num_refs and None not in refs
        assert meta['num_refs'] == num_refs
    else:
        assert refs == {None}


def test_direction_of_dmos_sets():
    def meta(name):
        return get_benchmark(name).METAINFO

    assert meta('csiq')['lower_better'] and meta('LIVE')['lower_better']
    for name in ('koniq', 'kadid', 'tid2013', 'clive', 'spaq', 'ava'):
        assert not meta(name)['lower_better']
    assert meta('koniq')['official_split'] == dict(
        train=7058, val=1000, test=2015)


def test_reference_from_filename_matches_ref_column(records):
    for name in ('kadid10k', 'tid2013', 'csiq'):
        for rec in records[name]:
            derived = reference_from_filename(rec['filename'], name)
            assert derived is not None
            assert derived.lower() == osp.basename(rec['ref']).lower()
    assert reference_from_filename('I01_01_1.BMP', 'tid2013') == 'i01.bmp'
    assert reference_from_filename('img3.bmp', 'live') is None


# ---------------------------------------------------------------------------
# Other formats, written here
# ---------------------------------------------------------------------------
def test_pyiqa_csv(tmp_path):
    path = tmp_path / 'meta_info_X.csv'
    path.write_text('img_name,mos,std,official_split,split_1\n'
                    'a.jpg,3.5,0.4,train,test\n'
                    'b.jpg,2.0,0.5,val,train\n'
                    'c.jpg,4.25,0.3,test,\n')
    assert detect_label_format(str(path)) == 'pyiqa'
    recs = load_label_file(str(path))
    assert [r['filename'] for r in recs] == ['a.jpg', 'b.jpg', 'c.jpg']
    assert [r['mos'] for r in recs] == [3.5, 2.0, 4.25]
    assert [r['split'] for r in recs] == ['train', 'val', 'test']
    assert recs[0]['std'] == 0.4
    assert recs[2]['splits'] == dict(official_split='test', split_1=None)
    other = load_label_file(str(path), 'pyiqa', split_column='split_1')
    assert [r['split'] for r in other] == ['test', 'train', None]


def test_koniq_official(tmp_path):
    koniq = tmp_path / 'koniq10k_distributions_sets.csv'
    koniq.write_text(
        '"image_name","c1","c2","c3","c4","c5","c_total","MOS","SD",'
        '"MOS_zscore","set"\n'
        '"1.jpg",0,1,2,3,4,10,4.0,0.9,70.1,"training"\n'
        '"2.jpg",1,1,1,1,1,5,3.0,1.4,50.0,"validation"\n'
        '"3.jpg",5,0,0,0,0,5,1.0,0.0,10.0,"test"\n')
    assert detect_label_format(str(koniq)) == 'koniq_official'
    recs = load_label_file(str(koniq))
    assert [(r['filename'], r['mos'], r['split']) for r in recs] == [
        ('1.jpg', 4.0, 'train'), ('2.jpg', 3.0, 'val'), ('3.jpg', 1.0, 'test')
    ]


def test_generic_csv_columns(tmp_path):
    path = tmp_path / 'scores.csv'
    path.write_text('name,score,content,part\nx/1.png,10,r1,train\n'
                    'x/2.png,20,r2,test\n')
    recs = load_label_file(
        str(path),
        'csv',
        columns=dict(filename='name', mos='score', ref='content',
                     split='part'))
    assert recs == [
        dict(filename='x/1.png', mos=10.0, ref='r1', split='train'),
        dict(filename='x/2.png', mos=20.0, ref='r2', split='test')
    ]
    with pytest.raises(ValueError, match='not in the header'):
        load_label_file(str(path), 'csv', columns=dict(filename='f', mos='m'))


def test_dover_txt(tmp_path):
    path = tmp_path / 'LSVQ_test.txt'
    path.write_text('yfcc-batch1/2.mp4, 0, 0, 54.67\n\n'
                    'ia-batch3/x_y.mp4,12,7,31.2\n')
    assert detect_label_format(str(path)) == 'dover'
    recs = load_label_file(str(path))
    assert [(r['filename'], r['mos']) for r in recs] == [
        ('yfcc-batch1/2.mp4', 54.67), ('ia-batch3/x_y.mp4', 31.2)
    ]


def test_ava_txt(tmp_path):
    rng = np.random.default_rng(0)
    counts = rng.integers(0, 40, size=(5, 10))
    counts[3] = 0  # an image without votes is skipped
    lines = [
        ' '.join(map(str, [i + 1, 1000 + i, *c, 15, 0, 1396]))
        for i, c in enumerate(counts)
    ]
    path = tmp_path / 'AVA.txt'
    path.write_text('\n'.join(lines) + '\n')
    test_list = tmp_path / 'test.jpgl'
    test_list.write_text('1001\n1004\n')
    assert detect_label_format(str(path)) == 'ava'
    with pytest.warns(UserWarning, match='without votes'):
        recs = load_label_file(str(path), 'ava', test_list=str(test_list))
    keep = [0, 1, 2, 4]
    assert [r['filename'] for r in recs] == [f'{1000 + i}.jpg' for i in keep]
    expected = (counts[keep] * np.arange(1, 11)).sum(1) / counts[keep].sum(1)
    np.testing.assert_allclose([r['mos'] for r in recs], expected, rtol=1e-12)
    hist = np.array([r['hist'] for r in recs])
    np.testing.assert_allclose(hist.sum(1), 1.0)
    np.testing.assert_allclose(
        hist, counts[keep] / counts[keep].sum(1, keepdims=True))
    assert [r['split'] for r in recs] == ['train', 'test', 'train', 'test']

    with pytest.warns(UserWarning, match='without votes'):
        ds = AVADataset(
            ann_file='AVA.txt',
            data_root=str(tmp_path),
            data_prefix=dict(img_path='images'),
            test_list='test.jpgl',
            split='test')
    assert len(ds) == 2
    info = ds.get_data_info(0)
    assert info['img_path'] == osp.join(str(tmp_path), 'images', '1001.jpg')
    assert info['gt_score'] == pytest.approx(expected[1])
    assert info['gt_score_norm'] == pytest.approx((expected[1] - 1) / 9)
    np.testing.assert_allclose(info['gt_hist'], hist[1])


def test_unknown_format(tmp_path):
    path = tmp_path / 'x.txt'
    path.write_text('hello world\n')
    with pytest.raises(ValueError, match='label format'):
        load_label_file(str(path))
    with pytest.raises(ValueError, match='unknown label_format'):
        load_label_file(str(path), 'xml')
    with pytest.raises(FileNotFoundError):
        load_label_file(str(tmp_path / 'missing.csv'))


# ---------------------------------------------------------------------------
# Splits
# ---------------------------------------------------------------------------
def _sides(split):
    return {f: k for k in ('train', 'val', 'test') for f in split[k]}


@pytest.mark.parametrize('table', SYNTHETIC, ids=[t[1] for t in SYNTHETIC])
def test_random_splits_by_reference(table, records):
    recs = records[table[1]]
    splits = make_random_splits(recs, num_splits=10, seed=0)
    assert [s['seed'] for s in splits] == list(range(10))
    n = len(recs)
    tests = set()
    for s in splits:
        check_split(s, recs, by_reference=True)  # disjoint, covering
        assert sum(len(s[k]) for k in ('train', 'val', 'test')) == n
        side_of = _sides(s)
        ref_sides = defaultdict(set)
        for r in recs:
            ref_sides[r['ref']].add(side_of[r['filename']])
        assert all(len(v) == 1 for v in ref_sides.values())
        # 80/20 by reference: images close to 20 % test.
        assert abs(len(s['test']) / n - 0.2) < 0.04
        assert 0.05 < len(s['val']) / (n - len(s['test'])) < 0.16
        assert s['val'] and s['train']
        tests.add(tuple(s['test']))
    assert len(tests) == 10  # different seeds, different splits
    again = make_random_split(recs[::-1], seed=3)  # row order is irrelevant
    assert again == splits[3]


def test_random_splits_authentic(records):
    recs = records['livec']
    a = make_random_split(recs, seed=5)
    assert a == make_random_split(recs, seed=5)
    assert a != make_random_split(recs, seed=6)
    check_split(a, recs)
    assert len(a['test']) == round(0.2 * len(recs))
    assert len(a['val']) == round(0.1 * (len(recs) - len(a['test'])))


def test_check_split_detects_problems(records):
    recs = records['csiq']
    s = make_random_split(recs, seed=0)
    bad = dict(s, val=s['val'] + s['test'][:1])
    with pytest.raises(ValueError, match='both'):
        check_split(bad)
    with pytest.raises(ValueError, match='cover'):
        check_split(dict(s, train=s['train'][1:]), recs)
    mixed = dict(s, train=s['train'][1:], test=s['test'] + s['train'][:1])
    with pytest.raises(ValueError, match='reference'):
        check_split(mixed, recs, by_reference=True)


def test_official_split_and_split_files(tmp_path):
    recs = [dict(filename=f'{i}.jpg', ref=None,
                 split='test' if i % 5 == 0 else 'train') for i in range(50)]
    s = make_official_split(recs, val_ratio=0.1, seed=0)
    check_split(s, recs)
    assert len(s['test']) == 10 and len(s['val']) == 4
    assert make_official_split(recs, val_ratio=0.1, seed=0) == s
    path = tmp_path / 'x_splits.json'
    save_splits(str(path), [s, s], dataset='x', protocol='official')
    content = json.loads(path.read_text())
    assert content['dataset'] == 'x' and len(content['splits']) == 2
    assert load_split(str(path), 1) == s
    single = tmp_path / 'single.json'
    single.write_text(json.dumps(s))
    assert load_splits(str(single)) == [s]
    with pytest.raises(IndexError):
        load_split(str(path), 2)


# ---------------------------------------------------------------------------
# QualityDataset
# ---------------------------------------------------------------------------
def test_dataset_on_csiq_normalises_dmos(labels, tmp_path):
    ds = CSIQDataset(
        ann_file='CSIQ.txt',
        data_root=str(labels),
        data_prefix=dict(img_path='imgs'))
    assert len(ds) == 866
    assert ds.metainfo['lower_better'] is True
    assert ds.metainfo['score_range'] == (0.0, 1.0)
    infos = [ds.get_data_info(i) for i in range(len(ds))]
    gt = np.array([i['gt_score'] for i in infos])
    norm = np.array([i['gt_score_norm'] for i in infos])
    np.testing.assert_allclose(norm, 1.0 - gt)  # range (0, 1), flipped
    assert norm[np.argmax(gt)] == norm.min()  # highest DMOS = worst
    first = infos[0]
    assert first['img_path'] == osp.join(str(labels), 'imgs',
                                         first['filename'])
    assert first['ref'] == 'CSIQ/src_imgs/1600.png'

    # Split filtering through a split file.
    recs = load_label_file(str(labels / 'CSIQ.txt'), dataset='csiq')
    splits = make_random_splits(recs, num_splits=2, seed=0)
    split_file = tmp_path / 'csiq.json'
    save_splits(str(split_file), splits, dataset='csiq')
    parts = {}
    for part in ('train', 'val', 'test'):
        d = DATASETS.build(
            dict(
                type='CSIQDataset',
                ann_file=str(labels / 'CSIQ.txt'),
                split=part,
                split_file=str(split_file),
                split_index=1))
        parts[part] = {d.get_data_info(i)['filename'] for i in range(len(d))}
        assert parts[part] == set(splits[1][part])
    assert sum(map(len, parts.values())) == 866


def test_dataset_options(labels, tmp_path):
    ds = KonIQ10kDataset(
        ann_file=str(labels / 'KonIQ-10k.txt'),
        data_root='/data/koniq',
        data_prefix=dict(img_path='512x384'),
        strip_dirs=2,
        drop_rows=[0, 1])
    assert len(ds) == 10071
    info = ds.get_data_info(0)
    assert info['img_path'] == osp.join('/data/koniq', '512x384',
                                        '10007903636.jpg')
    assert info['filename'] == 'KonIQ-10k/1024x768/10007903636.jpg'
    assert info['gt_score_norm'] == pytest.approx((3.78125 - 1) / 4)
    with pytest.raises(ValueError, match='no split'):
        CSIQDataset(ann_file=str(labels / 'CSIQ.txt'), split='train')
    with pytest.raises(ValueError, match='split must be'):
        CSIQDataset(ann_file=str(labels / 'CSIQ.txt'), split='training')

    # Videos, a DOVER label file, no spec: inferred range, video_path key.
    txt = tmp_path / 'labels.txt'
    txt.write_text('a.mp4, 0, 0, 2.0\nb.mp4, 0, 0, 4.0\nc.mp4, 0, 0, 3.0\n')
    vds = QualityDataset(
        ann_file=str(txt), data_prefix=dict(video_path='videos'))
    assert vds.metainfo['score_range'] == (2.0, 4.0)
    assert [vds.get_data_info(i)['gt_score_norm'] for i in range(3)] == [
        0.0, 1.0, 0.5
    ]
    assert vds.get_data_info(0)['video_path'] == osp.join('videos', 'a.mp4')


def test_livec_drops_training_images(tmp_path):
    table = tmp_path / 'livec.csv'
    rows = [f'Images/trainingImages/t{i}.bmp,Authentic,{10 * i}'
            for i in range(1, 8)]
    rows += [f'Images/{i}.bmp,Authentic,{i}' for i in range(3, 13)]
    table.write_text('dis_img_path,dis_type,score\n' + '\n'.join(rows))
    ds = LIVEChallengeDataset(ann_file=str(table))
    names = [ds.get_data_info(i)['filename'] for i in range(len(ds))]
    assert names == [f'Images/{i}.bmp' for i in range(3, 13)]
    # Positional drop, pyiqa's way, gives the same here.
    ds2 = QualityDataset(
        ann_file=str(table), score_range=(0, 100), drop_rows=range(7))
    assert len(ds2) == 10


def test_livec_shared_table_keeps_all_rows(labels):
    ds = LIVEChallengeDataset(ann_file=str(labels / 'LIVE_Challenge.txt'))
    assert len(ds) == 1161
    assert ds.metainfo['score_range'] == (0.0, 100.0)


def test_make_splits_tool(labels, tmp_path, capsys, load_tool):
    tool = load_tool('tools/data/make_splits.py')
    argv = [
        str(labels / 'TID2013.txt'), '--dataset', 'tid2013', '--out',
        str(tmp_path), '--num-splits', '3', '--seed', '7'
    ]
    assert tool.main(argv) == 0
    out = capsys.readouterr().out
    assert 'by reference' in out and 'wrote' in out
    path = tmp_path / 'tid2013_random3_seed7.json'
    splits = load_splits(str(path))
    assert [s['seed'] for s in splits] == [7, 8, 9]
    recs = load_label_file(str(labels / 'TID2013.txt'), dataset='tid2013')
    assert splits[0] == make_random_split(recs, seed=7)
    for s in splits:
        check_split(s, recs, by_reference=True)


def test_make_splits_without_validation(labels, tmp_path, capsys,
                                        load_tool):
    """--val-ratio 0 (train, then test once): empty val parts, the same
    test parts, and the file and the output name the protocol."""
    import json
    tool = load_tool('tools/data/make_splits.py')
    args = [str(labels / 'TID2013.txt'), '--dataset', 'tid2013',
            '--num-splits', '2', '--seed', '7']
    assert tool.main(args + ['--out', str(tmp_path / 'a'),
                             '--val-ratio', '0']) == 0
    out = capsys.readouterr().out
    assert 'no selection: last checkpoint tested' in out
    path = tmp_path / 'a' / 'tid2013_random2_seed7.json'
    content = json.loads(path.read_text())
    assert content['val_ratio'] == 0
    assert content['checkpoint_selection'] == (
        'no selection: last checkpoint tested')
    recs = load_label_file(str(labels / 'TID2013.txt'), dataset='tid2013')
    for i, s in enumerate(load_splits(str(path))):
        assert s['val'] == []
        check_split(s, recs, by_reference=True)
        assert s == make_random_split(recs, seed=7 + i, val_ratio=0.0)
    assert tool.main(args + ['--out', str(tmp_path / 'b')]) == 0
    assert 'validation-selected best checkpoint' in capsys.readouterr().out
    with_val = load_splits(str(tmp_path / 'b' / 'tid2013_random2_seed7.json'))
    assert all(s['val'] for s in with_val)
    for a, b in zip(load_splits(str(path)), with_val):
        assert a['test'] == b['test']


def test_live_dmos_is_flipped_into_unit_range(labels):
    ds = DATASETS.build(
        dict(type='LIVEDataset', ann_file=str(labels / 'LIVE.txt')))
    infos = [ds.get_data_info(i) for i in range(len(ds))]
    gt = np.array([i['gt_score'] for i in infos])
    norm = np.array([i['gt_score_norm'] for i in infos])
    assert len(ds) == 779 and ds.metainfo['lower_better'] is True
    assert gt.min() < 0 and gt.max() > 100  # realigned DMOS
    assert 0.0 < norm.min() and norm.max() < 1.0  # range covers all
    np.testing.assert_allclose(norm, 1.0 - (gt + 3.0) / 115.0)
