from .functional import *  # noqa: F401,F403
from .metrics import *  # noqa: F401,F403
from .metrics.reconstruction_metric import ReconstructionLoss  # noqa: F401
