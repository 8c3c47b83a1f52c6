"""File suffixes taken for videos (the image ones are in ``image_io``)."""
from pathlib import Path
from typing import Union

__all__ = ['VIDEO_EXTENSIONS', 'is_video_path']

#: File suffixes (lower case) taken for videos: a folder's video files, and
#: the inputs that need a video model.
VIDEO_EXTENSIONS = ('.3gp', '.avi', '.flv', '.m4v', '.mkv', '.mov', '.mp4',
                    '.mpeg', '.mpg', '.ts', '.webm', '.wmv', '.y4m')


def is_video_path(path: Union[str, Path]) -> bool:
    """Whether the suffix of ``path`` (any case) is a video suffix."""
    return Path(path).suffix.lower() in VIDEO_EXTENSIONS
