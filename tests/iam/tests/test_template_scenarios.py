"""The policy-level scenarios (studiogate_iam/scenarios.py) over template.yaml rendered for LOCAL and
every parameter set of the matrix. A scenario with an `issue` is a property today's template lacks:
a strict xfail, so fixing the template turns it into a failure until the mark goes."""

from __future__ import annotations

import pytest

from studiogate_iam.params import ALL, LOCAL, rendered
from studiogate_iam.scenarios import SCENARIOS


def cases():
    for parameter_set in ALL:
        stack = rendered(parameter_set.name)
        for scenario in SCENARIOS:
            if not scenario.applies(stack):
                continue
            marks = [pytest.mark.xfail(strict=True, raises=AssertionError, reason=scenario.issue)] if scenario.issue else []
            yield pytest.param(parameter_set.name, scenario, marks=marks, id=f"{parameter_set.name}: {scenario.name}")


@pytest.mark.parametrize("parameter_set, scenario", list(cases()))
def test_scenario(parameter_set, scenario, stacks, sim):
    scenario.check(stacks[parameter_set], sim)


@pytest.mark.parametrize("scenario", [s for s in SCENARIOS if s.issue], ids=lambda s: s.name)
def test_an_issue_scenario_fails_the_way_its_reason_quotes(scenario, stacks, sim):
    """The xfail reasons quote the simulator; this keeps the quote true."""
    with pytest.raises(AssertionError) as failure:
        scenario.check(stacks[LOCAL.name], sim)
    assert scenario.issue.split("simulator: ", 1)[1] in str(failure.value)


def test_every_scenario_runs_somewhere():
    ran = {s.name for p in ALL for s in SCENARIOS if s.applies(rendered(p.name))}
    assert ran == {s.name for s in SCENARIOS}
