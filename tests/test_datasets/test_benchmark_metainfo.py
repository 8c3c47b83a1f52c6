"""Each benchmark's score facts live in its dataset class (``METAINFO``) and
reach the dataset's ``metainfo``; the scale map and the config reader."""
import numpy as np
import pytest

from qpt.datasets.quality import (BENCHMARKS, FLIVEDataset, KoNViD1kDataset,
                                  LIVEVQCDataset, LSVQDataset, QualityDataset,
                                  config_score_meta, denormalise_score,
                                  get_benchmark, normalise_score)
from qpt.registry import DATASETS

# name -> (class, score range, lower_better, label format, task)
FACTS = {
    'koniq10k': ('KonIQ10kDataset', (1.0, 5.0), False, 'auto', 'iqa'),
    'spaq': ('SPAQDataset', (0.0, 100.0), False, 'auto', 'iqa'),
    'livec': ('LIVEChallengeDataset', (0.0, 100.0), False, 'auto', 'iqa'),
    'flive': ('FLIVEDataset', (0.0, 100.0), False, 'auto', 'iqa'),
    'kadid10k': ('KADID10kDataset', (1.0, 5.0), False, 'auto', 'iqa'),
    'tid2013': ('TID2013Dataset', (0.0, 9.0), False, 'auto', 'iqa'),
    'csiq': ('CSIQDataset', (0.0, 1.0), True, 'auto', 'iqa'),
    'live': ('LIVEDataset', (-3.0, 112.0), True, 'auto', 'iqa'),
    'ava': ('AVADataset', (1.0, 10.0), False, 'ava', 'iaa'),
    'konvid1k': ('KoNViD1kDataset', (1.0, 5.0), False, 'dover', 'vqa'),
    'livevqc': ('LIVEVQCDataset', (0.0, 100.0), False, 'dover', 'vqa'),
    'lsvq': ('LSVQDataset', (0.0, 100.0), False, 'dover', 'vqa'),
}


@pytest.mark.parametrize('name', sorted(FACTS))
def test_class_metainfo(name):
    cls_name, score_range, lower_better, label_format, task = FACTS[name]
    cls = DATASETS.get(cls_name)
    assert BENCHMARKS[name] is cls and get_benchmark(name) is cls
    meta = cls.METAINFO
    assert meta['dataset_name'] == name
    assert meta['score_range'] == score_range
    assert meta['lower_better'] is lower_better
    assert meta['label_format'] == label_format
    assert meta['task'] == task
    assert meta['title']
    # every class states every fact the base class names
    assert set(meta) == set(QualityDataset.METAINFO)


def test_lookup_by_alias():
    assert get_benchmark('KonViD-1k') is KoNViD1kDataset
    assert get_benchmark('live_vqc') is LIVEVQCDataset
    assert get_benchmark('PaQ2PiQ') is FLIVEDataset
    with pytest.raises(KeyError, match='known'):
        get_benchmark('imagenet')


@pytest.fixture
def dover_file(tmp_path):
    path = tmp_path / 'labels.txt'
    path.write_text('a.mp4, 0, 0, 20.0\nb.mp4, 0, 0, 80.0\n'
                    'c.mp4, 0, 0, 50.0\n')
    return path


@pytest.mark.parametrize('cls,lo,hi', [(KoNViD1kDataset, 1., 5.),
                                       (LIVEVQCDataset, 0., 100.),
                                       (LSVQDataset, 0., 100.)])
def test_video_datasets(cls, lo, hi, dover_file):
    """The new video classes: DOVER label files, video paths and the
    scale from the class, without a word about it in the config."""
    if cls is KoNViD1kDataset:
        dover_file.write_text('a.mp4, 0, 0, 2.0\nb.mp4, 0, 0, 4.5\n')
    ds = cls(ann_file=str(dover_file))
    assert ds.metainfo['score_range'] == (lo, hi)
    assert ds.metainfo['lower_better'] is False
    assert ds.metainfo['label_format'] == 'dover'
    assert ds.metainfo['dataset_name'] == cls.METAINFO['dataset_name']
    info = ds.get_data_info(0)
    assert info['video_path'] == 'a.mp4'
    assert info['gt_score_norm'] == pytest.approx(
        (info['gt_score'] - lo) / (hi - lo))


def test_flive_dataset(tmp_path):
    csv = tmp_path / 'flive.csv'
    csv.write_text('img_name,mos,split\nx.jpg,25,train\ny.jpg,75,test\n')
    ds = FLIVEDataset(ann_file=str(csv), label_format='pyiqa', split='test')
    assert ds.metainfo['score_range'] == (0.0, 100.0)
    assert ds.metainfo['label_format'] == 'pyiqa'  # the config's argument
    assert [ds.get_data_info(0)[k] for k in ('img_path', 'gt_score_norm')
            ] == ['y.jpg', 0.75]


def test_arguments_override_the_class(dover_file):
    """score_range / lower_better arguments, then ``metainfo``, then
    METAINFO; the dataset's metainfo holds what is in use."""
    ds = LIVEVQCDataset(ann_file=str(dover_file), score_range=(0, 200),
                        lower_better=True)
    assert ds.metainfo['score_range'] == (0.0, 200.0)
    assert ds.metainfo['lower_better'] is True
    assert ds.get_data_info(0)['gt_score_norm'] == pytest.approx(0.9)
    ds = LIVEVQCDataset(ann_file=str(dover_file),
                        metainfo=dict(score_range=(10, 90)))
    assert ds.metainfo['score_range'] == (10.0, 90.0)
    # the class itself is not changed
    assert LIVEVQCDataset.METAINFO['score_range'] == (0.0, 100.0)


def test_dataset_name_argument_is_gone(dover_file):
    with pytest.raises(TypeError, match='KoNViD1kDataset'):
        QualityDataset(ann_file=str(dover_file), dataset_name='konvid1k')


def test_score_scale_round_trip():
    scores = np.array([-3.0, 20.0, 112.0])
    norm = normalise_score(scores, (-3.0, 112.0), lower_better=True)
    np.testing.assert_allclose(norm, [1.0, 1 - 23 / 115, 0.0])
    np.testing.assert_allclose(
        denormalise_score(norm, (-3.0, 112.0), lower_better=True), scores)
    assert denormalise_score(0.25, (1.0, 5.0), lower_better=False) == 2.0


def test_config_score_meta():
    """The facts a dataset config gives, without reading any file."""
    meta = config_score_meta(dict(type='CSIQDataset', ann_file='absent'))
    assert meta['score_range'] == (0.0, 1.0) and meta['lower_better']
    meta = config_score_meta(
        dict(type='QualityDataset', score_range=(1, 5)))
    assert meta['score_range'] == (1.0, 5.0) and not meta['lower_better']
    # no range known before the label file is read, or no such class
    assert config_score_meta(dict(type='QualityDataset')) is None
    assert config_score_meta(dict(type='PretrainImageDataset')) is None
    assert config_score_meta(None) is None
