# mmengine's parent lookup does not import the parent's lazy `locations`;
# import mmpretrain's datasets so that its components resolve from our scope.
import mmpretrain.datasets  # noqa: F401
from .image_io import *  # noqa: F401,F403
from .pretrain_image_dataset import *  # noqa: F401,F403
from .pretrain_tile_dataset import *  # noqa: F401,F403
from .quality import *  # noqa: F401,F403
from .transforms import *  # noqa: F401,F403
from .video_io import *  # noqa: F401,F403
