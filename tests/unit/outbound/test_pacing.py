"""The dialler's pacing policy against cases computed by hand (docs/dialler.md)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from itertools import islice

import pytest

from kc_domain.outbound.pacing import (
    Limit,
    PacingInputs,
    PacingMode,
    PacingSettings,
    decide,
    risk_threshold,
)
from kc_domain.outbound.pacing_estimates import (
    DialOutcome,
    Durations,
    EstimatorSettings,
    PacingEstimator,
    PacingModel,
)
from kc_domain.outbound.pacing_explain import explain
from kc_domain.outbound.pacing_ledger import AbandonLedger, AbandonStanding
from kc_domain.outbound.pacing_risk import Surplus, risks
from kc_domain.plain import to_plain

AT = datetime(2025, 3, 4, 9, 0, tzinfo=UTC)
# 99 answers after exactly 10 s (with the one assumed at once, every quantile the policy uses is
# 10 s), other ends after 25 s, talks of 100 s, wrap-ups of 20 s; a person answers half the calls
DURATIONS = Durations.of(answer_s=[10.0] * 99, other_end_s=[25.0] * 99, talk_s=[100.0], wrap_s=[20.0])
MODEL = PacingModel(0.5, 0.5, 1000.0, DURATIONS)
PLENTY = AbandonStanding(0.03, day_live=1000, day_abandoned=0, window_live=1000, window_abandoned=0)
LOOSE = PacingSettings(max_risk=100.0)  # the threshold follows the allowance without a ceiling


def first(surplus: Surplus, q: float, n: int) -> list[float]:
    return list(islice(surplus.risks(q), n))


# -- the risk of an abandon --------------------------------------------------------------------
@pytest.mark.req("OUT-05")
def test_given_two_free_agents_then_the_third_call_risks_both_others_being_answered():
    # risk(k) = P(Binomial(k - 1, 1/2) >= 2): 0, 0, 1/4, 1/2, 11/16
    assert first(Surplus(2), 0.5, 5) == pytest.approx([0, 0, 0.25, 0.5, 11 / 16])


@pytest.mark.req("OUT-05")
def test_an_agent_maybe_free_and_a_call_maybe_answered_count_with_their_chances():
    # one free agent and one who is free in time with probability 1/2: the second call is abandoned
    # if the first is answered (0.4) and the agent is not free (0.5)
    assert first(Surplus(1, gains=(0.5,)), 0.4, 2) == pytest.approx([0, 0.2])
    # one free agent, one call ringing that a person answers with probability 1/2
    assert first(Surplus(1, losses=(0.5,)), 0.4, 2) == pytest.approx([0.5, 0.5 + 0.5 * 0.4])


@pytest.mark.req("OUT-05")
def test_many_terms_are_approximated_within_a_thousandth_of_the_exact_sum():
    gains = tuple(0.05 + 0.9 * i / 29 for i in range(30))
    losses = tuple(0.1 + 0.8 * i / 19 for i in range(20))
    exact = [1.0]  # P(surplus = lowest + i), convolved here term by term
    for p in gains + tuple(1 - r for r in losses):
        exact = [(1 - p) * a + p * b for a, b in zip([*exact, 0.0], [0.0, *exact], strict=True)]
    lowest, q, expected = 3 - len(losses), 0.3, []
    for _ in range(12):
        expected.append(sum(exact[: max(0, 1 - lowest)]))
        lowest -= 1
        exact = [q * a + (1 - q) * b for a, b in zip([*exact, 0.0], [0.0, *exact], strict=True)]
    got = list(islice(risks(3, [(1.0, gains)], losses, q), 12))
    assert got == pytest.approx(expected, abs=1e-3)


# -- what the policy reads off its estimates ---------------------------------------------------
@pytest.mark.req("OUT-05")
def test_a_call_ringing_past_every_answer_seen_is_unlikely_to_be_answered_by_a_person():
    assert DURATIONS.still_live(5.0, 0.5) == pytest.approx(0.5)  # as likely as any new call
    # past 10 s only the one unseen answer is left: 0.5 * 1/100 / (0.5 * 1/100 + 0.5 * 100/100)
    assert DURATIONS.still_live(15.0, 0.5) == pytest.approx(1 / 101)


@pytest.mark.req("OUT-05")
def test_agents_about_to_free_are_those_whose_wrap_up_or_talk_and_wrap_up_end_in_time():
    within = (12.0,)
    # wrap-up 15 s of 20: free in 5 s; talk 95 s of 100 then 20 s wrap-up: free in 25 s
    assert DURATIONS.freeing(talking=(95.0,), wrapping=(15.0,), within_s=within) == [(1.0,)]
    assert DURATIONS.freeing(talking=(95.0,), wrapping=(), within_s=(40.0,)) == [(1.0,)]


# -- progressive -------------------------------------------------------------------------------
@pytest.mark.req("OUT-01")
def test_progressive_dials_one_call_per_free_agent_less_the_calls_already_out():
    inputs = PacingInputs(free_agents=3, talking=(30.0,), ringing=(4.0,))
    decision = decide(PacingMode.PROGRESSIVE, AT, inputs, MODEL, PLENTY)
    assert (decision.dials, decision.limit, decision.prediction) == (2, Limit.AGENTS, None)


@pytest.mark.req("OUT-01")
def test_progressive_stops_at_the_end_of_the_list():
    inputs = PacingInputs(free_agents=3, numbers_left=1)
    assert decide(PacingMode.PROGRESSIVE, AT, inputs, MODEL, PLENTY).limit == Limit.LIST


# -- predictive --------------------------------------------------------------------------------
INPUTS = PacingInputs(free_agents=2, talking=(50.0,), wrapping=(15.0,))


@pytest.mark.req("OUT-05")
def test_predictive_dials_ahead_while_the_next_call_risks_no_more_than_the_threshold():
    # surplus at 12 s: 2 free + the agent in wrap-up (certain) = 3; the talking agent is not free
    # risk(k) = P(Binomial(k - 1, 1/2) >= 3): 0, 0, 0, 1/8, 5/16
    standing = AbandonStanding(0.03, 1000, 10, 1000, 10)  # allowance 20 abandons
    settings = PacingSettings(max_risk=100.0, spend_over=100.0, reserve=3.0)
    assert risk_threshold(standing, settings) == pytest.approx(0.03 + 17 / 100)
    decision = decide(PacingMode.PREDICTIVE, AT, INPUTS, MODEL, standing, settings)
    assert (decision.dials, decision.floor, decision.limit) == (4, 2, Limit.RISK)
    p = decision.prediction
    assert p is not None
    assert (p.risk_last, p.risk_next) == (pytest.approx(1 / 8), pytest.approx(5 / 16))
    assert p.expected_free == pytest.approx(3.0)
    assert p.horizons_s == (12.0,) * 7


@pytest.mark.req("OUT-05")
def test_predictive_never_dials_fewer_than_progressive():
    risky = PacingInputs(free_agents=4, ringing=(1.0, 1.0))  # the calls out may all be answered
    decision = decide(PacingMode.PREDICTIVE, AT, risky, MODEL, AbandonStanding(0.03))
    assert decision.dials == decision.floor == 2


@pytest.mark.req("OUT-05")
@pytest.mark.parametrize(
    ("live", "abandoned", "threshold"),
    [
        (1000, 32, 0.0),
        (50, 1, 0.0),
        (100, 2, 0.0),
        (100, 1, 0.015),
        (100, 0, 0.03),
        (1000, 22, 0.08),
        (1000, 0, 0.09),
    ],
)
def test_the_risk_threshold_follows_the_allowance_of_abandons(live: int, abandoned: int, threshold: float):
    # allowance = 3 % x live - abandoned: -2, 0.5, 1, 2, 3, 8, 30; with a reserve of 3, spent over
    # 100 live answers, at most 3 x the cap: nothing below 1, cap x (allowance - 1) / 2 up to 3,
    # then cap + (allowance - 3) / 100
    standing = AbandonStanding(0.03, live, abandoned, live, abandoned)
    assert risk_threshold(standing, PacingSettings()) == pytest.approx(threshold)


@pytest.mark.req("OUT-05")
def test_without_an_allowance_predictive_takes_no_risk_even_a_small_one():
    # the third call risks nothing by the model (the agent in wrap-up is sure to be free), but with
    # nothing to spend only what progressive would dial is dialled
    decision = decide(PacingMode.PREDICTIVE, AT, INPUTS, MODEL, AbandonStanding(0.03), LOOSE)
    assert decision.dials == 2
    assert decision.prediction is not None and decision.prediction.risk_next == 0.0


@pytest.mark.req("OUT-05")
def test_the_lines_per_agent_bound_the_calls_out():
    many = PacingInputs(free_agents=1, ringing=(1.0,) * 5)
    settings = PacingSettings(max_risk=100.0, lines_per_agent=6.0)
    model = PacingModel(0.01, 0.01, 1000.0, DURATIONS)  # hardly anyone answers: dial a lot
    decision = decide(PacingMode.PREDICTIVE, AT, many, model, PLENTY, settings)
    assert (decision.dials, decision.limit) == (1, Limit.LINES)


@pytest.mark.req("OUT-05")
def test_a_decision_explains_itself_with_its_inputs_and_numbers():
    standing = AbandonStanding(0.03, 1000, 10, 1000, 10)
    decision = decide(PacingMode.PREDICTIVE, AT, INPUTS, MODEL, standing, LOOSE)
    text = "\n".join(explain(decision))
    for part in (
        "predictive: dial 4 (stopped by: risk); progressive would dial 2",
        "2 free, 1 talking, 1 in wrap-up; 0 calls ringing, 0 live answers waiting",
        "live answer 50.00 %",
        "a person answers after 10.0 s, talk 100 s, wrap-up 20 s",
        "today 10 of 1000 live (1.00 %)",
        "cap 3.00 %, allowance 20.00",
        "3.00 agents expected free",
        "call 4 risks 12.50 %; call 5 would risk 31.25 %",
    ):
        assert part in text
    stored = json.loads(json.dumps(to_plain(decision)))  # as a journal would keep it
    assert stored["inputs"]["wrapping"] == [15.0] and stored["prediction"]["risk_next"] == 0.3125


# -- the estimates -----------------------------------------------------------------------------
@pytest.mark.req("OUT-05")
def test_answering_machines_count_as_attempts_not_as_live_answers():
    estimator = PacingEstimator(EstimatorSettings(half_life_s=1e12, half_life_attempts=1e12))
    for i in range(10):
        estimator.attempt_ended(AT + timedelta(seconds=i), DialOutcome.LIVE, 8.0)
        estimator.attempt_ended(AT + timedelta(seconds=i), DialOutcome.MACHINE, 12.0)
    model = estimator.model(AT + timedelta(seconds=10))
    # 10 live of 20, with the prior's 2 attempts at 30 %: (10 + 0.6) / 22
    assert model.live_rate == pytest.approx(10.6 / 22)
    assert model.durations.answer_s == (8.0,) * 10
    assert model.durations.other_end_s == (12.0,) * 10


@pytest.mark.req("OUT-05")
def test_the_live_rate_follows_a_list_that_answers_half_as_often():
    estimator = PacingEstimator()
    t = AT
    for i in range(2000):  # 40 % for 2000 attempts, one a second
        t += timedelta(seconds=1)
        estimator.attempt_ended(t, DialOutcome.LIVE if i % 5 < 2 else DialOutcome.NO_ANSWER, 25.0)
    assert estimator.model(t).live_rate == pytest.approx(0.4, abs=0.02)
    for i in range(1000):  # then 20 %
        t += timedelta(seconds=1)
        estimator.attempt_ended(t, DialOutcome.LIVE if i % 5 < 1 else DialOutcome.NO_ANSWER, 25.0)
    # each attempt (and second) halves the weight by 1/400 + 1/1200 = 1/300 of a half-life: 1000 of
    # them leave 2^(-10/3) = 10 % of the weight on the 40 % before
    assert estimator.model(t).live_rate == pytest.approx(0.2 + 0.2 * 2 ** (-10 / 3), abs=0.005)


@pytest.mark.req("OUT-05")
def test_a_stale_estimate_is_used_with_more_caution():
    estimator = PacingEstimator()
    for i in range(500):
        estimator.attempt_ended(AT, DialOutcome.LIVE if i % 5 == 0 else DialOutcome.BUSY, 4.0)
    fresh, stale = estimator.model(AT), estimator.model(AT + timedelta(hours=12))
    assert fresh.live_rate_risk - fresh.live_rate < 0.03
    assert stale.live_rate_risk - stale.live_rate > 0.2  # the night has taken its weight away


# -- the measured abandons ---------------------------------------------------------------------
@pytest.mark.req("OUT-05")
def test_abandons_are_counted_per_prague_day_and_over_the_last_24_hours():
    ledger = AbandonLedger(0.03)
    evening = datetime(2025, 3, 4, 22, 30, tzinfo=UTC)  # 23:30 in Prague
    for _ in range(100):
        ledger.live_answer(evening)
    ledger.abandoned(evening)
    after_midnight = evening + timedelta(hours=1)  # 00:30 the next day in Prague
    standing = ledger.standing(after_midnight)
    assert (standing.day_live, standing.day_abandoned) == (0, 0)
    assert (standing.window_live, standing.window_abandoned) == (100, 1)
    assert standing.allowance == pytest.approx(0.0)  # a new day has nothing to spend yet
    later = ledger.standing(evening + timedelta(hours=24))
    assert (later.window_live, later.window_abandoned, later.window_rate) == (0, 0, None)
