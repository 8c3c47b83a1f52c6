"""Unlabelled images for pretraining: a folder tree or an annotation list."""
import os
import os.path as osp
from typing import List

from mmengine.dataset import BaseDataset

from qpt.registry import DATASETS
from .image_io import IMAGE_EXTENSIONS

__all__ = ['PretrainImageDataset']


@DATASETS.register_module()
class PretrainImageDataset(BaseDataset):
    """Images without labels, for masked image modeling.

    With ``ann_file`` the list is read from a text file holding one image
    path per line, relative to ``data_root/data_prefix['img_path']`` (blank
    lines and lines starting with ``#`` are ignored) — the format that
    ``tools/data/curate.py`` writes. Without it, the folder is scanned
    recursively for files with ``extensions`` (sorted, so the order is the
    same on every machine).

    Args:
        data_root: root folder.
        ann_file: optional list file (relative to ``data_root``).
        data_prefix: ``dict(img_path='sub/folder')``.
        extensions: file extensions taken when scanning a folder.
        **kwargs: passed to ``mmengine.dataset.BaseDataset`` (``pipeline``,
            ``test_mode``, ``indices``, ...).
    """

    def __init__(self,
                 data_root: str = '',
                 ann_file: str = '',
                 data_prefix: dict = dict(img_path=''),
                 extensions=IMAGE_EXTENSIONS,
                 **kwargs) -> None:
        self.extensions = tuple(e.lower() for e in extensions)
        super().__init__(
            ann_file=ann_file,
            data_root=data_root,
            data_prefix=data_prefix,
            **kwargs)

    def _image_folder(self) -> str:
        return self.data_prefix.get('img_path', '') or self.data_root

    def _scan(self, folder: str) -> List[str]:
        if not osp.isdir(folder):
            raise FileNotFoundError(f'image folder {folder} does not exist')
        found = []
        for root, dirs, files in os.walk(folder, followlinks=True):
            dirs.sort()
            found += [
                osp.relpath(osp.join(root, f), folder) for f in sorted(files)
                if f.lower().endswith(self.extensions)
            ]
        return found

    def _read_list(self, ann_file: str) -> List[str]:
        if not osp.isfile(ann_file):
            raise FileNotFoundError(f'annotation list {ann_file} not found')
        with open(ann_file, encoding='utf-8') as f:
            lines = [line.strip() for line in f]
        return [line for line in lines if line and not line.startswith('#')]

    def load_data_list(self) -> List[dict]:
        folder = self._image_folder()
        names = self._read_list(self.ann_file) if self.ann_file else \
            self._scan(folder)
        if not names:
            source = self.ann_file or folder
            raise ValueError(f'no images found in {source}')
        return [dict(img_path=osp.join(folder, name)) for name in names]
