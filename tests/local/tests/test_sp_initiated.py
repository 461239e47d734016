"""SP-initiated sign-in over HTTP, IAM enforced: `GET /login?target=KEY` on saml-validator remembers
an AuthnRequest in the emulator's DynamoDB (as its own role) and redirects to the local IdP, whose
pysaml2 checks the request's signature against the broker's metadata; the IdP's Response, naming
the request in InResponseTo, opens Studio once."""

from __future__ import annotations

import base64
import html
import re
import urllib.parse
import zlib

from studiogate_local.functions import ROOT
from studiogate_local.once import request

DOMAIN = "d-7ac2bcf8fc16"


def heading(page: str) -> str:
    match = re.search(r"<h1>(.*?)</h1>", page)
    return html.unescape(match.group(1)) if match else ""


def request_id(idp_url: str) -> str:
    """The ID of the AuthnRequest an IdP URL carries (DEFLATE, base64: SAML bindings §3.4.4.1)."""
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(idp_url).query)
    xml = zlib.decompress(base64.b64decode(query["SAMLRequest"][0]), -15).decode()
    return re.search(r' ID="([^"]+)"', xml).group(1)


def in_response_to(posted: dict) -> set[str]:
    return set(re.findall(r'InResponseTo="([^"]*)"', base64.b64decode(posted["SAMLResponse"]).decode()))


def test_a_bookmarked_login_goes_through_the_idp_and_lands_in_studio(stack, world):
    idp_url = stack.start("sagemaker-ml")
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(idp_url).query)
    assert sorted(query) == ["RelayState", "SAMLRequest", "SigAlg", "Signature"]
    assert query["RelayState"] == ["sagemaker-ml"]
    posted = stack.answer(idp_url, "alice")
    assert in_response_to(posted) == {request_id(idp_url)}, "the Response and its bearer confirmation"
    assert posted["RelayState"] == "sagemaker-ml"

    status, headers, _ = stack.post_acs(posted)
    assert status == 302
    opened = stack.resolve(headers["location"])
    assert (opened["domain_id"], opened["user_profile_name"]) == (DOMAIN, "alice")
    validator = world["function_credentials"]["saml-validator"]["arn"]
    puts = [c for c in stack.calls("dynamodb:PutItem") if (c["signer"] or {}).get("arn") == validator]
    assert len(puts) == 3, "the request remembered, then answered, then the assertion consumed"
    assert [c for c in stack.calls() if c["outcome"] in ("AccessDenied", "AuthorizationFailed")] == []


def test_a_request_is_answered_once(stack, world):
    idp_url = stack.start("sagemaker-ml")
    assert stack.post_acs(stack.answer(idp_url, "alice"))[0] == 302
    # The IdP answers the same request again (a second tab, a replayed URL): a new assertion, the
    # same InResponseTo. The request was answered, so the broker refuses before STS.
    sts_calls = len(stack.calls("sts:AssumeRoleWithSAML"))
    status, _, page = stack.post_acs(stack.answer(idp_url, "alice"))
    assert status == 403
    assert heading(page) == "This sign-in has expired"
    assert "took too long or was already used" in page
    assert len(stack.calls("sts:AssumeRoleWithSAML")) == sts_calls


def test_the_answer_must_carry_the_relay_state_the_request_was_sent_with(stack, world):
    idp_url = stack.start("sagemaker-ml")
    posted = stack.answer(idp_url, "alice")
    status, _, page = stack.post_acs({**posted, "RelayState": "emr-iam"})
    assert status == 403
    assert heading(page) == "We couldn't sign you in"


def test_an_answer_posted_from_another_browser_is_refused(stack, world):
    """Login CSRF: the answer to someone's request, posted by a browser without that request's cookie."""
    idp_url = stack.start("sagemaker-ml")
    posted = stack.answer(idp_url, "alice")
    status, _, page = stack.post_acs({**posted, "cookie": None})
    assert status == 403
    assert heading(page) == "We couldn't sign you in"
    assert "started in another browser" in page
    assert stack.calls("sts:AssumeRoleWithSAML") == [], "refused before STS"


def test_the_idp_refuses_a_request_whose_relay_state_was_changed_after_signing(stack, world):
    idp_url = stack.start("sagemaker-ml")
    altered = idp_url.replace("RelayState=sagemaker-ml", "RelayState=emr-iam")
    assert altered != idp_url
    status, _, page = request("GET", altered)
    assert status == 400
    assert heading(page) == "AuthnRequest refused" and "IncorrectlySigned" in page


def test_tiles_still_sign_in_idp_initiated_beside_it(stack, world):
    assert stack.login("alice", "sagemaker-user")[0] == 302


def test_an_unknown_target_is_refused_before_the_idp(stack, world):
    status, headers, page = request("GET", f"{stack.broker}/login?target=nope")
    assert status == 400 and "location" not in headers
    assert heading(page) == "This sign-in link isn't set up"


def test_the_metadata_advertises_signed_requests_and_the_sp_certificate(stack, world):
    status, _, metadata = request("GET", f"{stack.broker}/saml/metadata")
    assert status == 200
    assert 'AuthnRequestsSigned="true"' in metadata
    pem = (ROOT / "testdata/keys/sp-encryption-cert.pem").read_text(encoding="utf-8")
    body = "".join(line for line in pem.splitlines() if not line.startswith("-----"))
    assert f"<ds:X509Certificate>{body}</ds:X509Certificate>" in metadata
