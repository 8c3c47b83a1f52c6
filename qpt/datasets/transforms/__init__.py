from .degradations import *  # noqa: F401,F403
from .formatting import *  # noqa: F401,F403
from .fragments import *  # noqa: F401,F403
from .loading import *  # noqa: F401,F403
from .pack_video_clips import *  # noqa: F401,F403
from .quality_crops import *  # noqa: F401,F403
from .video_loading import *  # noqa: F401,F403
