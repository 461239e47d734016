"""Hub and spoke under the simulator (studiogate_iam/spoke_scenarios.py), and the mutation check for
them: break the spoke's (or the hub's) policy the way a scenario guards against, and it must fail."""

from __future__ import annotations

import copy
from typing import Callable

import pytest

from studiogate_iam.params import rendered
from studiogate_iam.render import RenderedStack
from studiogate_iam.spoke_scenarios import BY_NAME, SPOKE_SCENARIOS


@pytest.mark.parametrize("scenario", SPOKE_SCENARIOS, ids=[s.name for s in SPOKE_SCENARIOS])
def test_spoke_scenario(sim, scenario):
    scenario.check(rendered("local"), rendered("local-spoke"), sim)


def statement(stack: RenderedStack, role: str, sid: str) -> dict:
    policies = [p["document"] for p in stack.roles[role]["identity_policies"]] + [stack.roles[role]["trust_policy"]]
    return next(s for p in policies for s in p["Statement"] if s.get("Sid") == sid)


def drop_condition(role: str, sid: str, operator: str, key: str) -> Callable[[RenderedStack], None]:
    def mutate(stack: RenderedStack) -> None:
        condition = statement(stack, role, sid)["Condition"]
        del condition[operator][key]
        if not condition[operator]:
            del condition[operator]
    return mutate


def widen_resource(role: str, sid: str) -> Callable[[RenderedStack], None]:
    def mutate(stack: RenderedStack) -> None:
        statement(stack, role, sid)["Resource"] = "*"
    return mutate


def drop_statement(role: str, sid: str) -> Callable[[RenderedStack], None]:
    def mutate(stack: RenderedStack) -> None:
        for policy in stack.roles[role]["identity_policies"]:
            policy["document"]["Statement"] = [s for s in policy["document"]["Statement"] if s.get("Sid") != sid]
    return mutate


# (scenario, which rendering breaks, what breaks, how)
MUTATIONS = [
    ("only the hubs presign assumes the provisioning role with the external id", "spoke",
     "no external ID required", drop_condition("ProvisioningRole", "OnlyTheHubsPresign", "StringEquals", "sts:ExternalId")),
    ("only the hubs presign assumes the provisioning role with the external id", "spoke",
     "any role of the hub account", drop_condition("ProvisioningRole", "OnlyTheHubsPresign", "ArnEquals", "aws:PrincipalArn")),
    ("the hubs presign assumes only the listed spokes", "hub",
     "presign may assume any role", widen_resource("PresignRole", "AssumeSpokeProvisioningRoles")),
    ("a spoke user opens their spoke profile through the hubs endpoint only", "spoke",
     "no owner-tag condition", drop_condition("StudioUserRole", "OpenOwnProfile", "StringEquals", "sagemaker:ResourceTag/studiouserid")),
    ("a spoke user opens their spoke profile through the hubs endpoint only", "spoke",
     "no network Deny", drop_statement("StudioUserRole", "OnlyFromTheAllowedNetworks")),
    ("no account opens another accounts profiles", "spoke",
     "the spoke user may presign anywhere", widen_resource("StudioUserRole", "OpenOwnProfile")),
    ("the provisioning role provisions its own domains only", "spoke",
     "profiles of every domain", widen_resource("ProvisioningRole", "UserProfiles")),
    ("the spoke user role trusts the hubs acs only", "spoke",
     "any audience", drop_condition("StudioUserRole", "FederatedThroughTheBroker", "StringEquals", "SAML:aud")),
]


@pytest.mark.parametrize("scenario, side, what, mutate", MUTATIONS, ids=[f"{m[0]}: {m[2]}" for m in MUTATIONS])
def test_a_broken_policy_fails_its_spoke_scenario(sim, scenario, side, what, mutate):
    hub, spoke = copy.deepcopy(rendered("local")), copy.deepcopy(rendered("local-spoke"))
    mutate(spoke if side == "spoke" else hub)
    with pytest.raises(AssertionError) as failure:
        BY_NAME[scenario].check(hub, spoke, sim)
    assert "the simulator refused the request" not in str(failure.value), failure.value
