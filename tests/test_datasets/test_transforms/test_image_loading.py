"""Every photo a user has loads as RGB, or fails with its file name."""
import io
import logging

import numpy as np
import pytest
from mmengine.logging import MMLogger
from PIL import Image

from qpt.datasets import LoadImageRGB, PretrainImageDataset
from qpt.datasets.image_io import (ImageLoadError, read_image_rgb,
                                   read_image_size)


@pytest.fixture(scope='module')
def photo(shared_data):
    """A real 500x500 photo (RGB uint8)."""
    return np.asarray(
        Image.open(shared_data / 'images' / 'misc' /
                   'u76c0g_bliznaca_srgb8.png').convert('RGB'))


def test_formats_load_as_rgb(tmp_path, photo):
    gray = photo.mean(-1).round().astype(np.uint8)
    Image.fromarray(gray).save(tmp_path / 'gray.png')
    np.testing.assert_array_equal(
        read_image_rgb(tmp_path / 'gray.png'), np.repeat(gray[..., None], 3,
                                                         -1))

    rgba = np.dstack([photo, np.full(photo.shape[:2], 7, np.uint8)])
    Image.fromarray(rgba, 'RGBA').save(tmp_path / 'rgba.png')
    np.testing.assert_array_equal(read_image_rgb(tmp_path / 'rgba.png'),
                                  photo)

    gray16 = gray.astype(np.uint16) * 257
    Image.fromarray(gray16).save(tmp_path / 'gray16.png')
    np.testing.assert_array_equal(
        read_image_rgb(tmp_path / 'gray16.png')[..., 0], gray)

    Image.fromarray(photo).convert('CMYK').save(tmp_path / 'cmyk.jpg',
                                                quality=95)
    cmyk = read_image_rgb(tmp_path / 'cmyk.jpg')
    assert cmyk.shape == photo.shape
    assert np.abs(cmyk.astype(float) - photo).mean() < 6


def test_exif_orientation_is_applied(tmp_path, photo):
    crop = photo[:100, :200]  # landscape pixels
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90 CW to view"
    Image.fromarray(crop).save(tmp_path / 'rot.jpg', exif=exif, quality=95)
    img = read_image_rgb(tmp_path / 'rot.jpg')
    assert img.shape == (200, 100, 3)
    assert read_image_size(tmp_path / 'rot.jpg') == (200, 100)
    upright = np.rot90(crop, k=-1)  # 90 degrees clockwise
    assert np.abs(img.astype(float) - upright).mean() < 4


@pytest.mark.parametrize('name,content,message', [
    ('empty.jpg', b'', 'empty'),
    ('text.jpg', b'this is not an image\n', 'not an image'),
    ('missing.jpg', None, 'no such'),
])
def test_bad_files_name_the_file(tmp_path, name, content, message):
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(ImageLoadError, match=message) as err:
        read_image_rgb(path)
    assert str(path) in str(err.value)


def test_truncated_jpeg_names_the_file(tmp_path, photo):
    buf = io.BytesIO()
    Image.fromarray(photo).save(buf, 'JPEG', quality=90)
    path = tmp_path / 'cut.jpg'
    path.write_bytes(buf.getvalue()[:len(buf.getvalue()) // 2])
    with pytest.raises(ImageLoadError, match='cut.jpg'):
        read_image_rgb(path)


def test_load_transform_skips_or_fails_by_option(tmp_path, photo):
    Image.fromarray(photo[:100, :100]).save(tmp_path / 'small.png')
    (tmp_path / 'bad.png').write_bytes(b'garbage')
    small = dict(img_path=str(tmp_path / 'small.png'))
    with pytest.raises(ImageLoadError, match='smaller than'):
        LoadImageRGB(min_size=224, on_small='error')(dict(small))
    skip = LoadImageRGB(min_size=224, on_small='skip', on_error='skip')
    assert skip(dict(small)) is None
    assert skip(dict(img_path=str(tmp_path / 'bad.png'))) is None
    assert skip.num_skipped == 2
    with pytest.raises(ImageLoadError, match='bad.png'):
        LoadImageRGB()(dict(img_path=str(tmp_path / 'bad.png')))
    out = LoadImageRGB(min_size=64)(dict(small))
    assert out['img'].shape == (100, 100, 3) and out['ori_shape'] == (100,
                                                                      100)


def test_dataset_skips_small_images_in_training(tmp_path, photo):
    for i in range(3):
        Image.fromarray(photo).save(tmp_path / f'big{i}.png')
    Image.fromarray(photo[:50, :50]).save(tmp_path / 'tiny.png')
    (tmp_path / 'list.txt').write_text('# curated\nbig0.png\ntiny.png\n\n')
    pipeline = [dict(type='LoadImageRGB', min_size=224, on_small='skip')]
    listed = PretrainImageDataset(
        data_root=str(tmp_path), ann_file='list.txt', pipeline=pipeline)
    assert len(listed) == 2
    scanned = PretrainImageDataset(data_root=str(tmp_path), pipeline=pipeline)
    assert [osp_name(scanned.get_data_info(i)['img_path'])
            for i in range(len(scanned))] == [
        'big0.png', 'big1.png', 'big2.png', 'tiny.png']
    # the small image is skipped: another image comes back instead
    assert scanned[3]['img'].shape == (500, 500, 3)


def osp_name(path: str) -> str:
    return path.replace('\\', '/').split('/')[-1]


def test_empty_folder_is_an_error(tmp_path):
    with pytest.raises(ValueError, match='no images'):
        PretrainImageDataset(data_root=str(tmp_path), pipeline=[])


def test_loader_records_rgb_channel_order(tmp_path, photo):
    """The colour degradations read it (qpt...degradations.base)."""
    Image.fromarray(photo).save(tmp_path / 'p.png')
    out = LoadImageRGB()(dict(img_path=str(tmp_path / 'p.png')))
    assert out['channel_order'] == 'rgb'
    np.testing.assert_array_equal(out['img'], photo)
