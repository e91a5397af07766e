"""``python -m verification verify ...`` (see :mod:`verification.cli`)."""

from verification.cli import main

raise SystemExit(main())
