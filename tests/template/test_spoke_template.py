"""template-spoke.yaml (what a spoke account deploys) against the code and the hub: its provisioning
role grants exactly what presign's SageMaker port calls, trusts only the hub's presign with the
external ID, and its user role carries the hub's guards. Behaviour under the IAM simulator (who
may assume what, from where): tests/iam and the emulator's tests/emulator/tests/test_spoke.py."""

from __future__ import annotations

import pytest
from cfnlint.decode import decode

from test_template import (REPO, all_statements, allowed_actions, as_list, contract, statements_of_role,  # noqa: F401 (a fixture)
                           unconditioned_wildcard_resources, wildcard_actions)

SPOKE_FILE = REPO / "template-spoke.yaml"


@pytest.fixture(scope="module")
def spoke() -> dict:
    parsed, matches = decode(str(SPOKE_FILE))
    assert not matches, matches
    return parsed


@pytest.fixture(scope="module")
def hub() -> dict:
    parsed, matches = decode(str(REPO / "template.yaml"))
    assert not matches, matches
    return parsed


def test_the_provisioning_role_grants_exactly_what_presigns_sagemaker_port_calls(spoke, contract):
    sagemaker = {op for op in contract["presign"]["role_operations"] if op.startswith(("sagemaker:", "iam:"))}
    assert allowed_actions(spoke, "ProvisioningRole") == sagemaker


def test_only_the_hubs_presign_may_assume_the_provisioning_role_and_only_with_the_external_id(spoke):
    (trust,) = spoke["Resources"]["ProvisioningRole"]["Properties"]["AssumeRolePolicyDocument"]["Statement"]
    assert trust["Action"] == "sts:AssumeRole"
    assert trust["Condition"]["StringEquals"] == {"sts:ExternalId": {"Ref": "ProvisioningExternalId"}}
    assert trust["Condition"]["ArnEquals"] == {"aws:PrincipalArn": {"Ref": "HubPresignRoleArn"}}
    assert spoke["Parameters"]["ProvisioningExternalId"]["NoEcho"] is True


def test_the_spoke_user_role_trusts_assertions_made_for_the_hubs_acs_only(spoke):
    trust = spoke["Resources"]["StudioUserRole"]["Properties"]["AssumeRolePolicyDocument"]["Statement"]
    for statement in trust:
        assert statement["Condition"]["StringEquals"]["SAML:aud"] == {"Ref": "HubAcsUrl"}
    assert trust[0]["Condition"]["StringLike"] == {"aws:RequestTag/studiouserid": "?*"}, "no session without its owner tag"


def test_the_spoke_keeps_the_hubs_guards_word_for_word(spoke, hub):
    """Opening only one's own profile, and the provisioning rules (never re-own, private spaces
    only), are the hub's statements; the network Deny names the hub's endpoints."""
    def by_sid(template, role):
        return {s["Sid"]: s for s in statements_of_role(template, role)}
    hub_user, spoke_user = by_sid(hub, "StudioUserRole"), by_sid(spoke, "StudioUserRole")
    assert spoke_user["OpenOwnProfile"] == hub_user["OpenOwnProfile"]
    hub_presign, provisioning = by_sid(hub, "PresignRole"), by_sid(spoke, "ProvisioningRole")
    for sid in ("UserProfiles", "NeverReownAProfile", "ReadSpaces", "PrivateSpaces", "CreatePrivateSpaces",
                "TagNewSpaces", "NeverReownASpace", "ListUsersApps", "PassMappedExecutionRoles"):
        assert provisioning[sid] == hub_presign[sid], sid
    deny = spoke_user["OnlyFromTheAllowedNetworks"]
    assert deny["Effect"] == "Deny" and as_list(deny["Action"]) == ["sagemaker:CreatePresignedDomainUrl"]


def test_the_spoke_follows_the_same_policy_rules(spoke):
    assert wildcard_actions(spoke) == []
    assert unconditioned_wildcard_resources(spoke) == []
    holders = {where.split(".")[0] for where, _ in all_statements(spoke)}
    assert {"StudioUserRole", "ProvisioningRole"} <= holders
