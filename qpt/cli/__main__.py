"""``python -m qpt.cli ...`` is the ``qpt`` command."""
import sys

from . import main

sys.exit(main())
