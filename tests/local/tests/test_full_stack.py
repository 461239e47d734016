"""The whole login over HTTP, with IAM enforced: the pysaml2 IdP signs, saml-validator (on the local
Lambda service, as its own role) validates, consumes the assertion in the emulator's DynamoDB, calls
the emulator's strict STS, invokes presign through the emulator's Lambda Invoke API (authorized by
IAM, then run by the Lambda service), presign works through the VPC endpoints' listeners, and the
answer is a redirect or a page."""

from __future__ import annotations

import base64
import json
import re
import time
import urllib.parse

import botocore.exceptions
import pytest

from studiogate_emulator import mint
from conftest import OPERATOR
from studiogate_local.functions import deployed_settings
from studiogate_local.once import forms_of, request

USER_ROLE = "arn:aws:iam::123456789012:role/StudioUser"
ADMIN_ROLE = "arn:aws:iam::123456789012:role/StudioAdmin"
DOMAIN = "d-7ac2bcf8fc16"


def heading(page: str) -> str:
    match = re.search(r"<h1>(.*?)</h1>", page)
    return match.group(1) if match else ""


def assert_secured(headers: dict) -> None:
    assert headers["cache-control"] == "no-store"
    assert headers["referrer-policy"] == "no-referrer"
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["x-frame-options"] == "DENY"
    assert headers["strict-transport-security"].startswith("max-age=")
    assert headers["content-security-policy"].startswith("default-src 'none'")


def test_sagemaker_login_creates_a_new_users_profile_and_reuses_it_when_they_return(stack, world):
    status, headers, _ = stack.login("alice", "sagemaker-user")
    assert status == 302
    assert_secured(headers)
    opened = stack.resolve(headers["location"])
    assert (opened["domain_id"], opened["user_profile_name"]) == (DOMAIN, "alice")
    assert opened["signer"]["arn"] == "arn:aws:sts::123456789012:assumed-role/StudioUser/alice"
    profile = stack.client("sagemaker").describe_user_profile(DomainId=DOMAIN, UserProfileName="alice")
    assert profile["UserSettings"]["ExecutionRole"] == world["roles"]["SageMakerExecutionML"], "ml-engineers rule"
    tags = {t["Key"]: t["Value"] for t in stack.client("sagemaker").list_tags(ResourceArn=profile["UserProfileArn"])["Tags"]}
    assert tags["studiouserid"] == "alice" and tags["cost-centre"] == "local"

    status, headers, _ = stack.login("alice", "sagemaker-user")
    assert status == 302
    assert stack.resolve(headers["location"])["user_profile_name"] == "alice"
    assert len(stack.calls("sagemaker:CreateUserProfile")) == 1, "the returning user's profile is reused"


def test_each_function_calls_aws_as_its_own_role_and_from_its_own_network(stack, world):
    """As deployed: saml-validator from the internet, presign in the VPC through the interface
    endpoints and the DynamoDB gateway endpoint (so IAM sees aws:SourceVpce), each signed by a session
    of its own role; every call of the login allowed by the stack's policies."""
    assert stack.login("alice", "sagemaker-user")[0] == 302
    validator = world["function_credentials"]["saml-validator"]["arn"]
    presign = world["function_credentials"]["presign"]["arn"]
    calls = stack.calls()
    seen = {(c["service"], c["operation"]): ((c["signer"] or {}).get("arn"), c["network"]) for c in calls}
    puts = {((c["signer"] or {}).get("arn"), c["network"]) for c in calls if c["operation"] == "PutItem"}
    assert puts == {(validator, "internet"), (presign, "dynamodb")}, "the assertion, then the seal (gateway endpoint)"
    assert seen[("kms", "GenerateMac")] == (validator, "internet")
    assert seen[("sts", "AssumeRoleWithSAML")] == (None, "internet"), "unsigned, from saml-validator"
    assert seen[("lambda", "Invoke")] == (validator, "internet")
    assert seen[("kms", "VerifyMac")] == (presign, "kms")
    assert seen[("sagemaker", "CreateUserProfile")] == (presign, "sagemaker.api")
    assert seen[("sagemaker", "CreatePresignedDomainUrl")] == (
        "arn:aws:sts::123456789012:assumed-role/StudioUser/alice", "sagemaker.api")
    assert [c for c in calls if c["outcome"] in ("AccessDenied", "AuthorizationFailed")] == []
    invoke = next(c for c in calls if c["operation"] == "Invoke")["authorization"]
    assert (invoke["action"], invoke["decision"]) == ("lambda:InvokeFunction", "Allowed")
    assert invoke["resource"] == "arn:aws:lambda:us-east-1:123456789012:function:presign"


def test_bob_gets_the_default_mapping_for_his_group(stack, world):
    status, headers, _ = stack.login("bob", "sagemaker-user")
    assert status == 302
    assert stack.resolve(headers["location"])["user_profile_name"] == "bob"
    profile = stack.client("sagemaker").describe_user_profile(DomainId=DOMAIN, UserProfileName="bob")
    assert profile["UserSettings"]["ExecutionRole"] == world["roles"]["SageMakerExecutionDefault"]


def test_emr_studio_in_iam_mode_signs_in_through_console_federation(stack, world):
    status, headers, _ = stack.login("alice", "emr-iam")
    assert status == 302
    location = urllib.parse.urlsplit(headers["location"])
    query = urllib.parse.parse_qs(location.query)
    assert location.path == "/federation" and query["Action"] == ["login"]
    studio = world["emr_studios"]["iam"]["id"]
    assert query["Destination"] == [f"https://console.aws.amazon.com/emr/home?region=us-east-1#studio/{studio}/start"]
    status, _, page = request("GET", headers["location"])
    assert status == 200 and "assumed-role/StudioUser/alice" in page
    (login,) = stack.control("GET", "/federation/logins")
    assert login["arn"] == "arn:aws:sts::123456789012:assumed-role/StudioUser/alice"


def test_emr_studio_in_identity_center_mode_gets_the_users_session_mapping(stack, world):
    studio = world["emr_studios"]["idc"]
    status, headers, _ = stack.login("alice", "emr-idc")
    assert status == 302
    assert headers["location"] == studio["url"]
    # The mapping names alice's Identity Store ID, which presign looked up by her user name.
    alice = world["identity_store"]["users"]["alice@example.com"]
    mapping = stack.client("emr").get_studio_session_mapping(
        StudioId=studio["id"], IdentityId=alice, IdentityType="USER")["SessionMapping"]
    assert (mapping["IdentityId"], mapping["SessionPolicyArn"]) == (alice, "arn:aws:iam::123456789012:policy/EMRStudioBasic")
    (looked_up,) = stack.calls("identitystore:GetUserId")
    assert looked_up["signer"]["arn"] == world["function_credentials"]["presign"]["arn"]
    (created,) = stack.calls("elasticmapreduce:CreateStudioSessionMapping")
    # EMR has no interface endpoint in the stack: presign reaches it through the NAT.
    assert (created["signer"]["arn"], created["network"]) == (world["function_credentials"]["presign"]["arn"], "internet")


@pytest.mark.parametrize("tile, relay_state, lands", [
    ("sagemaker-user", "sagemaker-ml", "studio.us-east-1.sagemaker.localhost"),
    ("emr-iam", "emr-iam", "/federation?Action=login"),
    ("emr-idc", "emr-idc", "emrstudio-prod.us-east-1.amazonaws.com"),
])
def test_relay_state_routes_each_tile_to_its_target(stack, world, tile, relay_state, lands):
    posted = stack.sign_in("alice", tile)
    assert posted["RelayState"] == relay_state
    status, headers, _ = stack.post_acs(posted)
    assert status == 302 and lands in headers["location"]


def test_several_roles_show_a_chooser_and_the_choice_completes_the_login(stack, world):
    posted = stack.sign_in("alice", "sagemaker-choose")
    status, headers, page = stack.post_acs(posted)
    assert status == 200 and heading(page) == "Choose a role"
    assert_secured(headers)
    assert not stack.calls("sts:AssumeRoleWithSAML"), "showing the chooser uses nothing up"
    (form,) = forms_of(page)
    assert form["action"] == "acs" and form["fields"]["SAMLResponse"] == posted["SAMLResponse"]
    choices = [b["value"] for b in form["buttons"]]
    assert choices == [f"sagemaker-ml {USER_ROLE}", f"sagemaker-ml {ADMIN_ROLE}"]

    status, headers, _ = stack.post_acs(posted, choice=f"sagemaker-ml {ADMIN_ROLE}")
    assert status == 302
    opened = stack.resolve(headers["location"])
    assert opened["signer"]["arn"] == "arn:aws:sts::123456789012:assumed-role/StudioAdmin/alice"
    status, _, page = stack.post_acs(posted, choice=f"sagemaker-ml {USER_ROLE}")
    assert status == 403 and "already used" in page, "the choice consumed the assertion"


def test_without_relay_state_the_chooser_offers_every_target_the_roles_allow(stack, world):
    status, _, page = stack.login("alice", "everything")
    assert status == 200 and heading(page) == "Choose a workspace"
    (form,) = forms_of(page)
    assert [b["value"] for b in form["buttons"]] == [
        f"emr-iam {USER_ROLE}", f"emr-idc {USER_ROLE}", f"sagemaker-ml {USER_ROLE}", f"sagemaker-ml {ADMIN_ROLE}",
        f"sagemaker-private {USER_ROLE}"]


def test_an_unknown_relay_state_is_a_400_and_not_a_redirect(stack, world):
    posted = stack.sign_in("alice", "sagemaker-user")
    status, headers, page = stack.post_acs({**posted, "RelayState": "https://evil.example/phish"})
    assert status == 400 and "location" not in headers
    assert heading(page) == "This sign-in link isn&#39;t set up"
    assert "evil.example" not in page


def test_the_same_response_posted_twice_is_refused_the_second_time(stack, world):
    posted = stack.sign_in("alice", "sagemaker-user")
    assert stack.post_acs(posted)[0] == 302
    status, _, page = stack.post_acs(posted)
    assert status == 403 and "This sign-in was already used" in page
    assert len(stack.calls("sts:AssumeRoleWithSAML")) == 1


def tampered(posted: dict) -> dict:
    xml = base64.b64decode(posted["SAMLResponse"]).decode()
    return {**posted, "SAMLResponse": base64.b64encode(xml.replace("alice@example.com", "mallory@example.com").encode()).decode()}


@pytest.mark.parametrize("case, make, page_heading", [
    ("expired", lambda s: s.sign_in(lifetime_minutes=-10), "This sign-in has expired"),
    ("wrong audience", lambda s: s.sign_in(audience="https://not-aws.example/"), "We couldn&#39;t sign you in"),
    ("tampered", lambda s: tampered(s.sign_in()), "We couldn&#39;t sign you in"),
    ("unsigned", lambda s: s.sign_in(sign="none"), "We couldn&#39;t sign you in"),
])
def test_the_validator_refuses_bad_responses_before_any_aws_call(stack, world, case, make, page_heading):
    status, headers, page = stack.post_acs(make(stack))
    assert status == 403, case
    assert heading(page) == page_heading, case
    assert_secured(headers)
    assert not stack.calls("sts:AssumeRoleWithSAML"), case
    assert not stack.calls("dynamodb:PutItem"), f"{case}: nothing consumed"


def test_an_assertion_the_validator_accepts_but_sts_refuses_gets_a_clear_page(stack, world):
    # The stack's validator also accepts the AWS sign-in Recipient (a misconfiguration); the user
    # role's trust policy does not (AcceptAwsSignInRecipient=false).
    status, _, page = stack.login("alice", "sagemaker-user", recipient="https://signin.aws.amazon.com/saml")
    assert status == 403
    assert "AWS did not accept this sign-in" in page
    (call,) = stack.calls("sts:AssumeRoleWithSAML")
    # The trust policy's SAML:aud decides: the sign-in endpoint is not an audience it names.
    assert call["outcome"] == "AccessDenied"
    authorization = call["authorization"]
    assert (authorization["action"], authorization["decision"]) == ("sts:AssumeRoleWithSAML", "ImplicitlyDenied")
    assert authorization["context_keys"]["SAML:aud"] == "https://signin.aws.amazon.com/saml"
    assert "SAML:aud" in authorization["explanation"]
    assert any('"reason":"sts-rejected"' in line for line in stack.log_lines())


def test_sts_throttling_is_retried_and_past_the_budget_gives_the_try_again_page(stack, world):
    stack.control("POST", "/faults", {"operation": "sts:AssumeRoleWithSAML", "kind": "throttle", "count": 1})
    assert stack.login()[0] == 302, "one throttle is retried"
    stack.control("POST", "/faults", {"operation": "sts:AssumeRoleWithSAML", "kind": "throttle"})
    status, headers, page = stack.login()
    assert status == 503 and headers["retry-after"] == "30"
    assert heading(page) == "Please try again in a minute"
    assert len(stack.calls("sts:AssumeRoleWithSAML")) > 3


def test_a_profile_owned_by_someone_else_is_refused_with_presigns_message(stack, world):
    stack.client("sagemaker").create_user_profile(
        DomainId=DOMAIN, UserProfileName="alice", Tags=[{"Key": "studiouserid", "Value": "mallory"}])
    status, _, page = stack.login("alice", "sagemaker-user")
    assert status == 403 and heading(page) == "You don&#39;t have access to this workspace"
    assert any('"reason":"presign-profile-owned-by-another"' in line for line in stack.log_lines())


def test_a_profile_still_being_created_gives_the_workspace_being_prepared_page(stack, world):
    stack.control("POST", "/config", {"transition_seconds": 60})
    status, headers, page = stack.login("bob", "sagemaker-user")
    assert status == 503 and headers["retry-after"] == "30"
    assert heading(page) == "Your workspace is being prepared"


def test_sagemaker_throttling_past_presigns_budget_gives_the_try_again_page(stack, world):
    stack.control("POST", "/faults", {"operation": "sagemaker:CreatePresignedDomainUrl", "kind": "throttle"})
    status, _, page = stack.login("alice", "sagemaker-user")
    assert status == 503 and heading(page) == "Please try again in a minute"


def test_metadata_and_health_are_served(stack):
    status, headers, body = request("GET", stack.ready["broker"] + "/saml/metadata")
    assert status == 200 and headers["content-type"] == "application/samlmetadata+xml"
    assert f'Location="{stack.acs}"' in body and 'entityID="urn:amazon:webservices"' in body
    status, _, body = request("GET", stack.ready["broker"] + "/healthz")
    assert (status, body) == (200, "ok")
    status, _, page = request("GET", stack.acs)
    assert status == 405 and heading(page) == "Start from your identity provider"


PROVIDER = "arn:aws:iam::123456789012:saml-provider/studiogate-test-idp"


def invoke_presign(stack, event: dict) -> dict:
    """A Lambda Invoke of presign through the emulator (IAM decides), signed by the operator: an
    administrator of the account, whom IAM lets invoke any function."""
    answer = stack.client("lambda").invoke(FunctionName="presign", Payload=json.dumps(event).encode())
    assert "FunctionError" not in answer, answer
    return json.loads(answer["Payload"].read())


def test_presign_invoked_directly_acts_only_on_requests_saml_validator_sealed(stack, world):
    """Someone who may invoke presign and holds their own federated session asks for the
    ml-engineers execution role: unsealed, sealed with their own key, or with a seal lifted from a
    genuine request. presign refuses each before provisioning anything."""
    posted = stack.sign_in("bob", "sagemaker-user")
    creds = stack.client("sts").assume_role_with_saml(
        RoleArn=USER_ROLE, PrincipalArn=PROVIDER, SAMLAssertion=posted["SAMLResponse"])["Credentials"]
    stack.secrets["credentials"].append({"secret_access_key": creds["SecretAccessKey"], "session_token": creds["SessionToken"]})
    # The user's own session may not invoke presign at all: IAM refuses it before presign runs.
    with pytest.raises(botocore.exceptions.ClientError) as refused:
        stack.client("lambda", creds).invoke(FunctionName="presign", Payload=b"{}")
    assert refused.value.response["Error"]["Code"] == "AccessDeniedException"
    assert stack.calls("lambda:Invoke")[-1]["authorization"]["action"] == "lambda:InvokeFunction"

    def presign_request(groups: list[str]) -> dict:
        return {
            "request_id": "forged-1", "target": "sagemaker-ml",
            "identity": {"name_id": "bob@example.com", "role_session_name": "bob", "groups": groups,
                         "principal_tags": {"studiouserid": "bob"}},
            "credentials": {"access_key_id": creds["AccessKeyId"], "secret_access_key": creds["SecretAccessKey"],
                            "session_token": creds["SessionToken"],
                            "expiration": creds["Expiration"].strftime("%Y-%m-%dT%H:%M:%SZ")},
        }

    # Sealed as saml-validator seals (the emulator's minting tool implements the same format).
    def seal(request: dict, **options) -> dict:
        return mint.seal(stack.emulator, request, **options)

    wanted = presign_request(["ml-engineers"])
    own_key = stack.client("kms").create_key(KeySpec="HMAC_256", KeyUsage="GENERATE_VERIFY_MAC")["KeyMetadata"]["KeyId"]
    lifted = {**seal(presign_request([])), "request": json.dumps(wanted)}
    # Their own key, which they (the operator here) may use; the stack's key refuses everyone but saml-validator.
    for event in (wanted, seal(wanted, key=own_key, credentials=OPERATOR), lifted, seal(wanted, sealed_at=int(time.time()) - 120)):
        answer = invoke_presign(stack, event)
        assert (answer["outcome"], answer["error"]["code"]) == ("error", "bad-request"), answer
    assert stack.calls("sagemaker:CreateUserProfile") == [], "nothing was provisioned"
    log = "\n".join(stack.log_lines())
    for reason in ("unsealed-request", "seal-mismatch", "seal-expired"):
        assert f'"reason":"{reason}"' in log, reason

    # The same request sealed with the stack's key, as saml-validator seals it, is served: the
    # refusals above were about the seal, not the request.
    genuine = seal(wanted)
    answer = invoke_presign(stack, genuine)
    assert answer["outcome"] == "redirect", answer
    stack.locations.append(answer["url"])
    assert len(stack.calls("sagemaker:CreateUserProfile")) == 1

    # Captured and sent again within its lifetime: the seal was spent, through the gateway endpoint.
    replayed = invoke_presign(stack, genuine)
    assert (replayed["outcome"], replayed["error"]["code"]) == ("error", "bad-request"), replayed
    assert '"reason":"seal-replayed"' in "\n".join(stack.log_lines())
    spends = [c for c in stack.calls("dynamodb:PutItem") if "presign" in json.dumps(c["signer"])]
    assert len(spends) == 2 and {c["network"] for c in spends} == {"dynamodb"}, "through the gateway endpoint only"
    items = stack.client("dynamodb").scan(TableName="studiogate-replay")["Items"]
    assert len([i for i in items if i["pk"]["S"].startswith("seal#")]) == 1, "one seal, spent once"


def test_the_functions_run_with_the_templates_settings_and_stay_warm(stack, world):
    for _ in range(2):
        assert stack.login("alice", "sagemaker-user")[0] == 302
    stats = stack.lambda_stats()
    settings = deployed_settings()
    for name, function in stats.items():
        logical = world["stack"]["functions"][name]["logical"]
        assert (function["timeout"], function["memory"]) == (settings[logical]["timeout"], settings[logical]["memory"]), name
        assert function["invocations"] > function["cold_starts"] >= 1, f"{name}: warm environments are reused"
        assert function["timeouts"] == 0 and function["throttles"] == 0, name
        assert all(e["peak_rss_kib"] for e in function["environments"]), f"{name}: memory measured"


def test_zz_no_log_line_holds_an_assertion_credentials_a_url_or_a_token(stack):
    """Last: searches everything the functions and the Lambda service logged during this session."""
    log = stack.function_logs() + "\n" + stack.logs["lambda"].read_text(encoding="utf-8", errors="replace")
    stack.collect_secrets()
    secrets = stack.secrets
    assert '"outcome":"redirect"' in log, "the functions' log is captured (audit lines present)"
    # 48 characters from the middle of each response (they all start with the same prolog), as
    # posted (base64) and form-encoded.
    middles = [r[len(r) // 2: len(r) // 2 + 48] for r in stack.posted_responses]
    needles = {
        "SAMLResponse": middles + [urllib.parse.quote_plus(m) for m in middles],
        "URL": stack.locations + [urllib.parse.quote(loc, safe="") for loc in stack.locations],
        "credential": [c[k] for c in secrets["credentials"] for k in ("secret_access_key", "session_token")],
        "sign-in token": secrets["signin_tokens"],
        "presigned-URL token": secrets["presigned_tokens"],
    }
    for kind, values in needles.items():
        assert values, f"the session handed out no {kind}: this search would prove nothing"
        for value in values:
            assert value not in log, f"a {kind} reached the log"
    for marker in ("urn:oasis:names:tc:SAML:2.0:protocol", "http://www.w3.org/2000/09/xmldsig#"):
        assert marker not in log, "no SAML document in the log"
    assert '"unknown-relay-state"' in log and "evil.example" not in log, (
        "an attacker's RelayState is logged as a reason code and a digest, never as its text")


def test_the_private_space_tile_creates_the_users_space_and_opens_it(stack, world):
    """A rule's private_space: the first login creates alice's private JupyterLab space, owned by her
    profile, with her rule's instance type and volume; the URL opens it; the next login reuses it."""
    status, headers, _ = stack.login("alice", "sagemaker-private")
    assert status == 302
    opened = stack.resolve(headers["location"])
    assert (opened["user_profile_name"], opened["space_name"]) == ("alice", "alice-private")
    space = stack.client("sagemaker").describe_space(DomainId=DOMAIN, SpaceName="alice-private")
    assert space["OwnershipSettings"]["OwnerUserProfileName"] == "alice"
    assert space["SpaceSharingSettings"]["SharingType"] == "Private"
    assert space["SpaceSettings"]["JupyterLabAppSettings"]["DefaultResourceSpec"]["InstanceType"] == "ml.m5.large"
    assert space["SpaceSettings"]["SpaceStorageSettings"]["EbsStorageSettings"]["EbsVolumeSizeInGb"] == 20
    assert stack.login("alice", "sagemaker-private")[0] == 302
    assert len(stack.calls("sagemaker:CreateSpace")) == 1, "the returning user's space is reused"
    assert [c for c in stack.calls() if c["outcome"] in ("AccessDenied", "AuthorizationFailed")] == []


def test_a_spoke_accounts_target_is_provisioned_there_and_opened_as_the_users_spoke_session(stack, world):
    """Hub and spoke over HTTP: the Team B tile's assertion (the spoke's role and provider) goes to
    the hub's ACS; STS issues spoke credentials; presign assumes the spoke's provisioning role with
    the external ID to create the profile there, and presigns with the user's spoke session through
    the hub's SageMaker API endpoint. Nothing is refused on the way."""
    stack.new_presign_environments()
    status, headers, page = stack.login("bob", "team-b")
    assert status == 302, page
    opened = stack.resolve(headers["location"])
    assert (opened["domain_id"], opened["user_profile_name"]) == (world["spoke"]["sagemaker_domains"]["spoke-ml"]["id"], "bob")
    (assumed,) = stack.calls("sts:AssumeRole")
    assert assumed["signer"]["arn"].startswith("arn:aws:sts::123456789012:assumed-role/"), "by presign's own role"
    (created,) = stack.calls("sagemaker:CreateUserProfile")
    assert created["signer"]["arn"] == "arn:aws:sts::222222222222:assumed-role/studiogate-spoke-provisioning/studiogate-presign"
    assert [c for c in stack.calls() if c["outcome"] in ("AccessDenied", "AuthorizationFailed")] == []
