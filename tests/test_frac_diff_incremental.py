"""frac_diff with the searched d (STRATENGINE_FRACDIFF_D=auto): a new day delivered after a build leaves the same
table as a from-scratch build of the same files. The d search runs batched over the stale tickers, so this is
the invariant that no ticker's d depends on which tickers shared its run."""

import pytest

from tests.sandbox import Sandbox, differences


def auto_d(sandbox: Sandbox) -> Sandbox:
    sandbox.variables["STRATENGINE_FRACDIFF_D"] = "auto"
    return sandbox


@pytest.mark.slow
def test_a_new_day_with_the_searched_d_equals_a_build_from_scratch(tmp_path):
    incremental = auto_d(Sandbox(tmp_path / "incremental"))
    incremental.synth()
    assert not incremental.update().failed
    incremental.market.write_extra_day(incremental.landing)
    assert not incremental.update().failed
    scratch = auto_d(incremental.files_copy(tmp_path / "scratch"))
    assert not scratch.update().failed
    assert differences(incremental, scratch, tables=["frac_diff"]) == {}
    stored = incremental.query("SELECT DISTINCT d FROM frac_diff")["d"]
    assert len(stored) and not (stored == 0.4).all(), "the rows should carry searched d, not the tests' fixed 0.4"
