# mmengine's parent lookup does not import the parent's lazy `locations`;
# import mmpretrain's evaluation so that its components resolve from our scope.
import mmpretrain.evaluation  # noqa: F401
from .functional import *  # noqa: F401,F403
from .metrics import *  # noqa: F401,F403
from .protocol import *  # noqa: F401,F403
