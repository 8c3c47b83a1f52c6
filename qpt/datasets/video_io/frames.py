"""The frame layout of the video readers: one (T, H, W, C) array."""
import numpy as np

__all__ = ['as_frame_array']


def as_frame_array(imgs) -> np.ndarray:
    """Frames as one (T, H, W, C) array.

    Args:
        imgs: a (T, H, W, C) array (returned as it is) or a list of
            (H, W, C) frames (stacked).

    Raises:
        ValueError: the frames are not (T, H, W, C).
    """
    arr = imgs if isinstance(imgs, np.ndarray) else np.stack(
        [np.asarray(img) for img in imgs])
    if arr.ndim != 4:
        raise ValueError(f'imgs must be (T, H, W, C), got shape {arr.shape}')
    return arr
