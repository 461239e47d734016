"""Every call is authorized by the IAM simulator with the stack's own policies (template.yaml,
rendered): principals, denials in each protocol's shape, the call log's authorization, networks."""

import json
import threading
import time
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from botocore.exceptions import ClientError

import saml
from conftest import default_world

ACCOUNT = "123456789012"
DOMAIN = "d-7ac2bcf8fc16"
ROLE_ML = f"arn:aws:iam::{ACCOUNT}:role/SageMakerExecutionML"
SEAL = "alias/studiogate-presign-seal"


def error(excinfo) -> tuple[str, str, int]:
    response = excinfo.value.response
    return response["Error"]["Code"], response["Error"].get("Message", ""), response["ResponseMetadata"]["HTTPStatusCode"]


def last_call(emulator, operation: str, service: str | None = None) -> dict:
    calls = [c for c in emulator.control("GET", "/calls")
             if c["operation"] == operation and (service is None or c["service"] == service)]
    assert calls, f"no {operation} in the call log"
    return calls[-1]


def sids(authorization: dict) -> set:
    return {d["sid"] for d in authorization["deciding"]}


def profile(emulator, world, name: str, owner: str | None = None) -> str:
    client = emulator.client("sagemaker")
    arn = client.create_user_profile(DomainId=DOMAIN, UserProfileName=name,
                                     Tags=[{"Key": "studiouserid", "Value": owner or name}])["UserProfileArn"]
    deadline = time.time() + 5
    while client.describe_user_profile(DomainId=DOMAIN, UserProfileName=name)["Status"] != "InService":
        assert time.time() < deadline
        time.sleep(0.05)
    return arn


def federated(emulator, name: str = "alice", **kwargs) -> dict:
    tags = kwargs.pop("tags", {"studiouserid": name})
    return saml.assume(emulator, saml.response(session_name=name, name_id=f"{name}@example.com", tags=tags, **kwargs))["Credentials"]


def presign(emulator, world, creds: dict, owner: str, network: str = "sagemaker.api") -> str:
    url = world["endpoints"][network] if network in world["endpoints"] else world["networks"][network]
    client = emulator.client("sagemaker", creds, url=url)
    return client.create_presigned_domain_url(DomainId=DOMAIN, UserProfileName=owner)["AuthorizedUrl"]


# ------------------------------------------------------------------ the world
def test_the_world_is_the_rendered_stack_with_its_principals_and_networks(emulator, world):
    assert set(world["function_credentials"]) == {"saml-validator", "presign", "offboard"}
    roles = world["stack"]["roles"]
    for function, logical in (("saml-validator", "SamlValidatorRole"), ("presign", "PresignRole"),
                              ("offboard", "OffboardRole")):
        creds = world["function_credentials"][function]
        assert creds["arn"] == f"arn:aws:sts::{ACCOUNT}:assumed-role/{roles[logical]['name']}/{function}"
        assert creds["access_key_id"].startswith("ASIA") and creds["session_token"]
        identity = emulator.client("sts", creds).get_caller_identity()
        assert identity["Arn"] == creds["arn"]
    # StudioNetworkMode vpc; dynamodb is the gateway endpoint presign spends seals through.
    assert set(world["endpoints"]) == {"sagemaker.api", "studio", "sts", "ssm", "kms", "dynamodb"}
    assert set(world["networks"]) == {"internet", "corporate"}
    assert world["stack"]["endpoints"]["sagemaker.api"]["id"] == world["stack"]["outputs"]["SageMakerApiEndpointId"]
    assert world["operator"]["access_key_id"] == "AKIAEMULATOROPERATOR"
    iam = emulator.client("iam")
    assert iam.get_role(RoleName="StudioUser")["Role"]["MaxSessionDuration"] == 43200
    assert iam.get_role(RoleName="StudioAdmin")["Role"]["MaxSessionDuration"] == 3600
    assert sorted(iam.list_role_policies(RoleName="StudioAdmin")["PolicyNames"]) == \
        sorted(iam.list_role_policies(RoleName="StudioUser")["PolicyNames"])
    key = emulator.client("kms").get_key_policy(KeyId=world["kms_mac_keys"][SEAL], PolicyName="default")["Policy"]
    assert {s["Sid"] for s in json.loads(key)["Statement"]} == {"AccountAdministersButCannotUse", "OnlySamlValidatorSeals", "OnlyPresignChecks"}
    # Function credentials stay the same across a reset and a new seed (a running local stack keeps them).
    emulator.control("POST", "/reset")
    assert emulator.control("GET", "/world") == {}
    with pytest.raises(ClientError):
        emulator.client("sts", world["function_credentials"]["presign"]).get_caller_identity()
    again = emulator.control("POST", "/seed", default_world())

    def keys(creds: dict) -> dict:
        return {f: {k: c[k] for k in ("access_key_id", "secret_access_key", "session_token", "arn")} for f, c in creds.items()}

    assert keys(again["function_credentials"]) == keys(world["function_credentials"])


def test_a_call_is_authorized_and_the_log_says_how(emulator, world):
    emulator.client("sagemaker").list_domains()
    call = last_call(emulator, "ListDomains")
    authorization = call["authorization"]
    assert authorization["decision"] == "Allowed" and authorization["action"] == "sagemaker:ListDomains"
    assert authorization["resource"] == "*" and authorization["principal"] == "arn:aws:iam::123456789012:user/emulator-operator"
    assert authorization["deciding"] == [{"policy": "AdministratorAccess", "sid": "AdministratorAccess", "effect": "Allow",
                                          "kind": "identity", "index": 1}]
    assert authorization["context_keys"]["aws:SourceIp"] == "203.0.113.10" and call["network"] == "internet"
    assert authorization["network"] == {"name": "internet", "aws:SourceIp": "203.0.113.10"}


# ------------------------------------------------------------------ authentication
@pytest.mark.parametrize("service, call, code, status", [
    ("sts", lambda c: c.get_caller_identity(), "InvalidClientTokenId", 403),
    ("iam", lambda c: c.list_roles(), "InvalidClientTokenId", 403),
    ("sagemaker", lambda c: c.list_domains(), "UnrecognizedClientException", 400),
    ("dynamodb", lambda c: c.list_tables(), "UnrecognizedClientException", 400),
    ("kms", lambda c: c.list_keys(), "UnrecognizedClientException", 400),
])
def test_a_key_the_emulator_never_issued_is_refused(emulator, world, service, call, code, status):
    with pytest.raises(ClientError) as excinfo:
        call(emulator.client(service, {"AccessKeyId": "AKIANEVERISSUED0001", "SecretAccessKey": "x"}))
    assert error(excinfo)[0] == code and error(excinfo)[2] == status
    assert last_call(emulator, excinfo.value.operation_name)["signer"] == {"kind": "unknown", "access_key_id": "AKIANEVERISSUED0001"}


def test_an_issued_key_with_another_session_token_is_refused(emulator, world):
    creds = {**world["function_credentials"]["presign"], "session_token": "not-the-token"}
    with pytest.raises(ClientError) as excinfo:
        emulator.client("sts", creds).get_caller_identity()
    assert error(excinfo)[0] == "InvalidClientTokenId"


def test_get_caller_identity_needs_no_permission(emulator, world):
    creds = federated(emulator, "nobody")
    assert emulator.client("sts", creds).get_caller_identity()["Arn"].endswith(":assumed-role/StudioUser/nobody")
    assert last_call(emulator, "GetCallerIdentity")["authorization"]["decision"] == "Allowed"


def test_an_assertion_without_the_owner_tag_assumes_nothing(emulator, world):
    """The user role's trust policy requires PrincipalTag:studiouserid, the value its ABAC compares."""
    with pytest.raises(ClientError) as excinfo:
        federated(emulator, "nobody", tags={})
    assert error(excinfo)[0] == "AccessDenied"
    denied = last_call(emulator, "AssumeRoleWithSAML")["authorization"]
    assert denied["decision"] == "ImplicitlyDenied" and "aws:RequestTag/studiouserid" in denied["explanation"]


# ------------------------------------------------------------------ the operator
def test_the_operator_administers_but_the_seal_key_policy_still_applies(emulator, world):
    kms = emulator.client("kms")
    assert kms.describe_key(KeyId=SEAL)["KeyMetadata"]["KeySpec"] == "HMAC_256"
    described = last_call(emulator, "DescribeKey")["authorization"]
    assert sids(described) == {"AdministratorAccess", "AccountAdministersButCannotUse"}
    assert described["context_keys"]["kms:RequestAlias"] == SEAL
    with pytest.raises(ClientError) as excinfo:
        kms.generate_mac(KeyId=SEAL, Message=b"m", MacAlgorithm="HMAC_SHA_256")
    code, message, status = error(excinfo)
    key_arn = f"arn:aws:kms:us-east-1:{ACCOUNT}:key/{world['kms_mac_keys'][SEAL]}"
    assert (code, status) == ("AccessDeniedException", 400)
    assert message == (f"User: arn:aws:iam::{ACCOUNT}:user/emulator-operator is not authorized to perform: kms:GenerateMac "
                       f"on resource: {key_arn} because no resource-based policy allows the kms:GenerateMac action")


# ------------------------------------------------------------------ the functions' credentials
def test_saml_validator_may_do_what_its_role_allows_and_nothing_else(emulator, world):
    creds = world["function_credentials"]["saml-validator"]
    emulator.client("dynamodb", creds).put_item(TableName="studiogate-replay", Item={"pk": {"S": "issuer#a1"}, "expires_at": {"N": "1"}})
    put = last_call(emulator, "PutItem")["authorization"]
    assert put["decision"] == "Allowed" and sids(put) == {"ReplayCache"}
    assert put["resource"] == f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/studiogate-replay"
    assert put["context_keys"]["dynamodb:LeadingKeys"] == ["issuer#a1"]
    kms = emulator.client("kms", creds)
    mac = kms.generate_mac(KeyId=SEAL, Message=b"m", MacAlgorithm="HMAC_SHA_256")["Mac"]
    assert sids(last_call(emulator, "GenerateMac")["authorization"]) == {"SealPresignRequests", "OnlySamlValidatorSeals"}
    with pytest.raises(ClientError) as excinfo:
        kms.verify_mac(KeyId=SEAL, Message=b"m", Mac=mac, MacAlgorithm="HMAC_SHA_256")
    assert error(excinfo)[0] == "AccessDeniedException"
    with pytest.raises(ClientError) as excinfo:  # the key policy also pins the algorithm
        kms.generate_mac(KeyId=SEAL, Message=b"m", MacAlgorithm="HMAC_SHA_512")
    assert error(excinfo)[0] == "AccessDeniedException"
    with pytest.raises(ClientError) as excinfo:
        emulator.client("sagemaker", creds).describe_user_profile(DomainId=DOMAIN, UserProfileName="alice")
    assert error(excinfo)[:2] == ("AccessDeniedException", (
        f"User: {creds['arn']} is not authorized to perform: sagemaker:DescribeUserProfile on resource: "
        f"arn:aws:sagemaker:us-east-1:{ACCOUNT}:user-profile/{DOMAIN}/alice because no identity-based policy allows "
        "the sagemaker:DescribeUserProfile action"))


def test_presign_may_do_what_its_role_allows_and_nothing_else(emulator, world):
    creds = world["function_credentials"]["presign"]
    mac = emulator.client("kms", world["function_credentials"]["saml-validator"]).generate_mac(
        KeyId=SEAL, Message=b"m", MacAlgorithm="HMAC_SHA_256")["Mac"]
    kms = emulator.client("kms", creds, url=world["endpoints"]["kms"])
    assert kms.verify_mac(KeyId=SEAL, Message=b"m", Mac=mac, MacAlgorithm="HMAC_SHA_256")["MacValid"]
    verify = last_call(emulator, "VerifyMac")
    assert sids(verify["authorization"]) == {"CheckRequestSeals", "OnlyPresignChecks"} and verify["network"] == "kms"
    with pytest.raises(ClientError) as excinfo:
        kms.generate_mac(KeyId=SEAL, Message=b"m", MacAlgorithm="HMAC_SHA_256")
    assert error(excinfo)[0] == "AccessDeniedException"
    with pytest.raises(ClientError) as excinfo:
        emulator.client("dynamodb", creds).put_item(TableName="studiogate-replay", Item={"pk": {"S": "x"}})
    assert error(excinfo)[0] == "AccessDeniedException"
    config = emulator.client("ssm", creds, url=world["endpoints"]["ssm"]).get_parameter(Name="/studiogate/studiogate/config")
    assert config["Parameter"]["Value"].startswith("[login]")
    assert sids(last_call(emulator, "GetParameter")["authorization"]) == {"Configuration"}
    with pytest.raises(ClientError) as excinfo:
        emulator.client("ssm", creds, url=world["endpoints"]["ssm"]).get_parameter(Name="/other/secret")
    assert error(excinfo)[0] == "AccessDeniedException"
    emr = emulator.client("emr", creds)   # through the NAT: the internet
    assert emr.describe_studio(StudioId=world["emr_studios"]["idc"]["id"])["Studio"]["AuthMode"] == "SSO"
    assert sids(last_call(emulator, "DescribeStudio")["authorization"]) == {"EmrStudio"}
    with pytest.raises(ClientError) as excinfo:
        emr.list_studios()
    assert error(excinfo)[0] == "AccessDeniedException"


def test_presign_creates_profiles_passing_only_the_mapped_execution_roles(emulator, world):
    sagemaker = emulator.client("sagemaker", world["function_credentials"]["presign"], url=world["endpoints"]["sagemaker.api"])
    sagemaker.create_user_profile(DomainId=DOMAIN, UserProfileName="alice", UserSettings={"ExecutionRole": ROLE_ML},
                                  Tags=[{"Key": "studiouserid", "Value": "alice"}])
    created = last_call(emulator, "CreateUserProfile")["authorization"]
    assert created["decision"] == "Allowed" and sids(created) == {"UserProfiles"}
    assert created["context_keys"]["aws:RequestTag/studiouserid"] == "alice" and created["context_keys"]["aws:TagKeys"] == ["studiouserid"]
    passed = created["requests"][1]
    assert (passed["action"], passed["resource"], passed["decision"]) == ("iam:PassRole", ROLE_ML, "Allowed")
    assert passed["context_keys"]["iam:PassedToService"] == "sagemaker.amazonaws.com" and sids(passed) == {"PassMappedExecutionRoles"}
    other = f"arn:aws:iam::{ACCOUNT}:role/EMRStudioUser"
    with pytest.raises(ClientError) as excinfo:
        sagemaker.create_user_profile(DomainId=DOMAIN, UserProfileName="bob", UserSettings={"ExecutionRole": other})
    code, message, _ = error(excinfo)
    assert code == "AccessDeniedException" and f"iam:PassRole on resource: {other}" in message
    refused = last_call(emulator, "CreateUserProfile")["authorization"]
    assert refused["action"] == "iam:PassRole" and [r["decision"] for r in refused["requests"]] == ["Allowed", "ImplicitlyDenied"]
    # presign tags profiles (that is its job), but never re-owns one: the owner tag is set once.
    alice = f"arn:aws:sagemaker:us-east-1:{ACCOUNT}:user-profile/{DOMAIN}/alice"
    sagemaker.add_tags(ResourceArn=alice, Tags=[{"Key": "team", "Value": "ml"}])
    assert sids(last_call(emulator, "AddTags")["authorization"]) == {"UserProfiles"}
    with pytest.raises(ClientError) as excinfo:
        sagemaker.add_tags(ResourceArn=alice, Tags=[{"Key": "studiouserid", "Value": "mallory"}])
    assert error(excinfo)[0] == "AccessDeniedException"
    assert sids(last_call(emulator, "AddTags")["authorization"]) == {"NeverReownAProfile"}


# ------------------------------------------------------------------ spaces
SPACE_IMAGE = "arn:aws:sagemaker:us-east-1:081325390199:image/sagemaker-distribution-cpu"


def space_request(name: str, owner: str = "alice", sharing: str = "Private", tags: dict | None = None) -> dict:
    request = {"DomainId": DOMAIN, "SpaceName": name, "SpaceSharingSettings": {"SharingType": sharing},
               "OwnershipSettings": {"OwnerUserProfileName": owner},
               "SpaceSettings": {"AppType": "JupyterLab",
                                 "JupyterLabAppSettings": {"DefaultResourceSpec": {"InstanceType": "ml.t3.medium",
                                                                                  "SageMakerImageArn": SPACE_IMAGE}},
                                 "SpaceStorageSettings": {"EbsStorageSettings": {"EbsVolumeSizeInGb": 10}}}}
    if tags:
        request["Tags"] = [{"Key": k, "Value": v} for k, v in tags.items()]
    return request


def wait_space(client, name: str) -> None:
    deadline = time.time() + 5
    while client.describe_space(DomainId=DOMAIN, SpaceName=name)["Status"] != "InService":
        assert time.time() < deadline
        time.sleep(0.05)


def test_space_operations_are_the_iam_requests_the_reference_lists(emulator, world):
    profile(emulator, world, "alice")
    client = emulator.client("sagemaker")
    space_arn = f"arn:aws:sagemaker:us-east-1:{ACCOUNT}:space/{DOMAIN}/alice-private"
    alice_arn = f"arn:aws:sagemaker:us-east-1:{ACCOUNT}:user-profile/{DOMAIN}/alice"
    client.create_space(**space_request("alice-private", tags={"studiouserid": "alice"}))
    created = last_call(emulator, "CreateSpace")["authorization"]
    create, tag = created["requests"]
    assert (create["action"], create["resource"], create["decision"]) == ("sagemaker:CreateSpace", space_arn, "Allowed")
    keys = {k: v for k, v in create["context_keys"].items() if not k.startswith("aws:") or "Tag" in k}
    assert keys == {"aws:RequestTag/studiouserid": "alice", "aws:TagKeys": ["studiouserid"],
                    "sagemaker:OwnerUserProfileArn": alice_arn, "sagemaker:SpaceSharingType": "Private",
                    "sagemaker:InstanceTypes": ["ml.t3.medium"], "sagemaker:ImageArns": [SPACE_IMAGE]}
    # Tags on create: sagemaker:AddTags on the new space, which has no tags yet.
    assert (tag["action"], tag["resource"], tag["decision"], tag["why"]) == (
        "sagemaker:AddTags", space_arn, "Allowed", "tags the new space (CreateSpace Tags)")
    keys = {k: v for k, v in tag["context_keys"].items() if not k.startswith("aws:") or "Tag" in k}
    assert keys == {"aws:RequestTag/studiouserid": "alice", "aws:TagKeys": ["studiouserid"], "sagemaker:TaggingAction": "CreateSpace"}
    # Without tags there is no AddTags request.
    client.create_space(**space_request("alice-other"))
    assert "requests" not in last_call(emulator, "CreateSpace")["authorization"]
    wait_space(client, "alice-private")

    client.update_space(DomainId=DOMAIN, SpaceName="alice-private", SpaceSettings={
        "JupyterLabAppSettings": {"DefaultResourceSpec": {"InstanceType": "ml.m5.large"}}})
    update = last_call(emulator, "UpdateSpace")["authorization"]
    assert (update["action"], update["resource"], update["decision"]) == ("sagemaker:UpdateSpace", space_arn, "Allowed")
    keys = {k: v for k, v in update["context_keys"].items() if not k.startswith("aws:") or "Tag" in k}
    # The new settings' keys; the owner and sharing type of the space as it is (UpdateSpace cannot change them).
    assert keys == {"sagemaker:InstanceTypes": ["ml.m5.large"], "sagemaker:OwnerUserProfileArn": alice_arn,
                    "sagemaker:SpaceSharingType": "Private",
                    "aws:ResourceTag/studiouserid": "alice", "sagemaker:ResourceTag/studiouserid": "alice"}

    client.describe_space(DomainId=DOMAIN, SpaceName="alice-private")
    described = last_call(emulator, "DescribeSpace")["authorization"]
    assert (described["action"], described["resource"]) == ("sagemaker:DescribeSpace", space_arn)
    assert {k for k in described["context_keys"] if not k.startswith("aws:") or "Tag" in k} == {
        "aws:ResourceTag/studiouserid", "sagemaker:ResourceTag/studiouserid"}
    client.list_spaces(DomainIdEquals=DOMAIN)
    listed = last_call(emulator, "ListSpaces")["authorization"]
    assert (listed["action"], listed["resource"], listed["decision"]) == ("sagemaker:ListSpaces", "*", "Allowed")
    client.add_tags(ResourceArn=space_arn, Tags=[{"Key": "team", "Value": "ml"}])
    tagged = last_call(emulator, "AddTags")["authorization"]
    assert tagged["resource"] == space_arn and tagged["context_keys"]["sagemaker:ResourceTag/studiouserid"] == "alice"
    assert "sagemaker:TaggingAction" not in tagged["context_keys"]
    client.delete_space(DomainId=DOMAIN, SpaceName="alice-private")
    deleted = last_call(emulator, "DeleteSpace")["authorization"]
    assert (deleted["action"], deleted["resource"], deleted["decision"]) == ("sagemaker:DeleteSpace", space_arn, "Allowed")
    assert deleted["context_keys"]["sagemaker:OwnerUserProfileArn"] == alice_arn
    assert deleted["context_keys"]["sagemaker:SpaceSharingType"] == "Private"
    assert deleted["context_keys"]["sagemaker:ResourceTag/team"] == "ml"


def test_presign_creates_private_spaces_only_and_never_reowns_one(emulator, world):
    profile(emulator, world, "alice")
    sagemaker = emulator.client("sagemaker", world["function_credentials"]["presign"], url=world["endpoints"]["sagemaker.api"])
    sagemaker.create_space(**space_request("alice-private", tags={"studiouserid": "alice"}))
    created = last_call(emulator, "CreateSpace")["authorization"]
    assert [(r["action"], r["decision"]) for r in created["requests"]] == [
        ("sagemaker:CreateSpace", "Allowed"), ("sagemaker:AddTags", "Allowed")]
    assert sids(created["requests"][0]) == {"CreatePrivateSpaces"} and sids(created["requests"][1]) == {"TagNewSpaces"}
    with pytest.raises(ClientError) as excinfo:  # a shared space is no user's private space
        sagemaker.create_space(**space_request("team", sharing="Shared", tags={"studiouserid": "alice"}))
    code, message, _ = error(excinfo)
    assert code == "AccessDeniedException" and "sagemaker:CreateSpace on resource: " in message
    refused = last_call(emulator, "CreateSpace")["authorization"]
    assert refused["decision"] == "ImplicitlyDenied" and "sagemaker:SpaceSharingType" in refused["explanation"]
    with pytest.raises(ClientError) as excinfo:  # nor one without an owner tag
        sagemaker.create_space(**space_request("untagged"))
    assert error(excinfo)[0] == "AccessDeniedException"
    wait_space(emulator.client("sagemaker"), "alice-private")
    sagemaker.update_space(DomainId=DOMAIN, SpaceName="alice-private", SpaceSettings={
        "SpaceStorageSettings": {"EbsStorageSettings": {"EbsVolumeSizeInGb": 20}}})
    assert sids(last_call(emulator, "UpdateSpace")["authorization"]) == {"PrivateSpaces"}
    space_arn = f"arn:aws:sagemaker:us-east-1:{ACCOUNT}:space/{DOMAIN}/alice-private"
    with pytest.raises(ClientError) as excinfo:
        sagemaker.add_tags(ResourceArn=space_arn, Tags=[{"Key": "studiouserid", "Value": "mallory"}])
    assert error(excinfo)[0] == "AccessDeniedException"
    assert sids(last_call(emulator, "AddTags")["authorization"]) == {"NeverReownASpace"}
    with pytest.raises(ClientError) as excinfo:  # presign never deletes spaces
        sagemaker.delete_space(DomainId=DOMAIN, SpaceName="alice-private")
    assert error(excinfo)[0] == "AccessDeniedException"


# ------------------------------------------------------------------ the federated user
def test_alice_presigns_her_profile_only_through_the_sagemaker_api_endpoint(emulator, world):
    profile(emulator, world, "alice")
    creds = federated(emulator, "alice")
    assert "/auth?token=" in presign(emulator, world, creds, "alice", "sagemaker.api")
    call = last_call(emulator, "CreatePresignedDomainUrl")
    assert call["network"] == "sagemaker.api" and sids(call["authorization"]) == {"OpenOwnProfile"}
    keys = call["authorization"]["context_keys"]
    assert keys["aws:SourceVpce"] == world["stack"]["endpoints"]["sagemaker.api"]["id"]
    assert keys["aws:SourceVpc"] == "vpc-0studiogate0local" and keys["aws:VpcSourceIp"].startswith("10.0.")
    assert keys["aws:PrincipalTag/studiouserid"] == "alice" and keys["sagemaker:ResourceTag/studiouserid"] == "alice"
    assert "aws:SourceIp" not in keys
    for network in ("internet", "corporate"):
        with pytest.raises(ClientError) as excinfo:
            presign(emulator, world, creds, "alice", network)
        code, message, status = error(excinfo)
        assert (code, status) == ("AccessDeniedException", 400)
        assert message.endswith("with an explicit deny in an identity-based policy")
        denied = last_call(emulator, "CreatePresignedDomainUrl")["authorization"]
        assert denied["decision"] == "ExplicitlyDenied" and sids(denied) == {"OnlyFromTheAllowedNetworks"}
        assert denied["deciding"][0]["policy"] == "studio-network"


def test_alice_cannot_presign_or_retag_bobs_profile(emulator, world):
    bob = profile(emulator, world, "bob")
    creds = federated(emulator, "alice")
    with pytest.raises(ClientError) as excinfo:
        presign(emulator, world, creds, "bob")
    assert error(excinfo)[1].endswith("because no identity-based policy allows the sagemaker:CreatePresignedDomainUrl action")
    denied = last_call(emulator, "CreatePresignedDomainUrl")["authorization"]
    assert denied["decision"] == "ImplicitlyDenied" and "sagemaker:ResourceTag/studiouserid" in denied["explanation"]
    with pytest.raises(ClientError) as excinfo:
        emulator.client("sagemaker", creds, url=world["endpoints"]["sagemaker.api"]).add_tags(
            ResourceArn=bob, Tags=[{"Key": "studiouserid", "Value": "alice"}])
    assert error(excinfo)[0] == "AccessDeniedException"


def test_a_policy_changed_through_iam_applies_at_once(emulator, world):
    profile(emulator, world, "alice")
    creds = federated(emulator, "alice")
    emulator.client("iam").put_role_policy(RoleName="StudioUser", PolicyName="freeze", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Sid": "Frozen", "Effect": "Deny", "Action": "sagemaker:*", "Resource": "*"}]}))
    with pytest.raises(ClientError):
        presign(emulator, world, creds, "alice")
    assert sids(last_call(emulator, "CreatePresignedDomainUrl")["authorization"]) == {"Frozen"}


# ------------------------------------------------------------------ STS: the trust policy
def test_assume_role_with_saml_is_refused_by_the_trust_policy_for_a_wrong_audience(emulator, world):
    # An AWS sign-in endpoint: the trust policy lists only the broker's ACS URL (AcceptAwsSignInRecipient=false).
    with pytest.raises(ClientError) as excinfo:
        federated(emulator, "alice", recipient="https://eu-west-1.signin.aws.amazon.com/saml")
    assert error(excinfo) == ("AccessDenied", "Not authorized to perform sts:AssumeRoleWithSAML", 403)
    authorization = last_call(emulator, "AssumeRoleWithSAML")["authorization"]
    assert authorization["decision"] == "ImplicitlyDenied" and authorization["action"] == "sts:AssumeRoleWithSAML"
    assert authorization["principal"] == saml.PROVIDER
    assert authorization["context_keys"]["SAML:aud"] == "https://eu-west-1.signin.aws.amazon.com/saml"
    assert "SAML:aud" in authorization["explanation"]


def test_assume_role_with_saml_authorizes_tags_and_source_identity_as_sts_does(emulator, world):
    federated(emulator, "alice", source_identity="alice")
    authorization = last_call(emulator, "AssumeRoleWithSAML")["authorization"]
    requests = {r["action"]: r for r in authorization["requests"]}
    assert set(requests) == {"sts:AssumeRoleWithSAML", "sts:TagSession", "sts:SetSourceIdentity"}
    assert all(r["decision"] == "Allowed" for r in requests.values())
    assert requests["sts:TagSession"]["context_keys"]["aws:RequestTag/studiouserid"] == "alice"
    source = requests["sts:SetSourceIdentity"]
    # The reference (and so iam-simulate) gives sts:SetSourceIdentity no SAML keys: alone it would deny.
    assert source["evaluated_as"]["reference_decision"] == "ImplicitlyDenied"
    assert source["evaluated_as"]["statements"] == [2] and source["deciding"][0]["sid"] == "TheirSourceIdentity"
    assert source["context_keys"]["sts:SourceIdentity"] == "alice"
    assert source["context_keys"]["SAML:aud"] == saml.ACS_URL


def test_source_identity_from_a_foreign_audience_is_refused(emulator, world):
    with pytest.raises(ClientError) as excinfo:
        federated(emulator, "alice", source_identity="alice", recipient="https://sso.example.test/acs")
    assert error(excinfo)[0] == "AccessDenied"


# ------------------------------------------------------------------ denial shapes
def test_access_denied_in_each_protocols_shape(emulator, world):
    creds = world["function_credentials"]["saml-validator"]
    with pytest.raises(ClientError) as excinfo:  # query protocol (IAM): AccessDenied, 403
        emulator.client("iam", creds).list_roles()
    assert error(excinfo) == ("AccessDenied", f"User: {creds['arn']} is not authorized to perform: iam:ListRoles because no "
                                              "identity-based policy allows the iam:ListRoles action", 403)
    with pytest.raises(ClientError) as excinfo:  # JSON (DynamoDB)
        emulator.client("dynamodb", creds).delete_item(TableName="studiogate-replay", Key={"pk": {"S": "x"}})
    assert error(excinfo)[0::2] == ("AccessDeniedException", 400)
    with pytest.raises(ClientError) as excinfo:  # JSON (EMR)
        emulator.client("emr", creds).describe_studio(StudioId=world["emr_studios"]["iam"]["id"])
    assert error(excinfo)[0::2] == ("AccessDeniedException", 400)
    with pytest.raises(ClientError) as excinfo:  # REST-JSON (Lambda): 403
        emulator.client("lambda", world["function_credentials"]["presign"]).invoke(FunctionName="presign", Payload=b"{}")
    assert error(excinfo)[0::2] == ("AccessDeniedException", 403)
    assert last_call(emulator, "Invoke")["authorization"]["action"] == "lambda:InvokeFunction"


class _Runtime(BaseHTTPRequestHandler):
    """A stand-in for cargo lambda watch: echoes what it was asked to run."""

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        answer = json.dumps({"path": self.path, "payload": json.loads(body or b"null")}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *args):
        pass


def test_lambda_invoke_is_authorized_then_run_by_the_function_runtime(emulator, world):
    runtime = ThreadingHTTPServer(("127.0.0.1", 0), _Runtime)
    threading.Thread(target=runtime.serve_forever, daemon=True).start()
    try:
        emulator.control("POST", "/config", {"lambda_runtime": f"http://127.0.0.1:{runtime.server_address[1]}"})
        validator = emulator.client("lambda", world["function_credentials"]["saml-validator"])
        answer = json.loads(validator.invoke(FunctionName="presign", Payload=b'{"sealed": true}')["Payload"].read())
        assert answer == {"path": "/2015-03-31/functions/presign/invocations", "payload": {"sealed": True}}
        invoke = last_call(emulator, "Invoke")["authorization"]
        assert invoke["resource"] == f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:presign" and sids(invoke) == {"InvokePresign"}
        with pytest.raises(ClientError) as excinfo:  # its function policy lets the world in only through its URL
            emulator.client("lambda", world["function_credentials"]["presign"]).invoke(FunctionName="saml-validator", Payload=b"{}")
        assert error(excinfo)[0] == "AccessDeniedException"
    finally:
        emulator.control("POST", "/config", {"lambda_runtime": None})
        runtime.shutdown()


# ------------------------------------------------------------------ loud failures
def test_a_request_the_simulator_refuses_fails_loudly_never_allowed(emulator, world):
    with pytest.raises(ClientError) as excinfo:  # no SageMaker resource type is "nonsense"
        emulator.client("sagemaker").list_tags(ResourceArn=f"arn:aws:sagemaker:us-east-1:{ACCOUNT}:nonsense/x")
    assert error(excinfo)[0::2] == ("EmulatorAuthorizationFailure", 500)
    call = last_call(emulator, "ListTags")
    assert call["outcome"] == "AuthorizationFailed" and "nonsense" in call["authorization"]["error"]


def test_an_operation_without_a_mapping_fails_loudly(emulator, world):
    with pytest.raises(ClientError) as excinfo:
        emulator.client("dynamodb").batch_write_item(RequestItems={"studiogate-replay": [{"PutRequest": {"Item": {"pk": {"S": "x"}}}}]})
    assert error(excinfo)[0::2] == ("EmulatorAuthorizationFailure", 500)
    assert "no IAM mapping for dynamodb:BatchWriteItem" in last_call(emulator, "BatchWriteItem")["authorization"]["error"]


def test_an_endpoint_listener_serves_only_its_service(emulator, world):
    with pytest.raises(ClientError) as excinfo:
        emulator.client("sagemaker", url=world["endpoints"]["sts"]).list_domains()
    assert error(excinfo)[0::2] == ("MisdirectedRequest", 421)


def test_the_endpoints_follow_the_rendering(emulator, world):
    """Data-driven: a stack given existing endpoints (parameter set "existing-endpoints") gets
    listeners stamping those IDs; the listeners keep their ports."""
    from studiogate_emulator.seed import endpoint_key

    assert endpoint_key("aws.sagemaker.us-east-1.studio") == "studio"
    assert endpoint_key("com.amazonaws.us-east-1.sagemaker.api") == "sagemaker.api"
    emulator.control("POST", "/reset")
    description = {**default_world(), "stack": {**default_world()["stack"], "parameter_set": "existing-endpoints"}}
    other = emulator.control("POST", "/seed", description)
    assert other["endpoints"] == world["endpoints"]
    assert {k: v["id"] for k, v in other["stack"]["endpoints"].items()} == {
        "sagemaker.api": "vpce-0a1b2c3d4e5f60718", "sts": "vpce-0b1c2d3e4f5a60718",
        "ssm": "vpce-0c1d2e3f4a5b60718", "kms": "vpce-0d1e2f3a4b5c60718", "studio": "vpce-0e1f2a3b4c5d60718",
        "dynamodb": "vpce-0f1a2b3c4d5e60718"}
    emulator.client("sagemaker", url=other["endpoints"]["sagemaker.api"]).list_domains()
    assert last_call(emulator, "ListDomains")["authorization"]["context_keys"]["aws:SourceVpce"] == "vpce-0a1b2c3d4e5f60718"
