"""The attacker's reasoning: wrong guesses are withdrawn, never turned into false recoveries."""

from __future__ import annotations

from attacker import attack_report
from engine import Engine, Func, Linear, Ratio, interval, values
from planted import SMALL, SVC, balance, effect, g6, profile, write

T = f"tables/{SVC}__"


def test_a_guess_that_contradicts_what_is_known_is_withdrawn():
    e = Engine()
    x, n = e.var(("x",), "x", interval(0, 100)), e.var(("n",), "n", interval(67, 67))
    e.add(Ratio((x, n), "mean-x-n", "f", "a good guess", True, 3 / 67 - 1e-7, 3 / 67 + 1e-7))
    e.add(Ratio((x, n), "mean-x-n", "f", "a wrong guess", True, 0.437215 - 5e-7, 0.437215 + 5e-7))
    e.solve()
    assert list(values(e.doms[x])) == [3]
    assert [c.note for c in e.refuted] == ["a wrong guess"]


def test_joint_enumeration_splits_a_sum_by_a_nonlinear_figure():
    e = Engine()
    a, b = e.var(("a",), "a", interval(1, 7)), e.var(("b",), "b", interval(1, 20))
    e.add(Linear((a, b), "totals-minus-cells", "f", "a + b = 11", False, (1.0, 1.0), 11, 11))
    e.add(Func((a, b), "sii-rii-fit", "f", "a * a / b", True, lambda x, y: x * x / y, 9 / 8 - 1e-9, 9 / 8 + 1e-9))
    e.solve()
    assert (list(values(e.doms[a])), list(values(e.doms[b]))) == ([3], [8])


def test_a_continuous_covariate_read_as_0_1_gives_nothing_false(tmp_path):
    """A mean in [0, 1] of a covariate that is not 0/1 (a score): no integer fits, the guess is withdrawn."""
    files = {T + "decile-profile.csv": profile(SMALL, pct=None), T + "effect-estimate.csv": effect(g6(63 / 67)),
             T + "covariate-balance.csv": balance([("need_score", "0.437215")])}
    report = attack_report(write(tmp_path, files))
    assert not [r for r in report.recoveries if "need_score" in r.what]
    assert any("need_score" in r for r in report.refuted)


def test_firm_readings_that_contradict_do_not_stop_the_attack(tmp_path):
    """Two tables printing different rounded counts for the same cell (a misread): noted, and the rest goes on."""
    other = profile([35, *SMALL[1:]], pct=None)
    files = {T + "decile-profile.csv": profile(SMALL), T + "reach-by-decile.csv": other.replace("national_users", "users")}
    report = attack_report(write(tmp_path, files))
    assert any(r.startswith("firm readings contradict") for r in report.refuted)
