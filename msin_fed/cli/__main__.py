"""``python -m msin_fed.cli``: the same as the ``msin`` console script."""

import sys

from msin_fed.cli import main

sys.exit(main())
