"""The scenarios are not vacuous: break the rendered policy the way a scenario guards against, and the
scenario must fail, by the simulator's decision (not by a refused request)."""

from __future__ import annotations

import copy
from typing import Callable

import pytest

from studiogate_iam.params import rendered
from studiogate_iam.render import RenderedStack
from studiogate_iam.scenarios import BY_NAME, SCENARIOS


def identity_statement(stack: RenderedStack, role: str, sid: str) -> dict:
    return next(s for p in stack.roles[role]["identity_policies"] for s in p["document"]["Statement"] if s.get("Sid") == sid)


def remove_identity_statement(stack: RenderedStack, role: str, sid: str) -> None:
    for policy in stack.roles[role]["identity_policies"]:
        policy["document"]["Statement"] = [s for s in policy["document"]["Statement"] if s.get("Sid") != sid]


def key_statement(stack: RenderedStack, sid: str) -> dict:
    return next(s for s in stack.key_policies["PresignSealKey"]["policy"]["Statement"] if s.get("Sid") == sid)


def remove_key_statement(stack: RenderedStack, sid: str) -> None:
    policy = stack.key_policies["PresignSealKey"]["policy"]
    policy["Statement"] = [s for s in policy["Statement"] if s.get("Sid") != sid]


def trust(stack: RenderedStack, sid: str = "FederatedThroughTheBroker") -> dict:
    return next(s for s in stack.roles["StudioUserRole"]["trust_policy"]["Statement"] if s["Sid"] == sid)


def permission(stack: RenderedStack, logical: str) -> dict:
    sid = stack.resources[logical]["Physical"]["Ref"]
    return next(s for s in stack.lambda_permissions["SamlValidatorFunction"]["Statement"] if s["Sid"] == sid)


def set_(target: dict, key: str, value) -> None:
    target[key] = value


def role_trust(stack: RenderedStack, role: str) -> dict:
    return stack.roles[role]["trust_policy"]["Statement"][0]


def add_offboard_permission(stack: RenderedStack) -> None:
    stack.lambda_permissions["OffboardFunction"] = {"Version": "2012-10-17", "Statement": [{
        "Sid": "Anyone", "Effect": "Allow", "Principal": "*", "Action": "lambda:InvokeFunction",
        "Resource": stack.functions["OffboardFunction"]["arn"]}]}


def offboarding_rendered_anyway(stack: RenderedStack) -> None:
    """The offboard resources of LOCAL's rendering, as if their Condition were ignored."""
    local = rendered("local")
    stack.resources.update({k: copy.deepcopy(v) for k, v in local.resources.items() if k.startswith("Offboard")})
    for role in ("OffboardRole", "OffboardSchedulerRole"):
        stack.roles[role] = copy.deepcopy(local.roles[role])
    stack.functions["OffboardFunction"] = copy.deepcopy(local.functions["OffboardFunction"])


def add_presign_permission(stack: RenderedStack) -> None:
    stack.lambda_permissions["PresignFunction"] = {"Version": "2012-10-17", "Statement": [{
        "Sid": "Anyone", "Effect": "Allow", "Principal": "*", "Action": "lambda:InvokeFunction",
        "Resource": stack.functions["PresignFunction"]["arn"]}]}


def enable_iam_policies_on_the_key(stack: RenderedStack) -> None:
    stack.key_policies["PresignSealKey"]["policy"]["Statement"].append({
        "Sid": "EnableIamPolicies", "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{stack.place.account_id}:root"},
        "Action": "kms:*", "Resource": "*"})


Mutation = Callable[[RenderedStack], None]
MUTATIONS: list[tuple[str, str, str, Mutation]] = [
    # (scenario, parameter set, what breaks, how)
    ("presign attaches to its VPC", "local", "the new-interface statement gets the ec2:Vpc condition back",
     lambda s: set_(identity_statement(s, "PresignRole", "VpcAttachmentNewInterfaces"), "Condition",
                    identity_statement(s, "PresignRole", "VpcAttachmentInOwnVpc")["Condition"])),
    ("presign's VPC attachment stays in its VPC", "local", "VpcAttachmentInOwnVpc loses its ec2:Vpc condition",
     lambda s: identity_statement(s, "PresignRole", "VpcAttachmentInOwnVpc").pop("Condition")),
    ("presign's VPC attachment stays in its VPC", "local", "ec2:Vpc widened to any VPC",
     lambda s: set_(identity_statement(s, "PresignRole", "VpcAttachmentInOwnVpc"), "Condition", {"ArnLike": {"ec2:Vpc": "arn:aws:ec2:*:*:vpc/*"}})),
    ("presign manages only its VPC's interfaces", "local", "the existing-interface statement loses ec2:Vpc",
     lambda s: identity_statement(s, "PresignRole", "VpcAttachmentExistingInterfaces").pop("Condition")),
    ("presign never re-owns a profile", "local", "the re-owning deny removed",
     lambda s: remove_identity_statement(s, "PresignRole", "NeverReownAProfile")),
    ("presign never re-owns a profile", "local", "the deny applies only while the profile has no owner",
     lambda s: set_(identity_statement(s, "PresignRole", "NeverReownAProfile")["Condition"], "Null",
                    {"sagemaker:ResourceTag/studiouserid": "true"})),
    ("presign creates only private, owned spaces", "local", "shared spaces admitted",
     lambda s: identity_statement(s, "PresignRole", "CreatePrivateSpaces")["Condition"].pop("StringEquals")),
    ("presign creates only private, owned spaces", "local", "any owner admitted",
     lambda s: identity_statement(s, "PresignRole", "CreatePrivateSpaces")["Condition"].pop("ArnLike")),
    ("presign creates only private, owned spaces", "local", "spaces of every domain readable",
     lambda s: set_(identity_statement(s, "PresignRole", "ReadSpaces"), "Resource", "*")),
    ("presign creates only private, owned spaces", "local", "any space may be updated",
     lambda s: identity_statement(s, "PresignRole", "PrivateSpaces").pop("Condition")),
    ("presign creates only private, owned spaces", "local", "the space re-owning deny removed",
     lambda s: remove_identity_statement(s, "PresignRole", "NeverReownASpace")),
    ("presign looks users up only in its Identity Store", "local", "every Identity Store admitted",
     lambda s: set_(identity_statement(s, "PresignRole", "IdentityStoreLookups"), "Resource", "*")),
    ("presign lists apps", "local", "ListUsersApps removed",
     lambda s: remove_identity_statement(s, "PresignRole", "ListUsersApps")),
    ("the user role requires the owner tag", "local", "the owner-tag condition dropped",
     lambda s: trust(s)["Condition"].pop("StringLike")),
    ("the user role requires the owner tag", "local", "any owner tag value, even empty",
     lambda s: set_(trust(s)["Condition"], "StringLike", {"aws:RequestTag/studiouserid": "*"})),
    ("alice opens her own profile through the endpoint", "local", "OpenOwnProfile removed",
     lambda s: remove_identity_statement(s, "StudioUserRole", "OpenOwnProfile")),
    ("alice opens her own profile through the endpoint", "local", "OpenOwnProfile names another domain",
     lambda s: set_(identity_statement(s, "StudioUserRole", "OpenOwnProfile"), "Resource",
                    "arn:aws:sagemaker:us-east-1:123456789012:user-profile/d-other/*")),
    ("alice cannot open bob's profile", "local", "the studiouserid condition dropped",
     lambda s: identity_statement(s, "StudioUserRole", "OpenOwnProfile").pop("Condition")),
    ("alice cannot open bob's profile", "local", "the studiouserid condition matches any tag",
     lambda s: set_(identity_statement(s, "StudioUserRole", "OpenOwnProfile"), "Condition",
                    {"StringLike": {"sagemaker:ResourceTag/studiouserid": "*"}})),
    ("presigning only from the allowed networks", "local", "the network deny removed",
     lambda s: remove_identity_statement(s, "StudioUserRole", "OnlyFromTheAllowedNetworks")),
    ("presigning only from the allowed networks", "local", "the network deny flipped to Allow",
     lambda s: set_(identity_statement(s, "StudioUserRole", "OnlyFromTheAllowedNetworks"), "Effect", "Allow")),
    ("presigning only from the allowed networks", "local", "the network deny admits any endpoint",
     lambda s: set_(identity_statement(s, "StudioUserRole", "OnlyFromTheAllowedNetworks"), "Condition",
                    {"StringNotLike": {"aws:SourceVpce": "*"}})),
    ("alice's browser is refused elsewhere", "local", "the network deny admits the internet's addresses",
     lambda s: set_(identity_statement(s, "StudioUserRole", "OnlyFromTheAllowedNetworks")["Condition"], "NotIpAddress",
                    {"aws:SourceIp": "203.0.113.0/24"})),
    ("alice's browser is refused elsewhere", "corporate-ip", "the corporate CIDR widened to the internet",
     lambda s: set_(identity_statement(s, "StudioUserRole", "OnlyFromTheAllowedNetworks")["Condition"], "NotIpAddress",
                    {"aws:SourceIp": ["198.51.100.0/24", "203.0.113.0/24"]})),
    ("alice's browser opens her Studio from the mode's networks", "local", "the Studio endpoint left out of the deny",
     lambda s: set_(identity_statement(s, "StudioUserRole", "OnlyFromTheAllowedNetworks")["Condition"]["StringNotEquals"],
                    "aws:SourceVpce", s.outputs["SageMakerApiEndpointId"])),
    ("alice's browser opens her Studio from the mode's networks", "corporate-ip", "the corporate CIDR dropped",
     lambda s: identity_statement(s, "StudioUserRole", "OnlyFromTheAllowedNetworks")["Condition"].pop("NotIpAddress")),
    ("only saml-validator seals", "local", "the seal statement and saml-validator's role also grant VerifyMac",
     lambda s: (set_(key_statement(s, "OnlySamlValidatorSeals"), "Action", ["kms:GenerateMac", "kms:VerifyMac"]),
                set_(identity_statement(s, "SamlValidatorRole", "SealPresignRequests"), "Action",
                     ["kms:GenerateMac", "kms:VerifyMac"]))),
    ("only saml-validator seals", "local", "the MAC algorithm condition dropped",
     lambda s: key_statement(s, "OnlySamlValidatorSeals")["Condition"].pop("StringEquals")),
    ("kms:* in IAM does not reach the seal key", "local", "the seal statement names any principal of the account",
     lambda s: key_statement(s, "OnlySamlValidatorSeals")["Condition"].pop("ArnEquals")),
    ("only saml-validator seals", "local", "the seal statement removed",
     lambda s: remove_key_statement(s, "OnlySamlValidatorSeals")),
    ("only presign checks seals", "local", "the seal statement and presign's role also admit presign",
     lambda s: (set_(key_statement(s, "OnlySamlValidatorSeals")["Condition"], "ArnEquals",
                     {"aws:PrincipalArn": [s.roles["SamlValidatorRole"]["arn"], s.roles["PresignRole"]["arn"]]}),
                set_(identity_statement(s, "PresignRole", "CheckRequestSeals"), "Action",
                     ["kms:VerifyMac", "kms:GenerateMac"]))),
    ("only presign checks seals", "local", "the check statement removed",
     lambda s: remove_key_statement(s, "OnlyPresignChecks")),
    ("the seal takes the key policy and the role's own", "local", "the seal statement names presign's role",
     lambda s: set_(key_statement(s, "OnlySamlValidatorSeals")["Condition"], "ArnEquals",
                    {"aws:PrincipalArn": s.roles["PresignRole"]["arn"]})),
    ("kms:* in IAM does not reach the seal key", "local", "the key policy enables IAM policies",
     enable_iam_policies_on_the_key),
    ("kms:* in IAM does not reach the seal key", "local", "the account's administration widened to kms:*",
     lambda s: set_(key_statement(s, "AccountAdministersButCannotUse"), "Action", "kms:*")),
    ("presign spends seals only through its gateway endpoint", "local", "the endpoint condition dropped",
     lambda s: identity_statement(s, "PresignRole", "SpendEachSealOnce")["Condition"].pop("StringEquals")),
    ("presign spends seals only through its gateway endpoint", "local", "every key writable",
     lambda s: identity_statement(s, "PresignRole", "SpendEachSealOnce")["Condition"].pop("ForAllValues:StringLike")),
    ("presign spends seals only through its gateway endpoint", "existing-endpoints", "the endpoint condition names another endpoint",
     lambda s: set_(identity_statement(s, "PresignRole", "SpendEachSealOnce")["Condition"]["StringEquals"], "aws:SourceVpce",
                    "vpce-0another0endpoint0")),
    ("saml-validator keeps assertions and AuthnRequests with PutItem alone", "local", "ReplayCache removed",
     lambda s: remove_identity_statement(s, "SamlValidatorRole", "ReplayCache")),
    ("saml-validator keeps assertions and AuthnRequests with PutItem alone", "local", "the table widened to every action",
     lambda s: set_(identity_statement(s, "SamlValidatorRole", "ReplayCache"), "Action", "dynamodb:*")),
    ("saml-validator reads only its SP key's secret", "sp-decryption-key", "every secret readable",
     lambda s: set_(identity_statement(s, "SamlValidatorRole", "ReadTheSpKey"), "Resource", "*")),
    ("saml-validator reads only its SP key's secret", "sp-decryption-key", "the secret's random suffix forgotten",
     lambda s: set_(identity_statement(s, "SamlValidatorRole", "ReadTheSpKey"), "Resource",
                    identity_statement(s, "SamlValidatorRole", "ReadTheSpKey")["Resource"].removesuffix("-??????"))),
    ("the user role refuses a foreign audience", "local", "the SAML:aud condition dropped",
     lambda s: trust(s)["Condition"].pop("StringEquals")),
    ("the user role refuses a foreign audience", "local", "SAML:aud matches anything",
     lambda s: set_(trust(s), "Condition", {"StringLike": {"SAML:aud": "*"}})),
    ("the user role trusts only its SAML provider", "local", "the trust admits every principal",
     lambda s: set_(trust(s), "Principal", "*")),
    ("the user role trusts only its SAML provider", "local", "the trust names a second provider",
     lambda s: set_(trust(s), "Principal", {"Federated": [trust(s)["Principal"]["Federated"],
                                                          "arn:aws:iam::123456789012:saml-provider/another-idp"]})),
    ("the user role accepts the additional audience", "additional-audiences", "the additional audience dropped",
     lambda s: set_(trust(s)["Condition"]["StringEquals"], "SAML:aud", [s.outputs["AcsUrl"]])),
    ("the user role accepts the broker's ACS URL", "local", "SAML:aud names the sign-in endpoint instead",
     lambda s: set_(trust(s)["Condition"]["StringEquals"], "SAML:aud", ["https://signin.aws.amazon.com/saml"])),
    ("the user role accepts the sign-in audience when opted in", "aws-sign-in-recipient", "the sign-in endpoints left out",
     lambda s: set_(trust(s)["Condition"]["StringEquals"], "SAML:aud", [s.outputs["AcsUrl"]])),
    ("the user role refuses the sign-in audience", "local", "the sign-in endpoint joins SAML:aud",
     lambda s: set_(trust(s)["Condition"]["StringEquals"], "SAML:aud",
                    [s.outputs["AcsUrl"], "https://signin.aws.amazon.com/saml"])),
    ("the user role refuses the sign-in audience", "http-api", "the region's sign-in endpoint joins SAML:aud",
     lambda s: set_(trust(s)["Condition"]["StringEquals"], "SAML:aud",
                    [s.outputs["AcsUrl"], "https://us-east-1.signin.aws.amazon.com/saml"])),
    ("only saml-validator invokes presign", "local", "presign gets a public function policy", add_presign_permission),
    ("only saml-validator invokes presign", "local", "presign's role may invoke any function",
     lambda s: s.roles["PresignRole"]["identity_policies"][0]["document"]["Statement"].append(
         {"Sid": "Widened", "Effect": "Allow", "Action": "lambda:InvokeFunction", "Resource": "*"})),
    ("only saml-validator invokes presign", "local", "InvokePresign removed",
     lambda s: remove_identity_statement(s, "SamlValidatorRole", "InvokePresign")),
    ("the function URL admits only URL invocations", "local", "the InvokedViaFunctionUrl condition dropped",
     lambda s: permission(s, "SamlValidatorUrlInvokePermission").pop("Condition")),
    ("the function URL admits only URL invocations", "local", "the URL permission wants AWS_IAM",
     lambda s: set_(permission(s, "SamlValidatorUrlPermission"), "Condition",
                    {"StringEquals": {"lambda:FunctionUrlAuthType": "AWS_IAM"}})),
    ("the HTTP API invokes only from its API", "http-api", "the SourceArn condition dropped",
     lambda s: permission(s, "HttpApiPermission").pop("Condition")),
    ("the HTTP API invokes only from its API", "http-api", "SourceArn widened to every API",
     lambda s: set_(permission(s, "HttpApiPermission"), "Condition",
                    {"ArnLike": {"AWS:SourceArn": "arn:aws:execute-api:*:*:*"}})),
    ("each function's role is assumed only by Lambda", "local", "the offboard role trusts every principal",
     lambda s: set_(role_trust(s, "OffboardRole"), "Principal", "*")),
    ("each function's role is assumed only by Lambda", "local", "the offboard role trusts Scheduler too",
     lambda s: set_(role_trust(s, "OffboardRole"), "Principal",
                    {"Service": ["lambda.amazonaws.com", "scheduler.amazonaws.com"]})),
    ("each function's role is assumed only by Lambda", "local", "the offboard role trusts the account too",
     lambda s: set_(role_trust(s, "OffboardRole"), "Principal",
                    {"Service": "lambda.amazonaws.com", "AWS": "arn:aws:iam::123456789012:root"})),
    ("each function's role is assumed only by Lambda", "no-offboarding", "presign's role trusts another service",
     lambda s: set_(role_trust(s, "PresignRole"), "Principal", {"Service": "sagemaker.amazonaws.com"})),
    ("offboard deletes only owner-tagged profiles", "local", "the Null owner-tag condition dropped",
     lambda s: identity_statement(s, "OffboardRole", "DeleteOwnerTaggedProfiles").pop("Condition")),
    ("offboard deletes only owner-tagged profiles", "local", "the owner tag required absent instead",
     lambda s: set_(identity_statement(s, "OffboardRole", "DeleteOwnerTaggedProfiles")["Condition"], "Null",
                    {"sagemaker:ResourceTag/studiouserid": "true"})),
    ("offboard deletes only owner-tagged profiles", "local", "profiles of every domain",
     lambda s: set_(identity_statement(s, "OffboardRole", "DeleteOwnerTaggedProfiles"), "Resource",
                    "arn:aws:sagemaker:us-east-1:123456789012:user-profile/*")),
    ("offboard deletes only owner-tagged private spaces", "local", "the SpaceSharingType condition dropped",
     lambda s: identity_statement(s, "OffboardRole", "DeleteOwnerTaggedPrivateSpaces")["Condition"].pop("StringEquals")),
    ("offboard deletes only owner-tagged private spaces", "local", "the Null owner-tag condition dropped",
     lambda s: identity_statement(s, "OffboardRole", "DeleteOwnerTaggedPrivateSpaces")["Condition"].pop("Null")),
    ("offboard deletes only owner-tagged private spaces", "local", "spaces of every domain",
     lambda s: set_(identity_statement(s, "OffboardRole", "DeleteOwnerTaggedPrivateSpaces"), "Resource",
                    "arn:aws:sagemaker:us-east-1:123456789012:space/*")),
    ("offboard deletes apps only in its domains", "local", "DeleteApp widened to app/*",
     lambda s: set_(identity_statement(s, "OffboardRole", "DeleteAppsOfTheDomain"), "Resource",
                    "arn:aws:sagemaker:us-east-1:123456789012:app/*")),
    ("offboard deletes apps only in its domains", "local", "DeleteAppsOfTheDomain removed",
     lambda s: remove_identity_statement(s, "OffboardRole", "DeleteAppsOfTheDomain")),
    ("offboard reads what it offboards", "local", "ListStudioResources removed",
     lambda s: remove_identity_statement(s, "OffboardRole", "ListStudioResources")),
    ("offboard reads what it offboards", "local", "profiles and spaces of every domain readable",
     lambda s: set_(identity_statement(s, "OffboardRole", "ReadProfilesAndSpaces"), "Resource", "*")),
    ("offboard only reads and deletes", "local", "the profile statement widened to sagemaker:*",
     lambda s: set_(identity_statement(s, "OffboardRole", "DeleteOwnerTaggedProfiles"), "Action", "sagemaker:*")),
    ("offboard only reads and deletes", "local", "the space statement may update spaces too",
     lambda s: set_(identity_statement(s, "OffboardRole", "DeleteOwnerTaggedPrivateSpaces"), "Action",
                    ["sagemaker:DeleteSpace", "sagemaker:UpdateSpace"])),
    ("offboard only reads and deletes", "local", "the Identity Center lookups may assign profiles too",
     lambda s: identity_statement(s, "OffboardRole", "EmrIdentityCenterLookups")["Action"].append("sso:AssociateProfile")),
    ("offboard unmaps only the stack's EMR Studios", "local", "the Studio statement widened to every Studio",
     lambda s: set_(identity_statement(s, "OffboardRole", "EmrStudio"), "Resource",
                    "arn:aws:elasticmapreduce:us-east-1:123456789012:studio/*")),
    ("offboard unmaps only the stack's EMR Studios", "local", "the Studio statement may map users too",
     lambda s: identity_statement(s, "OffboardRole", "EmrStudio")["Action"].append(
         "elasticmapreduce:CreateStudioSessionMapping")),
    ("offboard looks users up only in its Identity Store", "local", "every Identity Store admitted",
     lambda s: set_(identity_statement(s, "OffboardRole", "IdentityStoreLookups"), "Resource", "*")),
    ("the offboard schedule's role is assumed only by Scheduler for the account", "local",
     "the aws:SourceAccount condition dropped", lambda s: role_trust(s, "OffboardSchedulerRole").pop("Condition")),
    ("the offboard schedule's role is assumed only by Scheduler for the account", "local",
     "the schedule's role trusts Lambda too",
     lambda s: set_(role_trust(s, "OffboardSchedulerRole"), "Principal",
                    {"Service": ["scheduler.amazonaws.com", "lambda.amazonaws.com"]})),
    ("the offboard schedule's role is assumed only by Scheduler for the account", "local",
     "aws:SourceAccount names another account",
     lambda s: set_(role_trust(s, "OffboardSchedulerRole")["Condition"]["StringEquals"], "aws:SourceAccount",
                    "999999999999")),
    ("only the offboard schedule invokes offboard", "local", "the schedule's role may invoke every function",
     lambda s: set_(identity_statement(s, "OffboardSchedulerRole", "InvokeOffboard"), "Resource", "*")),
    ("only the offboard schedule invokes offboard", "local", "the schedule's role may do anything to offboard",
     lambda s: set_(identity_statement(s, "OffboardSchedulerRole", "InvokeOffboard"), "Action", "lambda:*")),
    ("only the offboard schedule invokes offboard", "local", "offboard gets a public function policy",
     add_offboard_permission),
    ("only the offboard schedule invokes offboard", "local", "presign's role may invoke any function",
     lambda s: s.roles["PresignRole"]["identity_policies"][0]["document"]["Statement"].append(
         {"Sid": "Widened", "Effect": "Allow", "Action": "lambda:InvokeFunction", "Resource": "*"})),
    ("only the offboard schedule invokes offboard", "local", "the schedule targets presign",
     lambda s: set_(s.resources["OffboardSchedule"]["Properties"]["Target"], "Arn", s.functions["PresignFunction"]["arn"])),
    ("only the offboard schedule invokes offboard", "local", "InvokeOffboard removed",
     lambda s: remove_identity_statement(s, "OffboardSchedulerRole", "InvokeOffboard")),
    ("without OffboardInactiveDays nothing offboards", "no-offboarding", "the offboard resources rendered anyway",
     offboarding_rendered_anyway),
    ("without OffboardInactiveDays nothing offboards", "no-offboarding", "presign's role may delete profiles",
     lambda s: s.roles["PresignRole"]["identity_policies"][0]["document"]["Statement"].append(
         {"Sid": "Widened", "Effect": "Allow", "Action": "sagemaker:DeleteUserProfile", "Resource": "*"})),
]


@pytest.mark.parametrize("scenario, parameter_set, what, mutate", MUTATIONS, ids=[f"{m[0]}: {m[2]}" for m in MUTATIONS])
def test_a_broken_policy_fails_the_scenario(scenario, parameter_set, what, mutate, sim):
    original = rendered(parameter_set)
    BY_NAME[scenario].check(original, sim)          # holds before the mutation
    broken = original.copy()
    mutate(broken)
    with pytest.raises(AssertionError) as failure:
        BY_NAME[scenario].check(broken, sim)
    assert "refused the request" not in str(failure.value), failure.value


def test_every_guarding_scenario_has_a_mutation():
    assert {s.name for s in SCENARIOS} == {m[0] for m in MUTATIONS}
