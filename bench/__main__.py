"""``python -m bench``: the whole-system bench and fault drills (bench/system_bench.py)."""

import sys

from bench.system_bench import main

sys.exit(main())
