"""Hub and spoke, end to end with IAM enforced: the hub's presign assumes the spoke's provisioning
role (template-spoke.yaml) with the external ID, provisions in the spoke's domain with those
credentials, the user signs in to the spoke's user role, presigns through the hub's SageMaker API
endpoint, and opens Studio through the hub's Studio endpoint."""

import json
import time
import urllib.parse

import pytest
from botocore.exceptions import ClientError

import saml

HUB = "123456789012"
SPOKE = "222222222222"
EXTERNAL_ID = "studiogate-local-spoke-external-id-0001"
SPOKE_EXECUTION = f"arn:aws:iam::{SPOKE}:role/SpokeSageMakerExecution"
INSUFFICIENT = "Auth token containing insufficient permissions"


def error(excinfo) -> tuple[str, str]:
    return excinfo.value.response["Error"]["Code"], excinfo.value.response["Error"].get("Message", "")


def last_call(emulator, operation: str, service: str | None = None) -> dict:
    calls = [c for c in emulator.control("GET", "/calls")
             if c["operation"] == operation and (service is None or c["service"] == service)]
    assert calls, f"no {operation} in the call log"
    return calls[-1]


def provisioning_role(world) -> str:
    return world["spoke"]["stack"]["outputs"]["ProvisioningRoleArn"]


def assume(emulator, world, creds=None, network: str = "sts", **kwargs) -> dict:
    """sts:AssumeRole of the spoke's provisioning role, by default as presign through the STS endpoint."""
    url = world["endpoints"][network] if network in world["endpoints"] else world["networks"][network]
    sts = emulator.client("sts", creds or world["function_credentials"]["presign"], url=url)
    return sts.assume_role(**{"RoleArn": provisioning_role(world), "RoleSessionName": "studiogate-presign", **kwargs})


def provisioning(emulator, world) -> object:
    """SageMaker as presign reaches a spoke: the provisioning role's credentials, the hub's endpoint."""
    creds = assume(emulator, world, ExternalId=EXTERNAL_ID)["Credentials"]
    return emulator.client("sagemaker", creds, url=world["endpoints"]["sagemaker.api"])


def make_profile(sagemaker, domain: str, name: str, owner: str | None = None) -> str:
    arn = sagemaker.create_user_profile(DomainId=domain, UserProfileName=name, UserSettings={"ExecutionRole": SPOKE_EXECUTION},
                                        Tags=[{"Key": "studiouserid", "Value": owner or name}])["UserProfileArn"]
    deadline = time.time() + 5
    while sagemaker.describe_user_profile(DomainId=domain, UserProfileName=name)["Status"] != "InService":
        assert time.time() < deadline
        time.sleep(0.05)
    return arn


def spoke_user(emulator, world, name: str = "alice") -> dict:
    """AssumeRoleWithSAML to the spoke's user role with the spoke's SAML provider (the same IdP)."""
    role, provider = world["spoke"]["stack"]["outputs"]["RoleAttributeValue"].split(",")
    answer = saml.assume(emulator, saml.response(roles=((role, provider),), session_name=name, name_id=f"{name}@example.com"),
                         role=role, provider=provider)
    assert answer["AssumedRoleUser"]["Arn"] == f"arn:aws:sts::{SPOKE}:assumed-role/SpokeStudioUser/{name}"
    return answer["Credentials"]


def test_the_world_has_the_spoke_and_its_ids(emulator, world):
    spoke = world["spoke"]
    assert spoke["account"] == SPOKE and spoke["stack"]["external_id"] == EXTERNAL_ID
    assert spoke["sagemaker_domains"]["spoke-ml"]["id"] == "d-60c059261bac"
    assert spoke["stack"]["outputs"] == {
        "SamlProviderArn": f"arn:aws:iam::{SPOKE}:saml-provider/studiogate-spoke-idp",
        "RoleAttributeValue": f"arn:aws:iam::{SPOKE}:role/SpokeStudioUser,arn:aws:iam::{SPOKE}:saml-provider/studiogate-spoke-idp",
        "ProvisioningRoleArn": f"arn:aws:iam::{SPOKE}:role/studiogate-spoke-provisioning"}
    # Deployed with the hub's outputs: the ACS the world serves, presign's role, the hub's endpoints.
    parameters, hub = spoke["stack"]["parameters"], world["stack"]["outputs"]
    assert parameters["HubAcsUrl"] == hub["AcsUrl"] == saml.ACS_URL
    assert parameters["HubPresignRoleArn"] == hub["PresignRoleArn"] == world["stack"]["roles"]["PresignRole"]["arn"]
    assert parameters["HubSageMakerApiEndpointId"] == world["stack"]["endpoints"]["sagemaker.api"]["id"]
    assert parameters["HubSageMakerStudioEndpointId"] == world["stack"]["endpoints"]["studio"]["id"]
    assert spoke["roles"]["SpokeSageMakerExecution"] == SPOKE_EXECUTION


# ------------------------------------------------------------------ sts:AssumeRole
@pytest.mark.parametrize("network", ["sts", "internet"])
def test_presign_assumes_the_provisioning_role_with_the_external_id(emulator, world, network):
    answer = assume(emulator, world, network=network, ExternalId=EXTERNAL_ID, DurationSeconds=900)
    assert answer["AssumedRoleUser"]["Arn"] == f"arn:aws:sts::{SPOKE}:assumed-role/studiogate-spoke-provisioning/studiogate-presign"
    assert answer["AssumedRoleUser"]["AssumedRoleId"].endswith(":studiogate-presign")
    lasts = answer["Credentials"]["Expiration"].timestamp() - time.time()
    assert 850 < lasts <= 900
    identity = emulator.client("sts", answer["Credentials"]).get_caller_identity()
    assert identity["Account"] == SPOKE and identity["Arn"] == answer["AssumedRoleUser"]["Arn"]
    authorization = last_call(emulator, "AssumeRole")["authorization"]
    assert (authorization["decision"], authorization["action"], authorization["resource"]) == (
        "Allowed", "sts:AssumeRole", provisioning_role(world))
    # Across accounts both sides grant it: presign's identity policy and the role's trust policy.
    assert {(d["kind"], d["sid"]) for d in authorization["deciding"]} == {
        ("identity", "AssumeSpokeProvisioningRoles"), ("resource", "OnlyTheHubsPresign")}
    assert authorization["context_keys"]["sts:ExternalId"] == EXTERNAL_ID
    assert authorization["context_keys"]["aws:PrincipalArn"] == world["stack"]["roles"]["PresignRole"]["arn"]


@pytest.mark.parametrize("external_id", [None, "studiogate-some-other-external-id"])
def test_without_the_external_id_the_trust_policy_refuses(emulator, world, external_id):
    kwargs = {"ExternalId": external_id} if external_id else {}
    with pytest.raises(ClientError) as excinfo:
        assume(emulator, world, **kwargs)
    presign = world["function_credentials"]["presign"]["arn"]
    assert error(excinfo) == ("AccessDenied", f"User: {presign} is not authorized to perform: sts:AssumeRole on resource: "
                                              f"{provisioning_role(world)}")
    assert excinfo.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    authorization = last_call(emulator, "AssumeRole")["authorization"]
    assert authorization["decision"] == "ImplicitlyDenied" and "sts:ExternalId" in authorization["explanation"]


def test_only_presign_may_assume_it(emulator, world):
    operator = {"AccessKeyId": "AKIAEMULATOROPERATOR", "SecretAccessKey": "emulator-operator-secret"}
    for creds in (world["function_credentials"]["saml-validator"], operator):
        with pytest.raises(ClientError) as excinfo:
            assume(emulator, world, creds, ExternalId=EXTERNAL_ID)
        assert error(excinfo)[0] == "AccessDenied"
    # The operator may do anything in its own account; the spoke's trust still names presign only.
    assert "aws:PrincipalArn" in last_call(emulator, "AssumeRole")["authorization"]["explanation"]
    # Across accounts the caller's own policies must allow it too: without presign's statement, no.
    iam = emulator.client("iam")
    role = world["stack"]["roles"]["PresignRole"]["name"]
    for name in iam.list_role_policies(RoleName=role)["PolicyNames"]:
        document = iam.get_role_policy(RoleName=role, PolicyName=name)["PolicyDocument"]
        kept = [s for s in document["Statement"] if s.get("Sid") != "AssumeSpokeProvisioningRoles"]
        if len(kept) != len(document["Statement"]):
            iam.put_role_policy(RoleName=role, PolicyName=name, PolicyDocument=json.dumps({**document, "Statement": kept}))
    with pytest.raises(ClientError) as excinfo:
        assume(emulator, world, ExternalId=EXTERNAL_ID)
    assert error(excinfo)[0] == "AccessDenied"
    assert {d["kind"] for d in last_call(emulator, "AssumeRole")["authorization"]["deciding"]} == set()


def test_a_role_that_does_not_exist_is_access_denied_too(emulator, world):
    with pytest.raises(ClientError) as excinfo:
        assume(emulator, world, RoleArn=f"arn:aws:iam::{SPOKE}:role/no-such-role", ExternalId=EXTERNAL_ID)
    assert error(excinfo)[0] == "AccessDenied" and "no-such-role" in error(excinfo)[1]


@pytest.mark.parametrize("kwargs, message", [
    ({"DurationSeconds": 7200}, "MaxSessionDuration"),        # the role's is 3600
    ({"DurationSeconds": 899}, "durationSeconds"),
    ({"RoleSessionName": "a b"}, "roleSessionName"),
    ({"ExternalId": "x"}, "externalId"),
])
def test_sts_validates_the_request(emulator, world, kwargs, message):
    with pytest.raises(ClientError) as excinfo:
        assume(emulator, world, **{"ExternalId": EXTERNAL_ID, **kwargs})
    code, text = error(excinfo)
    assert code == "ValidationError" and message in text


def test_role_chaining_is_limited_to_an_hour(emulator, world):
    iam = emulator.client("iam")
    arn = f"arn:aws:iam::{HUB}:role/LongSessions"
    iam.create_role(RoleName="LongSessions", MaxSessionDuration=7200, AssumeRolePolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{HUB}:root"},
                                                "Action": "sts:AssumeRole"}]}))
    iam.put_role_policy(RoleName="LongSessions", PolicyName="again", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": arn}]}))
    operator = emulator.client("sts")
    assert operator.assume_role(RoleArn=arn, RoleSessionName="op", DurationSeconds=7200)["AssumedRoleUser"]["Arn"].endswith("/op")
    chained = operator.assume_role(RoleArn=arn, RoleSessionName="op")["Credentials"]
    with pytest.raises(ClientError) as excinfo:
        emulator.client("sts", chained).assume_role(RoleArn=arn, RoleSessionName="again", DurationSeconds=7200)
    assert error(excinfo) == ("ValidationError", "The requested DurationSeconds exceeds the 1 hour session limit for roles "
                                                 "assumed by role chaining.")
    assert emulator.client("sts", chained).assume_role(RoleArn=arn, RoleSessionName="again")["AssumedRoleUser"]["Arn"].endswith(
        "/LongSessions/again")


# ------------------------------------------------------------------ SageMaker per account
def test_provisioning_works_in_the_spoke_domain_only(emulator, world):
    domain = world["spoke"]["sagemaker_domains"]["spoke-ml"]["id"]
    sagemaker = provisioning(emulator, world)
    with pytest.raises(ClientError) as excinfo:
        sagemaker.describe_user_profile(DomainId=domain, UserProfileName="alice")
    assert error(excinfo)[0] == "ResourceNotFound"
    arn = make_profile(sagemaker, domain, "alice")
    assert arn == f"arn:aws:sagemaker:us-east-1:{SPOKE}:user-profile/{domain}/alice"
    created = last_call(emulator, "CreateUserProfile")["authorization"]
    assert created["resource"] == arn and [r["resource"] for r in created["requests"]] == [arn, SPOKE_EXECUTION]
    assert sagemaker.list_tags(ResourceArn=arn)["Tags"] == [{"Key": "studiouserid", "Value": "alice"}]
    sagemaker.add_tags(ResourceArn=arn, Tags=[{"Key": "studiogate-last-login", "Value": "2024-01-01"}])
    with pytest.raises(ClientError) as excinfo:   # NeverReownAProfile, the spoke's own
        sagemaker.add_tags(ResourceArn=arn, Tags=[{"Key": "studiouserid", "Value": "mallory"}])
    assert error(excinfo)[0] == "AccessDeniedException"
    sagemaker.update_user_profile(DomainId=domain, UserProfileName="alice", UserSettings={"ExecutionRole": SPOKE_EXECUTION})
    assert sagemaker.list_apps(DomainIdEquals=domain)["Apps"] == []
    space = {"DomainId": domain, "SpaceName": "alice-private", "SpaceSharingSettings": {"SharingType": "Private"},
             "OwnershipSettings": {"OwnerUserProfileName": "alice"}, "SpaceSettings": {"AppType": "JupyterLab"},
             "Tags": [{"Key": "studiouserid", "Value": "alice"}]}
    assert sagemaker.create_space(**space)["SpaceArn"] == f"arn:aws:sagemaker:us-east-1:{SPOKE}:space/{domain}/alice-private"
    assert last_call(emulator, "CreateSpace")["authorization"]["context_keys"]["sagemaker:OwnerUserProfileArn"] == arn
    deadline = time.time() + 5
    while sagemaker.describe_space(DomainId=domain, SpaceName="alice-private")["Status"] != "InService":
        assert time.time() < deadline
        time.sleep(0.05)
    sagemaker.update_space(DomainId=domain, SpaceName="alice-private", SpaceSettings={"AppType": "JupyterLab"})
    # Only the spoke's execution roles may be passed, and nothing of the hub's domain is reachable.
    with pytest.raises(ClientError) as excinfo:
        sagemaker.create_user_profile(DomainId=domain, UserProfileName="bob", Tags=[{"Key": "studiouserid", "Value": "bob"}],
                                      UserSettings={"ExecutionRole": f"arn:aws:iam::{HUB}:role/SageMakerExecutionDefault"})
    assert error(excinfo)[0] == "AccessDeniedException" and "iam:PassRole" in error(excinfo)[1]
    with pytest.raises(ClientError) as excinfo:
        sagemaker.describe_user_profile(DomainId=world["sagemaker_domains"]["ml"]["id"], UserProfileName="alice")
    assert error(excinfo)[0] == "AccessDeniedException"


def test_the_hub_neither_sees_nor_changes_the_spokes_domain(emulator, world):
    """A DomainId is resolved in the caller's account: with the hub's credentials the spoke's domain
    is another account's. presign's policies name only the hub's domains, so IAM refuses first
    (AccessDeniedException, on the ARN in the hub's account); the operator, allowed everything in
    the hub, finds no such domain (ResourceNotFound)."""
    domain = world["spoke"]["sagemaker_domains"]["spoke-ml"]["id"]
    make_profile(provisioning(emulator, world), domain, "alice")
    presign = emulator.client("sagemaker", world["function_credentials"]["presign"], url=world["endpoints"]["sagemaker.api"])
    with pytest.raises(ClientError) as excinfo:
        presign.describe_user_profile(DomainId=domain, UserProfileName="alice")
    code, message = error(excinfo)
    assert code == "AccessDeniedException" and f":{HUB}:user-profile/{domain}/alice" in message
    with pytest.raises(ClientError) as excinfo:
        presign.create_user_profile(DomainId=domain, UserProfileName="mallory", Tags=[{"Key": "studiouserid", "Value": "mallory"}])
    assert error(excinfo)[0] == "AccessDeniedException"
    operator = emulator.client("sagemaker")
    with pytest.raises(ClientError) as excinfo:
        operator.describe_user_profile(DomainId=domain, UserProfileName="alice")
    assert error(excinfo)[0] == "ResourceNotFound"
    assert domain not in {d["DomainId"] for d in operator.list_domains()["Domains"]}
    assert operator.list_user_profiles()["UserProfiles"] == []
    # A spoke ARN named by hub credentials is a cross-account resource SageMaker has no policy for.
    spoke_arn = f"arn:aws:sagemaker:us-east-1:{SPOKE}:user-profile/{domain}/alice"
    with pytest.raises(ClientError) as excinfo:
        operator.list_tags(ResourceArn=spoke_arn)
    assert error(excinfo)[0] == "AccessDeniedException"


def test_the_control_api_addresses_the_spoke_with_account(emulator, world):
    domain = world["spoke"]["sagemaker_domains"]["spoke-ml"]["id"]
    sagemaker = provisioning(emulator, world)
    make_profile(sagemaker, domain, "alice")
    emulator.control("POST", "/sagemaker/apps", {"Account": SPOKE, "DomainId": domain, "UserProfileName": "alice"})
    assert [a["AppName"] for a in sagemaker.list_apps(DomainIdEquals=domain)["Apps"]] == ["default"]
    emulator.control("POST", "/sagemaker/profile-status", {"Account": SPOKE, "DomainId": domain, "UserProfileName": "alice",
                                                           "Status": "Failed"})
    assert sagemaker.describe_user_profile(DomainId=domain, UserProfileName="alice")["Status"] == "Failed"
    with pytest.raises(Exception) as excinfo:   # the hub's account has no such domain
        emulator.control("POST", "/sagemaker/apps", {"DomainId": domain, "UserProfileName": "alice"})
    assert getattr(excinfo.value, "code", None) == 404
    with pytest.raises(Exception) as excinfo:
        emulator.control("POST", "/sagemaker/apps", {"Account": "spoke", "DomainId": domain, "UserProfileName": "alice"})
    assert getattr(excinfo.value, "code", None) == 400


def test_a_spoke_session_reaches_only_what_the_emulator_keeps_per_account(emulator, world):
    creds = assume(emulator, world, ExternalId=EXTERNAL_ID)["Credentials"]
    with pytest.raises(ClientError) as excinfo:   # moto's services act in the hub's account: loud
        emulator.client("dynamodb", creds).list_tables()
    assert error(excinfo)[0] == "EmulatorAuthorizationFailure"


# ------------------------------------------------------------------ the spoke's users
def test_a_spoke_user_presigns_her_profile_through_the_hubs_endpoint_and_opens_studio(emulator, world, browser):
    domain = world["spoke"]["sagemaker_domains"]["spoke-ml"]["id"]
    sagemaker = provisioning(emulator, world)
    make_profile(sagemaker, domain, "alice")
    make_profile(sagemaker, domain, "bob")
    creds = spoke_user(emulator, world)
    api = emulator.client("sagemaker", creds, url=world["endpoints"]["sagemaker.api"])
    url = api.create_presigned_domain_url(DomainId=domain, UserProfileName="alice")["AuthorizedUrl"]
    presigned = last_call(emulator, "CreatePresignedDomainUrl")["authorization"]
    assert presigned["resource"] == f"arn:aws:sagemaker:us-east-1:{SPOKE}:user-profile/{domain}/alice"
    assert {d["sid"] for d in presigned["deciding"]} == {"OpenOwnProfile"}
    assert presigned["context_keys"]["aws:SourceVpce"] == world["stack"]["endpoints"]["sagemaker.api"]["id"]
    assert urllib.parse.urlsplit(url).hostname == f"{domain}.studio.us-east-1.sagemaker.localhost"
    resolved = emulator.control("GET", "/sagemaker/presigned?url=" + urllib.parse.quote(url))
    assert (resolved["account_id"], resolved["domain_id"], resolved["user_profile_name"]) == (SPOKE, domain, "alice")
    # Not bob's (the owner tag), and not from the internet (the network Deny names the hub's endpoints).
    with pytest.raises(ClientError) as excinfo:
        api.create_presigned_domain_url(DomainId=domain, UserProfileName="bob")
    assert error(excinfo)[0] == "AccessDeniedException"
    internet = emulator.client("sagemaker", creds, url=world["networks"]["internet"])
    with pytest.raises(ClientError) as excinfo:
        internet.create_presigned_domain_url(DomainId=domain, UserProfileName="alice")
    assert error(excinfo)[0] == "AccessDeniedException" and "explicit deny" in error(excinfo)[1]
    assert {d["sid"] for d in last_call(emulator, "CreatePresignedDomainUrl")["authorization"]["deciding"]} == {
        "OnlyFromTheAllowedNetworks"}

    # The browser, through the hub's Studio endpoint: each request is the spoke user's
    # CreatePresignedDomainUrl on the spoke's profile, under the spoke role's policies.
    status, landed, page = browser.open(url, via=world["endpoints"]["studio"])
    assert status == 200 and f'<dd id="domain">{domain}</dd>' in page and '<dd id="profile">alice</dd>' in page, page
    opened = last_call(emulator, "OpenPresignedDomainUrl", "browser")
    assert opened["authorization"]["resource"] == f"arn:aws:sagemaker:us-east-1:{SPOKE}:user-profile/{domain}/alice"
    assert opened["signer"]["arn"] == f"arn:aws:sts::{SPOKE}:assumed-role/SpokeStudioUser/alice"
    assert browser.open(landed, via=world["endpoints"]["studio"])[0] == 200
    status, _, page = browser.open(landed, via=world["networks"]["internet"])
    assert status == 403 and INSUFFICIENT in page
    assert {d["sid"] for d in last_call(emulator, "StudioRequest", "browser")["authorization"]["deciding"]} == {
        "OnlyFromTheAllowedNetworks"}
    # A second URL opened from the internet is refused at the landing already.
    url = api.create_presigned_domain_url(DomainId=domain, UserProfileName="alice")["AuthorizedUrl"]
    status, _, page = browser.open(url, via=world["networks"]["internet"])
    assert status == 403 and INSUFFICIENT in page


def test_the_spoke_role_trusts_only_its_own_provider_and_the_hubs_acs(emulator, world):
    role, provider = world["spoke"]["stack"]["outputs"]["RoleAttributeValue"].split(",")
    # The hub's provider named for the spoke's role: the pair is in the assertion, the trust refuses it.
    with pytest.raises(ClientError) as excinfo:
        saml.assume(emulator, saml.response(roles=((role, saml.PROVIDER),)), role=role, provider=saml.PROVIDER)
    assert error(excinfo)[0] == "AccessDenied"
    # An assertion made for another ACS (Recipient, SAML:aud).
    with pytest.raises(ClientError) as excinfo:
        saml.assume(emulator, saml.response(roles=((role, provider),), recipient="https://elsewhere.example/saml/acs"),
                    role=role, provider=provider)
    assert error(excinfo)[0] == "AccessDenied"
    # The hub's user cannot presign a spoke profile: her credentials act in the hub's account.
    domain = world["spoke"]["sagemaker_domains"]["spoke-ml"]["id"]
    make_profile(provisioning(emulator, world), domain, "alice")
    hub_user = saml.assume(emulator, saml.response())["Credentials"]
    with pytest.raises(ClientError) as excinfo:
        emulator.client("sagemaker", hub_user, url=world["endpoints"]["sagemaker.api"]).create_presigned_domain_url(
            DomainId=domain, UserProfileName="alice")
    assert error(excinfo)[0] == "AccessDeniedException"


def test_a_spoke_is_deployed_after_the_hub_in_its_own_account(emulator, world):
    import urllib.error

    from conftest import default_world

    description = default_world()
    emulator.control("POST", "/reset")
    for broken in ({k: v for k, v in description.items() if k != "stack"},
                   {**description, "spoke": {**description["spoke"], "account": HUB}},
                   {**description, "spoke": {**description["spoke"], "account": "333333333333"}}):
        with pytest.raises(urllib.error.HTTPError) as excinfo:
            emulator.control("POST", "/seed", broken)
        assert excinfo.value.code == 400
        emulator.control("POST", "/reset")
