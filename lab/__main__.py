"""Provides ``python -m lab``, the same as the ``lab`` command."""

from lab.cli import main

raise SystemExit(main())
