"""The policy-level scenarios (studiogate_iam/scenarios.py) over template.yaml rendered for LOCAL and
every parameter set of the matrix."""

from __future__ import annotations

import pytest

from studiogate_iam.params import ALL, rendered
from studiogate_iam.scenarios import SCENARIOS


def cases():
    for parameter_set in ALL:
        stack = rendered(parameter_set.name)
        for scenario in SCENARIOS:
            if not scenario.applies(stack):
                continue
            yield pytest.param(parameter_set.name, scenario, id=f"{parameter_set.name}: {scenario.name}")


@pytest.mark.parametrize("parameter_set, scenario", list(cases()))
def test_scenario(parameter_set, scenario, stacks, sim):
    scenario.check(stacks[parameter_set], sim)


def test_every_scenario_runs_somewhere():
    ran = {s.name for p in ALL for s in SCENARIOS if s.applies(rendered(p.name))}
    assert ran == {s.name for s in SCENARIOS}
