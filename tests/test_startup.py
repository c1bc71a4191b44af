"""Start-up shortcuts give the same data as the slow way."""

from __future__ import annotations

import yaml

from lab.sim import build, catalogue


def test_the_build_catalogue_is_read_as_safe_load_reads_it() -> None:
    build.catalogue.cache_clear()
    try:
        assert build.catalogue() == yaml.safe_load(catalogue.CATALOGUE_FILE.read_text())
    finally:
        build.catalogue.cache_clear()
