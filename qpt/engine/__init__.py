# mmengine's parent lookup does not import the parent's lazy `locations`;
# import mmpretrain's engine so that its components resolve from our scope.
import mmpretrain.engine  # noqa: F401
from .hooks import *  # noqa: F401,F403
from .optimizers import *  # noqa: F401,F403
