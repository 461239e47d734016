"""STS AssumeRoleWithSAML is strict, and GetCallerIdentity knows the credentials it issued."""

from datetime import datetime, timedelta, timezone

import pytest
from botocore.exceptions import ClientError

import saml


def error_code(excinfo) -> str:
    return excinfo.value.response["Error"]["Code"]


def test_returns_credentials_and_the_assertions_identity(emulator, world):
    result = saml.assume(emulator, saml.response(source_identity="alice", tags={"studiouserid": "alice"}))
    assert result["AssumedRoleUser"]["Arn"] == "arn:aws:sts::123456789012:assumed-role/StudioUser/alice"
    assert result["Subject"] == "alice@example.com"
    assert result["SubjectType"] == "persistent"
    assert result["Issuer"] == saml.IDP_ENTITY_ID
    assert result["Audience"] == saml.ACS_URL   # STS's Audience is the Recipient
    assert result["SourceIdentity"] == "alice"
    assert len(result["NameQualifier"]) == 28
    assert result["Credentials"]["AccessKeyId"].startswith("ASIA")


def test_get_caller_identity_with_the_returned_credentials(emulator, world):
    creds = saml.assume(emulator, saml.response())["Credentials"]
    identity = emulator.client("sts", creds).get_caller_identity()
    assert identity["Arn"] == "arn:aws:sts::123456789012:assumed-role/StudioUser/alice"
    assert identity["Account"] == "123456789012"


def test_role_in_another_account(emulator, world):
    other = "210987654321"
    emulator.control("POST", "/seed", {
        "saml_providers": [{"name": "partner-idp", "account_id": other, "entity_id": saml.IDP_ENTITY_ID, "certificate_file": str(saml.KEYS / "idp-cert.pem")}],
        "roles": [{"name": "PartnerStudio", "account_id": other, "saml_provider": "partner-idp"}],
    })
    role, provider = f"arn:aws:iam::{other}:role/PartnerStudio", f"arn:aws:iam::{other}:saml-provider/partner-idp"
    # The provider named in the call must be the one in the other account, and the role trusts it.
    result = saml.assume(emulator, saml.response(roles=((role, provider),)), role=role, provider=provider)
    creds = result["Credentials"]
    assert emulator.client("sts", creds).get_caller_identity()["Arn"] == f"arn:aws:sts::{other}:assumed-role/PartnerStudio/alice"


@pytest.mark.parametrize("audience", ["urn:amazon:webservices", "https://signin.aws.amazon.com/saml",
                                      "https://signin.aws.amazon.com/saml#2"])
def test_accepts_the_audiences_sts_is_known_to_accept(emulator, world, audience):
    assert saml.assume(emulator, saml.response(audience=audience))["AssumedRoleUser"]["Arn"].endswith("/StudioUser/alice")


def test_multi_valued_role_attribute_lets_the_caller_pick_one_pair(emulator, world):
    both = saml.response(roles=((saml.STUDIO_USER, saml.PROVIDER), (saml.STUDIO_ADMIN, saml.PROVIDER)))
    result = saml.assume(emulator, both, role=saml.STUDIO_ADMIN)
    assert result["AssumedRoleUser"]["Arn"].endswith(":assumed-role/StudioAdmin/alice")


@pytest.mark.parametrize(
    "kwargs, code",
    [
        ({"key": "attacker"}, "InvalidIdentityToken"),
        ({"issuer": "https://other-idp.example"}, "InvalidIdentityToken"),
        ({"audience": "https://some-other-sp"}, "InvalidIdentityToken"),
        ({"audience": "https://signin.aws.amazon.com/saml#x"}, "InvalidIdentityToken"),
        # SAML:aud is the Recipient, and the stack's trust policy accepts only the broker's ACS URL.
        ({"recipient": "https://sso.example.test/saml/acs"}, "AccessDenied"),
        ({"recipient": "https://signin.aws.amazon.com/saml"}, "AccessDenied"),
        ({"issued": datetime.now(timezone.utc) - timedelta(minutes=20)}, "ExpiredTokenException"),
        ({"roles": ((saml.STUDIO_ADMIN, saml.PROVIDER),)}, "AccessDenied"),
        ({"session_name": "x"}, "InvalidIdentityToken"),
        ({"session_name": None}, "InvalidIdentityToken"),
        ({"status": "urn:oasis:names:tc:SAML:2.0:status:Responder"}, "IDPRejectedClaim"),
    ],
)
def test_rejects_what_sts_rejects(emulator, world, kwargs, code):
    with pytest.raises(ClientError) as excinfo:
        saml.assume(emulator, saml.response(**kwargs))
    assert error_code(excinfo) == code


def test_rejects_a_tampered_assertion(emulator, world):
    import base64

    document = base64.b64decode(saml.response()).replace(b"alice@example.com", b"admin@example.com")
    with pytest.raises(ClientError) as excinfo:
        saml.assume(emulator, base64.b64encode(document).decode())
    assert error_code(excinfo) == "InvalidIdentityToken"


def test_requires_the_role_to_trust_the_provider(emulator, world):
    role = "arn:aws:iam::123456789012:role/SageMakerExecutionDefault"
    with pytest.raises(ClientError) as excinfo:
        saml.assume(emulator, saml.response(roles=((role, saml.PROVIDER),)), role=role)
    assert error_code(excinfo) == "AccessDenied"


def test_duration_is_capped_by_session_duration_and_the_roles_maximum(emulator, world):
    result = saml.assume(emulator, saml.response(session_duration=1800), DurationSeconds=7200)
    lifetime = result["Credentials"]["Expiration"] - datetime.now(timezone.utc)
    assert timedelta(seconds=1700) < lifetime <= timedelta(seconds=1800)
    with pytest.raises(ClientError) as excinfo:  # StudioAdmin allows at most 3600 s
        saml.assume(emulator, saml.response(roles=((saml.STUDIO_ADMIN, saml.PROVIDER),)), role=saml.STUDIO_ADMIN, DurationSeconds=7200)
    assert error_code(excinfo) == "ValidationError"
    # boto3 refuses 600 s client-side; the Rust SDK does not, so send it raw as STS would get it.
    import urllib.error
    import urllib.parse
    import urllib.request

    form = urllib.parse.urlencode({"Action": "AssumeRoleWithSAML", "Version": "2011-06-15", "RoleArn": saml.STUDIO_USER,
                                   "PrincipalArn": saml.PROVIDER, "SAMLAssertion": saml.response(), "DurationSeconds": "600"}).encode()
    with pytest.raises(urllib.error.HTTPError) as raw:
        urllib.request.urlopen(urllib.request.Request(emulator.endpoint + "/", data=form), timeout=30)
    assert raw.value.code == 400 and b"<Code>ValidationError</Code>" in raw.value.read()
