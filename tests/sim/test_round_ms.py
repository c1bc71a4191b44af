"""``round_ms`` returns exactly what ``round(x, 3)`` does: the log's bytes depend on it."""

from __future__ import annotations

import math
import struct

from hypothesis import given, settings
from hypothesis import strategies as st

from lab.sim.timing import round_ms


def _same(a: float, b: float) -> bool:
    """Bit for bit (so -0.0 differs from 0.0), NaNs alike."""
    return (math.isnan(a) and math.isnan(b)) or struct.pack("<d", a) == struct.pack("<d", b)


# Values a thousandth apart plus a half, nudged by an ulp or so: the ones a careless fast path
# rounds the wrong way.
_near_ties = st.builds(
    lambda k, nudge: (k + 0.5) / 1000.0 + nudge,
    st.integers(-(10**9), 10**9),
    st.sampled_from([0.0, 5e-324, -5e-324, 1e-16, -1e-16, 1e-13, -1e-13, 1e-10, -1e-10]),
)


@settings(max_examples=3000, deadline=None)
@given(st.floats(allow_nan=True, allow_infinity=True) | st.floats(-1e7, 1e7) | _near_ties)
def test_round_ms_is_round_to_three_digits(x: float) -> None:
    assert _same(round_ms(x), round(x, 3))


def test_round_ms_keeps_the_sign_of_a_rounded_zero_and_breaks_exact_ties_as_round() -> None:
    for x in (-0.0, 0.0, -0.0004, 0.0004, -1e-300, 0.0625, 1.0625, 2.0625, -2.0625, 0.0005, 1e15, -1e15):
        assert _same(round_ms(x), round(x, 3)), x
