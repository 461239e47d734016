"""Logins whose SAML Responses are minted live by IdP software other than pysaml2: Lasso (C, Debian
python3-lasso), SimpleSAMLphp (PHP, its IdP's own buildAssertion/buildResponse) and samlify
(Node.js, createLoginResponse), each configured as an administrator sets it up for AWS from the
broker's SP metadata (tests/local/idps/). Each response goes through the whole local login: the
validator, the replay table, STS, presign, and the Studio URL resolves to the exact user.

The IdPs keep the local IdP's entity ID, key and certificate (examples/local/idp.json), as an
operator switching IdP software keeps the signing key, so the broker's pinned configuration and the
emulator's IAM SAML provider trust them unchanged. `EMITS` records what each one sends; whatever of
it is legitimate the broker must accept (a refusal is an xfail(strict) naming the broker's reason).
"""

from __future__ import annotations

import base64
import json
import pathlib
import re
import subprocess
import time
import xml.etree.ElementTree as ET

import pytest

from studiogate_local.idp import LocalIdp, load_world
from studiogate_local.once import request

REPO = pathlib.Path(__file__).resolve().parents[3]
IDPS = REPO / "tests/local/idps"
WORLD = load_world(str(REPO / "examples/local/idp.json"))
DOMAIN = "d-7ac2bcf8fc16"
EMAIL = "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress"
MD, DS = "urn:oasis:names:tc:SAML:2.0:metadata", "http://www.w3.org/2000/09/xmldsig#"
SHA256 = ("http://www.w3.org/2001/04/xmldsig-more#rsa-sha256", "http://www.w3.org/2001/04/xmlenc#sha256")

# How each IdP runs (python3-lasso is Debian's, for /usr/bin/python3 only) and what it emits, as
# observed: which elements it signs, its algorithms, InResponseTo, xsi:type on attribute values.
COMMANDS = {
    "lasso": ["/usr/bin/python3", str(IDPS / "lasso_idp.py")],
    "simplesamlphp": ["php", str(IDPS / "simplesamlphp_idp.php")],
    "samlify": ["node", str(IDPS / "samlify/mint.js")],
}
EMITS = {
    "lasso": {"signed": ["Response", "Assertion"], "algorithms": SHA256, "in_response_to": None, "xsi_type": False},
    "simplesamlphp": {"signed": ["Response", "Assertion"], "algorithms": SHA256, "in_response_to": None, "xsi_type": True},
    "samlify": {"signed": ["Assertion"], "algorithms": SHA256, "in_response_to": "", "xsi_type": True},
}
# Legitimate output the broker refuses today (the broker's fix, not the IdP's): reason code and why.
# Empty now: samlify's IdP-initiated InResponseTo="" (binding-post.js: get(requestInfo,
# 'extract.request.id', '')) answers no request, and the validator counts it as absent.
REFUSED: dict[str, tuple[str, str]] = {}
MINTED: list[str] = []


class KnownRefusal(Exception):
    """The broker refused an IdP's legitimate output for the reason REFUSED records, no other."""


def idp_param(name: str):
    marks = []
    if name in REFUSED:
        reason, why = REFUSED[name]
        marks = [pytest.mark.xfail(strict=True, raises=KnownRefusal, reason=f"{reason}: {why}")]
    return pytest.param(name, marks=marks, id=name)


def sp_from_metadata(stack) -> tuple[str, str]:
    """The SP entity ID (the Audience) and POST ACS URL, read from the broker's metadata as an
    administrator copies them into the IdP."""
    status, _, body = request("GET", f"{stack.ready['broker']}/saml/metadata")
    assert status == 200, body
    root = ET.fromstring(body)
    acs = root.find(f".//{{{MD}}}AssertionConsumerService[@Binding='urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST']")
    return root.attrib["entityID"], acs.attrib["Location"]


def mint(stack, idp: str, user_id: str = "alice", tile_id: str = "sagemaker-user") -> dict:
    """The form the IdP's auto-post page would submit for a click on `tile_id`: the attributes the
    local pysaml2 IdP sends for it (LocalIdp.attributes), minted by `idp`."""
    user = WORLD["users"][user_id]
    tile = next(t for t in WORLD["tiles"] if t["id"] == tile_id)
    roles = [role for role in tile["roles"] if role in user["roles"]]
    local = LocalIdp(WORLD, "", "")
    try:
        attributes = local.attributes(user_id, roles, WORLD["session_duration"])
    finally:
        local.close()
    sp_entity_id, acs_url = sp_from_metadata(stack)
    spec = {
        "idp_entity_id": WORLD["entity_id"], "key_file": WORLD["key_file"], "cert_file": WORLD["cert_file"],
        "sp_entity_id": sp_entity_id, "acs_url": acs_url, "name_id": user["name_id"], "name_id_format": EMAIL,
        "attributes": attributes, "lifetime_seconds": 300,
    }
    run = subprocess.run(COMMANDS[idp], input=json.dumps(spec), capture_output=True, text=True, timeout=120, check=False)
    # stderr holds library warnings only (no key, no response); the tools come from scripts/setup.sh.
    assert run.returncode == 0, f"{idp} could not mint (scripts/setup.sh installs it): {run.stderr[-1500:]}"
    encoded = run.stdout.strip()
    stack.posted_responses.append(encoded)
    MINTED.append(encoded)
    return {"SAMLResponse": encoded, "RelayState": tile["relay_state"]}


def validator_lines(stack) -> list[str]:
    return stack.logs["saml-validator"].read_text(encoding="utf-8", errors="replace").splitlines()


def refusals(stack, since: int, wait: float = 0.0) -> list[tuple[str, str]]:
    """(reason, detail) of each `login refused` line saml-validator logged after line `since`,
    waiting up to `wait` seconds for one (the Lambda service copies the function's output)."""
    deadline = time.monotonic() + wait
    while True:
        found = [(fields.get("reason"), fields.get("detail")) for fields in (
            json.loads(line).get("fields", {}) for line in validator_lines(stack)[since:] if "login refused" in line)]
        if found or time.monotonic() >= deadline:
            return found
        time.sleep(0.1)


@pytest.mark.parametrize("idp", [idp_param(name) for name in COMMANDS])
def test_each_idps_response_logs_alice_into_studio_as_herself(stack, world, idp):
    posted = mint(stack, idp)
    since = len(validator_lines(stack))
    status, headers, _ = stack.post_acs(posted)
    if status != 302:
        reasons = refusals(stack, since, wait=5)
        if idp in REFUSED and [reason for reason, _ in reasons] == [REFUSED[idp][0]]:
            raise KnownRefusal(reasons)
        pytest.fail(f"{idp}: {status}, refused {reasons}")
    opened = stack.resolve(headers["location"])
    assert (opened["domain_id"], opened["user_profile_name"]) == (DOMAIN, "alice")
    assert opened["signer"]["arn"] == "arn:aws:sts::123456789012:assumed-role/StudioUser/alice"
    profile = stack.client("sagemaker").describe_user_profile(DomainId=DOMAIN, UserProfileName="alice")
    assert profile["UserSettings"]["ExecutionRole"] == world["roles"]["SageMakerExecutionML"], "the groups attribute arrived"


@pytest.mark.parametrize("idp", list(COMMANDS))
def test_each_idp_emits_what_we_recorded(stack, idp):
    """Keeps EMITS true: a new version of the IdP that signs or encodes differently shows up here."""
    xml = base64.b64decode(mint(stack, idp)["SAMLResponse"]).decode()
    root = ET.fromstring(xml)
    signed = [parent.tag.rsplit("}", 1)[1] for parent in root.iter() if parent.find(f"{{{DS}}}Signature") is not None]
    algorithms = {(s.find(f".//{{{DS}}}SignatureMethod").attrib["Algorithm"], s.find(f".//{{{DS}}}DigestMethod").attrib["Algorithm"])
                  for s in root.iter(f"{{{DS}}}Signature")}
    seen = {
        "signed": signed, "algorithms": algorithms.pop() if len(algorithms) == 1 else algorithms,
        "in_response_to": root.attrib.get("InResponseTo"), "xsi_type": 'xsi:type="xs:string"' in xml,
    }
    assert seen == EMITS[idp]


@pytest.mark.parametrize("idp", list(COMMANDS))
def test_each_idps_response_with_one_signed_byte_changed_is_refused(stack, world, idp):
    posted = mint(stack, idp)
    xml = base64.b64decode(posted["SAMLResponse"]).decode()
    broken = xml.replace(">alice<", ">alicf<", 1)  # the RoleSessionName value, inside the signed Assertion
    assert broken != xml
    since = len(validator_lines(stack))
    status, headers, page = stack.post_acs({**posted, "SAMLResponse": base64.b64encode(broken.encode()).decode()})
    assert 400 <= status < 500 and "location" not in headers
    assert re.search(r"<h1>We couldn&#39;t sign you in</h1>", page), "the authentication-failed page"
    assert [reason for reason, _ in refusals(stack, since, wait=5)] == ["signature-invalid"]
    assert not stack.calls("sts:AssumeRoleWithSAML") and not stack.calls("dynamodb:PutItem")


def test_zz_no_log_line_holds_a_response_minted_here(stack):
    """test_full_stack's log search runs before this module; the responses minted here get their own."""
    logs = stack.function_logs()
    # A stretch from the middle of each (their openings are all `<samlp:Response xmlns...`).
    assert MINTED and not [encoded for encoded in MINTED if encoded[len(encoded) // 2:][:80] in logs]
