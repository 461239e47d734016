"""parliament (PyPI, with its community auditors) on every rendered policy of every parameter set:
identity policies, trust policies, the key policy and the function policies. Any finding fails
unless ALLOWED names it with a reason.

parliament lints a policy against the actions' condition keys as one list per action (every resource
type together), so it does not see issue 13 item 2 (ec2:Vpc on network-interface/* for
ec2:CreateNetworkInterface): the simulator scenarios do (test_template_scenarios.py). parliament
reports no finding that is a defect of today's template; the ones it does report are below, each
with why it is not one.
"""

from __future__ import annotations

import copy
import json
import re
from dataclasses import dataclass

import pytest
from parliament import analyze_policy_string

from studiogate_iam.params import ALL, rendered


@dataclass(frozen=True)
class Allowed:
    policy: str    # regex on the policy's label
    finding: str   # regex on "ISSUE: detail"
    reason: str


ALLOWED = [
    Allowed(r"StudioUserRole/open-own-profile-.*",
            r"UNKNOWN_CONDITION_FOR_ACTION: Unknown condition sagemaker:ResourceTag/studiouserid for action sagemaker:CreatePresignedDomainUrl",
            "the user-profile resource type has sagemaker:ResourceTag/${TagKey} (Service Authorization Reference, resource "
            "types of SageMaker); parliament reads only the action row, which lists none. The simulator accepts the key "
            "and the scenarios show it decides (alice vs bob)."),
    Allowed(r"StudioUserRole trust policy",
            r"UNKNOWN_CONDITION_FOR_ACTION: Unknown condition SAML:aud for action sts:SetSourceIdentity",
            "AWS's own SAML trust policy example allows sts:AssumeRoleWithSAML and sts:SetSourceIdentity in one statement "
            "under SAML:aud (https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_temp_control-access_monitor.html); "
            "the Service Authorization Reference row of SetSourceIdentity lists no SAML:aud (see "
            "test_simulator.py::test_set_source_identity_under_saml_aud_is_a_known_divergence)."),
    Allowed(r".* trust policy", r"CREDENTIALS_EXPOSURE: \['sts:assumerole(withsaml)?'\]",
            "a trust policy exists to allow sts:AssumeRole*; parliament reads it as an identity policy (linted with "
            "Resource = the role's ARN, since parliament lints only statements with a Resource)."),
    Allowed(r"PresignRole/presign", r"RESOURCE_MISMATCH: \[\{'action': 'ec2:CreateNetworkInterface'",
            "IAM authorizes CreateNetworkInterface once per resource (subnet, security group, the new interface); the "
            "statements are split by resource so that ec2:Vpc sits only where the Service Authorization Reference lists "
            "it, and parliament reads each statement alone. The simulator scenario \"presign attaches to its VPC\" "
            "evaluates all three resources."),
    Allowed(r"PresignRole/presign", r"PERMISSIONS_MANAGEMENT_ACTIONS: \['iam:passrole'\]",
            "presign passes only the mapped ExecutionRoleArns and only to SageMaker (PassMappedExecutionRoles: "
            "Resource = the parameter, iam:PassedToService = sagemaker.amazonaws.com)."),
    Allowed(r"PresignRole/presign", r"PERMISSIONS_MANAGEMENT_ACTIONS: \['sso:(dis)?associateprofile'\]",
            "EMR checks these IAM Identity Center permissions of the caller when CreateStudioSessionMapping assigns a "
            "user or group to a Studio in Identity Center mode (Amazon EMR Management Guide, \"Configure EMR Studio "
            "admin permissions\": sso:GetProfile, sso:ListDirectoryAssociations, sso:ListProfiles, sso:AssociateProfile, "
            "sso-directory:DescribeUser/DescribeGroup), and sso:DisassociateProfile when DeleteStudioSessionMapping "
            "removes one (presign does, for a user no rule entitles any more). They are granted only when the stack has EMR Studios "
            "(EmrIdentityCenterLookups); sso has no resource-level permissions for them. A real account confirms the "
            "set: README.md, \"Checks only a real account can make\"."),
    Allowed(r"OffboardRole/offboard", r"PERMISSIONS_MANAGEMENT_ACTIONS: \['sso:disassociateprofile'\]",
            "EMR checks these IAM Identity Center permissions of the caller when DeleteStudioSessionMapping removes a "
            "user or group from a Studio in Identity Center mode (Amazon EMR Management Guide, \"Permissions required to "
            "manage an EMR Studio\", \"Remove a user or group from a Studio\": sso:DisassociateProfile with the lookups). "
            "Granted only when the stack offboards and has EMR Studios (EmrIdentityCenterLookups); sso has no "
            "resource-level permissions for it. The offboard role gets no sso:AssociateProfile: it maps no one."),
    Allowed(r"PresignRole/presign", r"CREDENTIALS_EXPOSURE: \['sts:assumerole'\]",
            "presign assumes only the spokes' provisioning roles the stack lists (AssumeSpokeProvisioningRoles: "
            "Resource = SpokeProvisioningRoleArns, granted only when there are spokes), whose trust admits only this "
            "role and only with the target's external ID (template-spoke.yaml, OnlyTheHubsPresign); the credentials "
            "stay in presign's memory and provision that spoke's profiles and spaces, nothing else."),
    Allowed(r"PresignSealKey key policy", r"PERMISSIONS_MANAGEMENT_ACTIONS: \['kms:putkeypolicy'\]",
            "the account keeps the administration of the seal key (AccountAdministersButCannotUse), by design."),
    Allowed(r"PresignSealKey key policy", r"RESOURCE_STAR: \['kms:",
            "in a key policy Resource \"*\" means this key (https://docs.aws.amazon.com/kms/latest/developerguide/"
            "key-policy-overview.html)."),
    Allowed(r".* function policy", r"INVALID_SID: ",
            "CloudFormation names an AWS::Lambda::Permission's statement STACK-LOGICALID-RANDOM; Lambda's StatementId "
            "allows - and _ (https://docs.aws.amazon.com/lambda/latest/api/API_AddPermission.html)."),
]


def policies(stack) -> dict[str, dict]:
    """Label -> document, for every policy of the rendered stack."""
    found = {}
    for logical, role in stack.roles.items():
        for policy in role["identity_policies"]:
            found[f"{logical}/{policy['name']}"] = policy["document"]
        trust = copy.deepcopy(role["trust_policy"])
        for statement in trust["Statement"]:
            statement.setdefault("Resource", role["arn"])
        found[f"{logical} trust policy"] = trust
    for logical, key in stack.key_policies.items():
        found[f"{logical} key policy"] = key["policy"]
    for logical, policy in stack.lambda_permissions.items():
        found[f"{logical} function policy"] = policy
    return found


def findings(document: dict) -> list[str]:
    """One line per finding; a finding that lists actions becomes one line per action, so each is
    explained (or not) on its own."""
    result = analyze_policy_string(json.dumps(document), include_community_auditors=True)
    lines = []
    for f in result.findings:
        detail = f.detail or f.location.get("actions", "")
        if isinstance(detail, list) and all(isinstance(d, str) for d in detail):
            lines.extend(f"{f.issue}: {[d]}" for d in detail)
        else:
            lines.append(f"{f.issue}: {detail}")
    return lines


def allowed_by(label: str, finding: str) -> Allowed | None:
    return next((a for a in ALLOWED if re.fullmatch(a.policy, label) and re.match(a.finding, finding)), None)


CASES = [(p.name, label) for p in ALL for label in policies(rendered(p.name))]


@pytest.mark.parametrize("parameter_set, label", CASES, ids=[f"{p}: {label}" for p, label in CASES])
def test_parliament_finds_nothing_unexplained(parameter_set, label):
    unexplained = [f for f in findings(policies(rendered(parameter_set))[label]) if allowed_by(label, f) is None]
    assert not unexplained, f"{label}: {unexplained}"


def test_every_allowed_finding_still_occurs():
    """An entry nothing matches any more is stale: remove it."""
    used = {ALLOWED.index(entry) for p in ALL for label, document in policies(rendered(p.name)).items()
            for finding in findings(document) if (entry := allowed_by(label, finding)) is not None}
    assert used == set(range(len(ALLOWED))), [ALLOWED[i].finding for i in set(range(len(ALLOWED))) - used]
