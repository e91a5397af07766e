"""``python -m verification verify ...`` (see :mod:`verification.cli`)."""

import os
import sys

from verification.cli import main

try:
    code = main()
    sys.stdout.flush()
except BrokenPipeError:  # stdout closed early (e.g. piped into `head`): quiet, as the Python docs advise
    os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    code = 1
raise SystemExit(code)
