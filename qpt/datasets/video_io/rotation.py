"""Display rotation: turning stored (sideways) frames upright."""
import numpy as np

__all__ = ['quarter_turns', 'rotate_frames']


def quarter_turns(rotation: float) -> int:
    """Number of counter-clockwise quarter turns for a rotation in degrees."""
    return int(round(float(rotation) / 90.0)) % 4


def rotate_frames(frames: np.ndarray, rotation: float) -> np.ndarray:
    """Turn stored frames upright.

    Args:
        frames: (H, W, C) or (T, H, W, C) array as stored in the stream.
        rotation: counter-clockwise display rotation in degrees, as FFmpeg
            reports it (``VideoFrame.rotation``; a phone clip tagged
            ``rotate=90`` reads -90). Rounded to a multiple of 90.

    Returns:
        The frames rotated counter-clockwise by ``rotation`` degrees: (H, W,
        C) becomes (W, H, C) for +-90. A view where possible (not copied).
    """
    k = quarter_turns(rotation)
    if k == 0:
        return frames
    return np.rot90(frames, k=k, axes=(-3, -2))
