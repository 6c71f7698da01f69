"""Fig. 4.6's claims on a ladder worked out by hand: a fall counts only where it exceeds twice the spread."""

from __future__ import annotations

import pandas as pd
import pytest
from conftest import import_script



@pytest.fixture(scope="module")
def fig_4_6():
    return import_script("analyses", "fig_4_6_tables_3_1_4_2_qm9_accuracy")


def _ladder(schnet: list[float], dtnn: list[float]) -> pd.DataFrame:
    rows = [("schnet", t, mae) for t, mae in zip((1, 2, 3, 6), schnet)]
    rows += [("dtnn", t, mae) for t, mae in zip((1, 2, 3), dtnn)]
    return pd.DataFrame([{"architecture": a, "T": t, "model": f"{a}-t{t}", "test_mae": mae, "hours": 7.0,
                          "steps": 1000} for a, t, mae in rows])


def test_a_fall_within_twice_the_spread_fails_and_is_named(fig_4_6):
    ladder = _ladder([1.010, 0.658, 0.556, 0.533], [1.437, 0.774, 0.945])
    claims, verdict = fig_4_6.ladder_claims(ladder, spread=0.017)
    # SchNet falls at every step, but T=3 to T=6 by 0.023 only, less than 2 x 0.017
    assert claims["SchNet falls with T"] == ("fails (T=3 to T=6 falls by +0.023, not more than twice the spread, "
                                             "0.034)")
    assert claims["DTNN falls with T"].startswith("fails (T=2 to T=3 falls by -0.171")
    assert claims["SchNet T=1 beats DTNN T=3"] == "fails (1.010 vs 0.945)"
    assert verdict is False

    claims, verdict = fig_4_6.ladder_claims(ladder, spread=0.0)  # without a spread every fall counts
    assert claims["SchNet falls with T"] == "holds" and verdict == "partly"


def test_every_claim_holding_reproduces_the_figure(fig_4_6):
    claims, verdict = fig_4_6.ladder_claims(_ladder([0.90, 0.60, 0.50, 0.40], [1.4, 0.95, 0.93]), spread=0.005)
    assert all(status.startswith("holds") for status in claims.values())
    assert claims["SchNet T=1 beats DTNN T=3"] == "holds (0.900 vs 0.930)" and verdict is True
