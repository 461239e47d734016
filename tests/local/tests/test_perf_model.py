"""The harness's Lambda model (no stack needed): what a warm login is modelled to take and cost at
a memory setting, from the CPU and the waits measured."""

from __future__ import annotations

import math

import pytest

from studiogate_local import perf

# saml-validator: 1 ms of CPU in a 30 ms invocation, of which 20 ms is presign's (2 ms of CPU).
WARM = {
    "saml-validator": {"cpu_ms_per_login": 1.0, "durations_ms": [29.0, 30.0, 31.0]},
    "presign": {"cpu_ms_per_login": 2.0, "durations_ms": [19.0, 20.0, 21.0]},
}
STRETCH = perf.FULL_VCPU_MB / 128


def test_at_128_mb_each_functions_cpu_stretches_and_the_validator_waits_for_presigns_stretched_invocation():
    presign = 18.0 + 2.0 * STRETCH
    validator = 9.0 + 1.0 * STRETCH + presign
    modelled = perf.modelled_ms(WARM, {"saml-validator": 128, "presign": 128})
    assert modelled == pytest.approx({"saml-validator": validator, "presign": presign})
    assert perf.modelled_login_ms(WARM, {"saml-validator": 128, "presign": 128}) == pytest.approx(validator)


def test_both_invocations_are_billed_the_validators_wait_for_presign_included():
    gb_seconds = (math.ceil(9.0 + STRETCH + 18.0 + 2.0 * STRETCH) + math.ceil(18.0 + 2.0 * STRETCH)) / 1000 / 8
    expected = gb_seconds * perf.PRICE["gb_second"] * 1e6 + 2 * perf.PRICE["per_million_requests"]
    assert perf.cost_per_million(WARM, {"saml-validator": 128, "presign": 128}) == pytest.approx(expected)
    # A full vCPU stretches nothing: 30 ms and 20 ms billed.
    full = {"saml-validator": perf.FULL_VCPU_MB, "presign": perf.FULL_VCPU_MB}
    assert perf.cost_per_million(WARM, full) == pytest.approx(
        (30 + 20) / 1000 * perf.FULL_VCPU_MB / 1024 * perf.PRICE["gb_second"] * 1e6
        + 2 * perf.PRICE["per_million_requests"])
