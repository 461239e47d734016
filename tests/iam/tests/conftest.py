"""Fixtures: the simulator (one Node process for the session) and the renderings of every parameter set."""

from __future__ import annotations

import pytest

from studiogate_iam.params import ALL, rendered
from studiogate_iam.simulator import Simulator


@pytest.fixture(scope="session")
def sim():
    simulator = Simulator()
    yield simulator
    simulator.close()


@pytest.fixture(scope="session")
def stacks() -> dict:
    """Parameter set name -> RenderedStack (shared: tests that change one change a copy())."""
    return {parameter_set.name: rendered(parameter_set.name) for parameter_set in ALL}
