"""Tests for the instance-type catalogue and the Fargate size and price table."""

from __future__ import annotations

import pytest

from lab.config.fargate import (
    FARGATE_CPU_UNITS,
    fargate_hourly_price_usd,
    fargate_memory_options,
    is_valid_fargate_size,
    valid_fargate_sizes,
)
from lab.config.instance_types import (
    UnknownInstanceType,
    all_instance_types,
    instance_type,
    registered_cpu_units,
    registered_memory_mib,
)


def test_catalogue_has_enough_types() -> None:
    """The catalogue covers at least 25 common instance types."""
    assert len(all_instance_types()) >= 25


def test_every_catalogue_entry_is_sane() -> None:
    """Every field is in a plausible range and consistent with the name."""
    for entry in all_instance_types():
        assert entry.name.split(".")[0] == entry.family
        assert entry.vcpus >= 1 and entry.memory_mib >= 512
        assert 2 <= entry.max_enis <= 15
        assert entry.trunk_tasks is None or entry.trunk_tasks > entry.awsvpc_tasks
        assert 0 < entry.price_usd_hour < 5
        assert entry.architecture in ("x86_64", "arm64")
        assert entry.registered_cpu_units == entry.vcpus * 1024


def test_trunking_values_from_the_reference() -> None:
    """Trunked awsvpc task limits match reference §2.4 (c5/m5/r5 10/20/40/60, m6g/c6g medium 4)."""
    assert [instance_type(n).trunk_tasks for n in ("m5.large", "c5.xlarge", "r5.2xlarge", "m5.4xlarge")] == [
        10,
        20,
        40,
        60,
    ]
    assert instance_type("m6g.medium").trunk_tasks == 4 and instance_type("c6g.medium").trunk_tasks == 4
    assert instance_type("t3.medium").trunk_tasks is None
    assert instance_type("t3.medium").awsvpc_tasks == 2


def test_graviton_types_are_arm64() -> None:
    """m6g/c6g/a1 are arm64; the rest of the catalogue is x86_64."""
    for entry in all_instance_types():
        assert (entry.architecture == "arm64") == (entry.family in ("m6g", "c6g", "a1"))


@pytest.mark.parametrize(("name", "cpu", "memory"), [("c4.large", 2048, 3768), ("c4.4xlarge", 16384, 30158)])
def test_registered_resources_match_published_examples(name: str, cpu: int, memory: int) -> None:
    """c4.large and c4.4xlarge register exactly the CPU and memory AWS documents."""
    assert registered_cpu_units(name) == cpu
    assert registered_memory_mib(name) == memory


def test_registered_memory_of_m4_large_is_within_one_percent() -> None:
    """m4.large registers within 1% of the documented 'about 7985' MiB."""
    assert abs(registered_memory_mib("m4.large") - 7985) / 7985 < 0.01


def test_reserved_memory_is_subtracted() -> None:
    """ECS_RESERVED_MEMORY comes off the registered memory."""
    assert registered_memory_mib(instance_type("c4.large"), reserved_mib=256) == 3768 - 256


def test_unknown_instance_type_suggests_a_name() -> None:
    """A misspelt type raises a KeyError/LookupError whose message suggests the right one."""
    with pytest.raises(UnknownInstanceType) as caught:
        instance_type("t3.mediun")
    assert isinstance(caught.value, KeyError) and isinstance(caught.value, LookupError)
    assert str(caught.value) == "unknown instance type 't3.mediun'; did you mean 't3.medium'?"


def test_fargate_table_matches_the_reference() -> None:
    """The Linux Fargate sizes match reference §9.1."""
    assert FARGATE_CPU_UNITS == (256, 512, 1024, 2048, 4096, 8192, 16384)
    assert fargate_memory_options(256) == (512, 1024, 2048)
    assert fargate_memory_options(4096)[-1] == 30 * 1024
    assert fargate_memory_options(8192) == tuple(range(16384, 61441, 4096))
    assert fargate_memory_options(16384)[0] == 32768 and fargate_memory_options(16384)[-1] == 122880
    assert len(valid_fargate_sizes()) == 3 + 4 + 7 + 13 + 23 + 12 + 12


@pytest.mark.parametrize(
    ("cpu", "memory", "valid"),
    [
        (256, 512, True),
        (256, 4096, False),
        (512, 1024, True),
        (1024, 2560, False),
        (4096, 30720, True),
        (8192, 18432, False),
        (300, 512, False),
    ],
)
def test_is_valid_fargate_size(cpu: int, memory: int, valid: bool) -> None:
    """Only listed cpu/memory pairs are valid Fargate sizes."""
    assert is_valid_fargate_size(cpu, memory) is valid


def test_fargate_price_per_hour() -> None:
    """A 1 vCPU / 2 GB task costs 0.04048 + 2 × 0.004445 per hour; Spot is cheaper."""
    assert fargate_hourly_price_usd(1024, 2048) == pytest.approx(0.04937)
    assert fargate_hourly_price_usd(1024, 2048, spot=True) == pytest.approx(0.04937 * 0.3)
