from .transforms import *  # noqa: F401,F403
from .image_io import *  # noqa: F401,F403
from .pretrain_image_dataset import *  # noqa: F401,F403
from .video_io import *  # noqa: F401,F403
