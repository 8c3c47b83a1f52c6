# mmengine's parent lookup does not import the parent's lazy `locations`;
# import mmpretrain's models so that its components resolve from our scope.
import mmpretrain.models  # noqa: F401
from .algorithms import *  # noqa: F401,F403
from .backbones import *  # noqa: F401,F403
from .converters import *  # noqa: F401,F403
from .data_preprocessors import *  # noqa: F401,F403
from .heads import *  # noqa: F401,F403
from .initializers import *  # noqa: F401,F403
from .losses import *  # noqa: F401,F403
from .necks import *  # noqa: F401,F403
from .utils import *  # noqa: F401,F403
