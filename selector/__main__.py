"""`python -m selector ...`: see selector.cli."""

import sys

from selector.cli import main

sys.exit(main())
