"""Expand the PATH arguments of ``qpt score`` into a list of files."""
import glob
import os
import os.path as osp
from typing import Iterable, List, Optional, Sequence, Tuple

from qpt.datasets.image_io import IMAGE_EXTENSIONS
from qpt.datasets.video_io import VIDEO_EXTENSIONS

__all__ = ['MEDIA_EXTENSIONS', 'collect_inputs']

#: Suffixes (lower case) of the files taken from folders.
MEDIA_EXTENSIONS = frozenset(IMAGE_EXTENSIONS + VIDEO_EXTENSIONS)

#: An input: (path, error) with ``error`` None for a file to score.
Input = Tuple[str, Optional[str]]


def _is_glob(path: str) -> bool:
    return any(c in path for c in '*?[')


def _folder_files(folder: str, recursive: bool) -> List[str]:
    """Image and video files of a folder (hidden names skipped), sorted."""
    found = []
    for root, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith('.'))
        for name in sorted(files):
            if not name.startswith('.') and osp.splitext(
                    name)[1].lower() in MEDIA_EXTENSIONS:
                found.append(osp.join(root, name))
        if not recursive:
            break
    return found


def collect_inputs(paths: Sequence[str], recursive: bool = False
                   ) -> List[Input]:
    """Files to score, in argument order, each listed once.

    Args:
        paths: files (taken whatever their suffix), folders (their image and
            video files, by suffix; subfolders too with ``recursive``) or
            glob patterns (``**`` needs ``recursive``; matched folders are
            expanded like folders).
        recursive: descend into subfolders.

    Returns:
        (path, error) pairs: ``error`` is None for a file to score, or a
        message for an argument that names nothing (it becomes a failed
        row).
    """
    out: List[Input] = []
    seen = set()

    def add(items: Iterable[Input]) -> None:
        for path, error in items:
            key = osp.normpath(path)
            if key not in seen:
                seen.add(key)
                out.append((path, error))

    for arg in paths:
        if osp.isdir(arg):
            files = _folder_files(arg, recursive)
            add((f, None) for f in files)
            if not files:
                add([(arg, 'the folder holds no image or video files'
                      + ('' if recursive else ' (subfolders need '
                         '--recursive)'))])
        elif osp.exists(arg):
            add([(arg, None)])
        elif _is_glob(arg):
            matches = sorted(glob.glob(arg, recursive=recursive))
            if not matches:
                add([(arg, 'the pattern matches no file')])
            for m in matches:
                add((f, None) for f in (_folder_files(m, recursive)
                                        if osp.isdir(m) else [m]))
        else:
            add([(arg, 'no such file or folder')])
    return out
