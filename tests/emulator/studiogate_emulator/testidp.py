"""A test IdP: builds AWS-shaped SAML Responses and signs the Assertion with signxml, using the
test keys in testdata/keys (which protect nothing)."""

from __future__ import annotations

import base64
import pathlib
import uuid
from datetime import datetime, timedelta, timezone

from lxml import etree
from signxml import XMLSigner, methods

from .xmlenc import encrypt_assertion

KEYS = pathlib.Path(__file__).resolve().parents[3] / "testdata" / "keys"
IDP_ENTITY_ID = "https://idp.example.test/saml"
PROVIDER = "arn:aws:iam::123456789012:saml-provider/studiogate-test-idp"
STUDIO_USER = "arn:aws:iam::123456789012:role/StudioUser"
STUDIO_ADMIN = "arn:aws:iam::123456789012:role/StudioAdmin"
AWS = "https://aws.amazon.com/SAML/Attributes/"
# The local stack's ACS URL (examples/local/studiogate.toml): the Destination and, as the IdP guides
# set it up, the Recipient. A world's stack is deployed at it unless `stack.acs_url` says otherwise.
ACS_URL = "http://127.0.0.1:9000/lambda-url/saml-validator/saml/acs"


def _t(at: datetime) -> str:
    return at.strftime("%Y-%m-%dT%H:%M:%SZ")


def response(
    roles=((STUDIO_USER, PROVIDER),),
    session_name="alice",
    name_id="alice@example.com",
    audience="urn:amazon:webservices",
    recipient=ACS_URL,
    destination=None,
    issuer=IDP_ENTITY_ID,
    valid_for=timedelta(minutes=5),
    issued=None,
    session_duration=None,
    source_identity=None,
    tags=None,
    status="urn:oasis:names:tc:SAML:2.0:status:Success",
    key="idp",
    encrypt_for=None,
) -> str:
    """A base64 SAMLResponse with a signed Assertion, for `destination` (default: the Recipient).
    `tags` are PrincipalTag attributes; by default the owner tag `studiouserid` = the session name,
    which the stack's user role requires (`{}`: none). `encrypt_for`: a test key name (e.g.
    "sp-encryption") whose certificate the signed Assertion is encrypted for (an EncryptedAssertion)."""
    if tags is None:
        tags = {"studiouserid": session_name} if session_name else {}
    now = issued or datetime.now(timezone.utc)
    end = now + valid_for
    aid = "_" + uuid.uuid4().hex
    attributes = [(AWS + "Role", [f"{role},{provider}" for role, provider in roles])]
    if session_name is not None:
        attributes.append((AWS + "RoleSessionName", [session_name]))
    if session_duration is not None:
        attributes.append((AWS + "SessionDuration", [str(session_duration)]))
    if source_identity is not None:
        attributes.append((AWS + "SourceIdentity", [source_identity]))
    for tag, value in (tags or {}).items():
        attributes.append((AWS + "PrincipalTag:" + tag, [value]))
    attribute_xml = "".join(
        f'<saml:Attribute Name="{name}">' + "".join(f"<saml:AttributeValue>{v}</saml:AttributeValue>" for v in values) + "</saml:Attribute>"
        for name, values in attributes
    )
    assertion = (
        f'<saml:Assertion xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="{aid}" Version="2.0" IssueInstant="{_t(now)}">'
        f"<saml:Issuer>{issuer}</saml:Issuer>"
        f'<saml:Subject><saml:NameID Format="urn:oasis:names:tc:SAML:2.0:nameid-format:persistent">{name_id}</saml:NameID>'
        f'<saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer"><saml:SubjectConfirmationData NotOnOrAfter="{_t(end)}" Recipient="{recipient}"/></saml:SubjectConfirmation></saml:Subject>'
        f'<saml:Conditions NotBefore="{_t(now - timedelta(seconds=5))}" NotOnOrAfter="{_t(end)}"><saml:AudienceRestriction><saml:Audience>{audience}</saml:Audience></saml:AudienceRestriction></saml:Conditions>'
        f'<saml:AuthnStatement AuthnInstant="{_t(now)}" SessionIndex="{aid}"><saml:AuthnContext><saml:AuthnContextClassRef>urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport</saml:AuthnContextClassRef></saml:AuthnContext></saml:AuthnStatement>'
        f"<saml:AttributeStatement>{attribute_xml}</saml:AttributeStatement></saml:Assertion>"
    )
    element = etree.fromstring(assertion.encode())
    signed = XMLSigner(
        method=methods.enveloped, signature_algorithm="rsa-sha256", digest_algorithm="sha256",
        c14n_algorithm="http://www.w3.org/2001/10/xml-exc-c14n#",
    ).sign(element, key=(KEYS / f"{key}-key.pem").read_bytes(), cert=(KEYS / f"{key}-cert.pem").read_text(), reference_uri=aid)
    signed_xml = etree.tostring(signed).decode()
    if encrypt_for is not None:
        signed_xml = encrypt_assertion(etree.tostring(signed), (KEYS / f"{encrypt_for}-cert.pem").read_text())
    document = (
        '<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" '
        f'ID="_{uuid.uuid4().hex}" Version="2.0" IssueInstant="{_t(now)}" Destination="{destination or recipient}">'
        f'<saml:Issuer>{issuer}</saml:Issuer><samlp:Status><samlp:StatusCode Value="{status}"/></samlp:Status>{signed_xml}</samlp:Response>'
    )
    return base64.b64encode(document.encode()).decode()


def assume(emulator, saml_response: str, role=STUDIO_USER, provider=PROVIDER, **kwargs) -> dict:
    sts = emulator.client("sts")
    return sts.assume_role_with_saml(RoleArn=role, PrincipalArn=provider, SAMLAssertion=saml_response, **kwargs)
