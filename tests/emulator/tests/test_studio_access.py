"""What the browser opens is authorized as AWS documents: every Studio request as the signer's
sagemaker:CreatePresignedDomainUrl on the profile, from the browser's network; an EMR Studio deep
link as elasticmapreduce:CreateStudioPresignedUrl by the federated session."""

import json
import time
import urllib.parse

import pytest

import saml
from conftest import default_world

DOMAIN = "d-7ac2bcf8fc16"
INSUFFICIENT = "Auth token containing insufficient permissions"
GUARD = "OnlyFromTheAllowedNetworks"


def make_profile(emulator, name: str, owner: str | None = None) -> None:
    client = emulator.client("sagemaker")
    client.create_user_profile(DomainId=DOMAIN, UserProfileName=name, Tags=[{"Key": "studiouserid", "Value": owner or name}])
    deadline = time.time() + 5
    while client.describe_user_profile(DomainId=DOMAIN, UserProfileName=name)["Status"] != "InService":
        assert time.time() < deadline
        time.sleep(0.05)


def alices_url(emulator, world, profile: bool = True) -> str:
    """What presign does: alice's federated session presigns through the SageMaker API endpoint (her
    profile made first, unless it exists)."""
    if profile:
        make_profile(emulator, "alice")
    creds = saml.assume(emulator, saml.response(tags={"studiouserid": "alice"}))["Credentials"]
    client = emulator.client("sagemaker", creds, url=world["endpoints"]["sagemaker.api"])
    return client.create_presigned_domain_url(DomainId=DOMAIN, UserProfileName="alice")["AuthorizedUrl"]


def browser_calls(emulator, operation: str) -> list[dict]:
    return [c for c in emulator.control("GET", "/calls") if c["service"] == "browser" and c["operation"] == operation]


def test_alices_browser_opens_her_studio_inside_the_vpc_and_nowhere_else(emulator, world, browser):
    """StudioNetworkMode vpc (the local world's): Studio opens through the Studio interface endpoint;
    from the internet or the corporate network the user role's network guard refuses it, by IAM."""
    url = alices_url(emulator, world)
    status, _, page = browser.open(url, via=world["endpoints"]["studio"])
    assert status == 200 and '<dd id="profile">alice</dd>' in page, page
    for network in ("internet", "corporate"):
        status, _, page = browser.open(alices_url(emulator, world, profile=False), via=world["networks"][network])
        assert status == 403 and INSUFFICIENT in page
        opened = browser_calls(emulator, "OpenPresignedDomainUrl")[-1]
        authorization = opened["authorization"]
        assert (authorization["decision"], authorization["action"]) == ("ExplicitlyDenied", "sagemaker:CreatePresignedDomainUrl")
        assert {d["sid"] for d in authorization["deciding"]} == {GUARD}
        assert opened["signer"]["arn"].endswith(":assumed-role/StudioUser/alice") and opened["network"] == network


def test_corporate_ip_mode_opens_studio_from_the_corporate_addresses(emulator, world, browser):
    emulator.control("POST", "/reset")
    description = {**default_world(), "stack": {**default_world()["stack"], "parameters": {
        "StudioNetworkMode": "corporate-ip", "CorporateCidrs": ["198.51.100.0/24"]}}}
    emulator.control("POST", "/seed", description)
    url = alices_url(emulator, world)
    status, _, page = browser.open(url, via=world["networks"]["corporate"])
    assert status == 200 and '<dd id="network">corporate</dd>' in page, page
    status, _, page = browser.open(alices_url(emulator, world, profile=False), via=world["networks"]["internet"])
    assert status == 403 and INSUFFICIENT in page
    assert {d["sid"] for d in browser_calls(emulator, "OpenPresignedDomainUrl")[-1]["authorization"]["deciding"]} == {GUARD}


def test_every_studio_request_is_authorized_again_with_the_current_tags_and_network(emulator, world, browser):
    url = alices_url(emulator, world)
    api = world["endpoints"]["studio"]   # inside the VPC, through the Studio endpoint
    status, landed, page = browser.open(url, via=api)
    assert status == 200 and urllib.parse.urlsplit(landed).path == "/jupyterlab/default/lab"
    assert '<dd id="profile">alice</dd>' in page and '<dd id="network">studio</dd>' in page
    assert browser.open(landed, via=api)[0] == 200
    assert len(browser_calls(emulator, "StudioRequest")) == 2
    # The same session from another network: the request is judged where it comes from.
    status, _, page = browser.open(landed, via=world["networks"]["internet"])
    assert status == 403 and INSUFFICIENT in page
    # The profile retagged: the next request of the same session is refused.
    emulator.client("sagemaker").add_tags(ResourceArn=f"arn:aws:sagemaker:us-east-1:123456789012:user-profile/{DOMAIN}/alice",
                                          Tags=[{"Key": "studiouserid", "Value": "mallory"}])
    status, _, page = browser.open(landed, via=api)
    assert status == 403 and INSUFFICIENT in page
    last = browser_calls(emulator, "StudioRequest")[-1]["authorization"]
    assert last["decision"] == "ImplicitlyDenied" and last["context_keys"]["sagemaker:ResourceTag/studiouserid"] == "mallory"


def test_a_studio_page_without_a_session_is_refused(emulator, world, browser):
    status, _, _ = browser.open(world["networks"]["internet"] + "/jupyterlab/default/lab")
    assert status == 403


def test_presigned_urls_name_the_listener_of_the_browsers_network(emulator, world):
    make_profile(emulator, "alice")
    client = emulator.client("sagemaker")
    port = lambda url: urllib.parse.urlsplit(url).port  # noqa: E731
    default = client.create_presigned_domain_url(DomainId=DOMAIN, UserProfileName="alice")["AuthorizedUrl"]
    assert port(default) == port(world["networks"]["internet"])
    emulator.control("POST", "/config", {"studio_network": "corporate"})
    corporate = client.create_presigned_domain_url(DomainId=DOMAIN, UserProfileName="alice")["AuthorizedUrl"]
    assert port(corporate) == port(world["networks"]["corporate"])
    emulator.control("POST", "/config", {"studio_network": "vpc"})
    vpc = client.create_presigned_domain_url(DomainId=DOMAIN, UserProfileName="alice")["AuthorizedUrl"]
    assert port(vpc) == port(world["endpoints"]["studio"])


def _console(emulator, browser, creds: dict, studio: str) -> tuple[int, str]:
    session = json.dumps({"sessionId": creds["AccessKeyId"], "sessionKey": creds["SecretAccessKey"], "sessionToken": creds["SessionToken"]})
    base = emulator.endpoint + "/federation?"
    token = json.loads(browser.open(base + urllib.parse.urlencode({"Action": "getSigninToken", "Session": session}))[2])["SigninToken"]
    destination = f"https://console.aws.amazon.com/emr/home?region=us-east-1#studio/{studio}/start"
    status, _, page = browser.open(base + urllib.parse.urlencode({"Action": "login", "Issuer": "https://broker", "Destination": destination,
                                                                   "SigninToken": token}))
    assert status == 200 and f'href="/emr/studio/{studio}/start"' in page
    status, _, page = browser.open(emulator.endpoint + f"/emr/studio/{studio}/start")
    return status, page


def test_the_emr_studio_deep_link_is_authorized_as_the_federated_session(emulator, world, browser):
    studio = world["emr_studios"]["iam"]["id"]   # tagged studiogate-team=ml
    alice = saml.assume(emulator, saml.response(tags={"studiouserid": "alice", "team": "ml"}))["Credentials"]
    status, page = _console(emulator, browser, alice, studio)
    assert status == 200 and f'<dd id="studio-id">{studio}</dd>' in page
    (opened,) = browser_calls(emulator, "OpenEmrStudio")
    assert opened["authorization"]["action"] == "elasticmapreduce:CreateStudioPresignedUrl"
    assert {d["sid"] for d in opened["authorization"]["deciding"]} == {"OpenTaggedEmrStudio"}
    bob = saml.assume(emulator, saml.response(session_name="bob", tags={"studiouserid": "bob", "team": "finance"}))["Credentials"]
    status, page = _console(emulator, browser, bob, studio)
    assert status == 403 and "elasticmapreduce:CreateStudioPresignedUrl" in page
