"""A strict STS AssumeRoleWithSAML and GetCallerIdentity for the credentials it issues.

An implementation independent of studiogate's Rust validator: lxml + signxml, checking what STS
documents: the signature against the metadata of the IAM SAML provider named by PrincipalArn
(KeyInfo ignored), the Audience, a bearer Recipient (SAML:aud), the time window, the (role,
provider) pair in the Role attribute, RoleSessionName, and DurationSeconds against SessionDuration
and the role's MaxSessionDuration. The role's trust policy is evaluated by the IAM simulator
(iam.py: sts:AssumeRoleWithSAML, sts:TagSession, sts:SetSourceIdentity with the SAML keys).
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import secrets
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone

from lxml import etree
from moto.iam.models import iam_backends
from signxml import SignatureConfiguration, XMLVerifier
from signxml.exceptions import InvalidInput, InvalidSignature

from .iam import SamlAssertion
from .protocol import AwsCall, AwsError, xml_escape
from .samlkeys import ProviderKeys
from .xmlenc import DecryptionError, decrypt_assertion

SAMLP = "urn:oasis:names:tc:SAML:2.0:protocol"
SAML = "urn:oasis:names:tc:SAML:2.0:assertion"
MD = "urn:oasis:names:tc:SAML:2.0:metadata"
DS = "http://www.w3.org/2000/09/xmldsig#"
NS = {"samlp": SAMLP, "saml": SAML, "md": MD, "ds": DS}
ROLE = "https://aws.amazon.com/SAML/Attributes/Role"
ROLE_SESSION_NAME = "https://aws.amazon.com/SAML/Attributes/RoleSessionName"
SESSION_DURATION = "https://aws.amazon.com/SAML/Attributes/SessionDuration"
SOURCE_IDENTITY = "https://aws.amazon.com/SAML/Attributes/SourceIdentity"
PRINCIPAL_TAG = "https://aws.amazon.com/SAML/Attributes/PrincipalTag:"
# The Audiences STS accepts: urn:amazon:webservices (documented), and AWS sign-in's SAML URL alone or
# with the "#N" that Entra ID's "AWS Single-Account Access" applications add (accepted in practice;
# docs/deploying.md lists it as a real-account check).
AUDIENCE = re.compile(r"^(urn:amazon:webservices|https://signin\.aws\.amazon\.com/saml(#\d+)?)$")
SESSION_NAME = re.compile(r"^[\w+=,.@-]{2,64}$")
STS_NS = "https://sts.amazonaws.com/doc/2011-06-15/"


@dataclass
class IssuedCredentials:
    """Temporary credentials the emulator issued (secrets kept only to verify who signed a call)."""

    access_key_id: str
    secret_access_key: str
    session_token: str
    expiration: float
    account_id: str
    role_name: str
    role_id: str
    session_name: str
    source_identity: str | None
    principal_tags: dict
    principal: str = "federated"   # "federated" (AssumeRoleWithSAML), "function" (a Lambda function's role), "assumed" (AssumeRole)
    role_path: str = "/"
    session_policy: dict | None = None
    issued_at: float = field(default_factory=time.time)

    @property
    def assumed_role_arn(self) -> str:
        return f"arn:aws:sts::{self.account_id}:assumed-role/{self.role_name}/{self.session_name}"

    @property
    def role_arn(self) -> str:
        return f"arn:aws:iam::{self.account_id}:role{self.role_path}{self.role_name}"

    def describe(self) -> dict:
        """What the call log says about a signer: never the secret or the token."""
        return {
            "kind": "assumed-role",
            "principal": self.principal,
            "arn": self.assumed_role_arn,
            "session_name": self.session_name,
            "principal_tags": self.principal_tags,
            "source_identity": self.source_identity,
        }


class CredentialStore:
    """Access key id -> issued credentials."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_key: dict[str, IssuedCredentials] = {}

    def add(self, creds: IssuedCredentials) -> None:
        with self._lock:
            self._by_key[creds.access_key_id] = creds

    def get(self, access_key_id: str | None) -> IssuedCredentials | None:
        if not access_key_id:
            return None
        with self._lock:
            return self._by_key.get(access_key_id)

    def clear(self) -> None:
        with self._lock:
            self._by_key.clear()

    def secrets(self) -> list[dict]:
        """Every secret issued, for leak tests that search logs for them (never logged here)."""
        with self._lock:
            return [
                {"access_key_id": c.access_key_id, "secret_access_key": c.secret_access_key, "session_token": c.session_token}
                for c in self._by_key.values()
            ]


def _parse_time(text: str) -> float:
    text = text.strip()
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    return datetime.fromisoformat(text).timestamp()


def _iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _invalid(message: str) -> AwsError:
    return AwsError("InvalidIdentityToken", message)


def _parse_arn(arn: str, kind: str) -> tuple[str, str]:
    match = re.match(rf"^arn:aws[a-z-]*:iam::(\d{{12}}):{kind}/(?:[\w+=,.@/-]*/)?([\w+=,.@-]+)$", arn or "")
    if not match:
        raise AwsError("ValidationError", f"{kind} ARN {arn!r} is not valid")
    return match.group(1), match.group(2)


def _metadata(provider_xml: str) -> tuple[str, list[str]]:
    root = etree.fromstring(provider_xml.encode(), parser=etree.XMLParser(resolve_entities=False, no_network=True))
    entity = root if root.tag == f"{{{MD}}}EntityDescriptor" else root.find(".//md:EntityDescriptor", NS)
    if entity is None:
        raise _invalid("SAML provider metadata has no EntityDescriptor")
    certs = []
    for descriptor in entity.findall("md:IDPSSODescriptor/md:KeyDescriptor", NS):
        if descriptor.get("use") not in (None, "signing"):
            continue
        for cert in descriptor.findall(".//ds:X509Certificate", NS):
            body = "".join(cert.text.split())
            lines = "\n".join(body[i : i + 64] for i in range(0, len(body), 64))
            certs.append(f"-----BEGIN CERTIFICATE-----\n{lines}\n-----END CERTIFICATE-----\n")
    return entity.get("entityID"), certs


def _verified_assertion(document: bytes, certs: list[str], provider: ProviderKeys) -> etree._Element:
    """The Assertion covered by the first valid signature, verified with the provider's certificates.
    An EncryptedAssertion is decrypted with the provider's private keys first (AddPrivateKey); its
    signature is then inside it, or on the Response around the encrypted form."""
    try:
        response = etree.fromstring(document, etree.XMLParser(resolve_entities=False, no_network=True))
    except etree.XMLSyntaxError:
        raise _invalid("SAMLAssertion is malformed") from None
    encrypted = response.findall("saml:EncryptedAssertion", NS)
    decrypted = None
    if encrypted:
        if len(encrypted) != 1 or response.findall("saml:Assertion", NS):
            raise _invalid("the Response does not hold exactly one Assertion")
        if not provider.keys:
            raise _invalid("the assertion is encrypted and the SAML provider has no private key to decrypt it")
        try:
            decrypted = decrypt_assertion(encrypted[0], list(provider.keys.values()))
        except DecryptionError as error:
            raise _invalid(f"the encrypted assertion could not be decrypted: {error}") from None
        response.replace(encrypted[0], decrypted)
        candidates = [etree.tostring(response), document]
    elif provider.mode == "Required":
        raise _invalid("the SAML provider requires encrypted assertions")
    else:
        candidates = [document]
    config = SignatureConfiguration(require_x509=False)
    last_error = "no signing certificate in the SAML provider metadata"
    for candidate in candidates:
        for cert in certs:
            try:
                result = XMLVerifier().verify(candidate, x509_cert=cert, expect_config=config)
            except (InvalidSignature, InvalidInput) as error:
                last_error = str(error)
                continue
            signed = result.signed_xml
            if signed.tag == f"{{{SAML}}}Assertion":
                return signed
            if signed.tag == f"{{{SAMLP}}}Response":
                if decrypted is not None:
                    return decrypted   # the Response's signature covers the encrypted form of it
                assertions = signed.findall("saml:Assertion", NS)
                if len(assertions) == 1:
                    return assertions[0]
                raise _invalid("the signed Response does not hold exactly one Assertion")
            raise _invalid("the signature covers neither the Response nor the Assertion")
    raise _invalid(f"signature could not be verified: {last_error}")


def _attributes(assertion: etree._Element) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for attribute in assertion.findall("saml:AttributeStatement/saml:Attribute", NS):
        values = ["".join(v.itertext()).strip() for v in attribute.findall("saml:AttributeValue", NS)]
        out.setdefault(attribute.get("Name"), []).extend(values)
    return out


def assume_role_with_saml(call: AwsCall, store: CredentialStore, authorize, now: float | None = None,
                          provider_keys=lambda arn: ProviderKeys()) -> tuple[str, dict]:
    """Validates like STS, has `authorize(provider_arn, role, SamlAssertion)` evaluate the trust
    policy (it raises on a denial), and returns the XML response body and the authorization."""
    now = time.time() if now is None else now
    params = call.params
    role_arn, provider_arn = params.get("RoleArn", ""), params.get("PrincipalArn", "")
    role_account, role_name = _parse_arn(role_arn, "role")
    provider_account, provider_name = _parse_arn(provider_arn, "saml-provider")
    try:
        document = base64.b64decode(params.get("SAMLAssertion", ""), validate=True)
    except ValueError:
        raise AwsError("ValidationError", "SAMLAssertion is not base64") from None
    if b"<!DOCTYPE" in document or len(document) > 100_000:
        raise _invalid("SAMLAssertion is malformed")

    iam = iam_backends[provider_account]["global"]
    try:
        provider = iam.get_saml_provider(provider_arn)
    except Exception:  # moto raises its own NotFound type
        raise _invalid(f"SAML provider {provider_arn} does not exist") from None
    issuer_expected, certs = _metadata(provider.saml_metadata_document)

    assertion = _verified_assertion(document, certs, provider_keys(provider_arn))
    issuer = (assertion.findtext("saml:Issuer", namespaces=NS) or "").strip()
    if issuer != issuer_expected:
        raise _invalid(f"Issuer {issuer!r} does not match the SAML provider's entity ID")
    response = etree.fromstring(document, parser=etree.XMLParser(resolve_entities=False, no_network=True))
    status = response.find("samlp:Status/samlp:StatusCode", NS)
    if status is not None and status.get("Value") != "urn:oasis:names:tc:SAML:2.0:status:Success":
        raise AwsError("IDPRejectedClaim", "The identity provider reported that authentication failed")

    audiences = {"".join(a.itertext()).strip() for a in assertion.findall("saml:Conditions/saml:AudienceRestriction/saml:Audience", NS)}
    if not any(AUDIENCE.match(audience) for audience in audiences):
        raise _invalid("Audience does not include urn:amazon:webservices")
    conditions = assertion.find("saml:Conditions", NS)
    if conditions is not None:
        if conditions.get("NotBefore") and now < _parse_time(conditions.get("NotBefore")):
            raise _invalid("Assertion is not yet valid")
        if conditions.get("NotOnOrAfter") and now >= _parse_time(conditions.get("NotOnOrAfter")):
            raise AwsError("ExpiredTokenException", "Token is expired")
    # The Recipient is SAML:aud, which the role's trust policy judges (an AWS sign-in endpoint or,
    # as AWS's Redshift browser-SAML guides show, the caller's own URL): no fixed list here.
    recipient = None
    for confirmation in assertion.findall("saml:Subject/saml:SubjectConfirmation", NS):
        if confirmation.get("Method") != "urn:oasis:names:tc:SAML:2.0:cm:bearer":
            continue
        data = confirmation.find("saml:SubjectConfirmationData", NS)
        if data is None or not data.get("Recipient"):
            continue
        if data.get("NotOnOrAfter") and now >= _parse_time(data.get("NotOnOrAfter")):
            raise AwsError("ExpiredTokenException", "Token is expired")
        recipient = data.get("Recipient")
        break
    if recipient is None:
        raise _invalid("the assertion has no bearer SubjectConfirmationData with a Recipient")

    attributes = _attributes(assertion)
    pairs = set()
    for value in attributes.get(ROLE, []):
        parts = [p.strip() for p in value.split(",")]
        if len(parts) == 2:
            pairs.add(frozenset(parts))
    if frozenset((role_arn, provider_arn)) not in pairs:
        raise AwsError("AccessDenied", "Not authorized to perform sts:AssumeRoleWithSAML", 403)
    session_names = attributes.get(ROLE_SESSION_NAME, [])
    if len(session_names) != 1 or not SESSION_NAME.match(session_names[0]):
        raise _invalid("RoleSessionName is missing or invalid")
    session_name = session_names[0]

    role_iam = iam_backends[role_account]["global"]
    try:
        role = role_iam.get_role(role_name)
    except Exception:
        raise AwsError("AccessDenied", "Not authorized to perform sts:AssumeRoleWithSAML", 403) from None

    max_session = int(role.max_session_duration or 3600)
    requested = int(params.get("DurationSeconds") or 3600)
    if requested < 900 or requested > 43200:
        raise AwsError("ValidationError", "1 validation error detected: Value at 'durationSeconds' failed to satisfy constraint: Member must have value between 900 and 43200")
    if requested > max_session:
        raise AwsError("ValidationError", f"The requested DurationSeconds exceeds the MaxSessionDuration set for this role.")
    duration = requested
    if attributes.get(SESSION_DURATION):
        duration = min(duration, int(attributes[SESSION_DURATION][0]))
    authn = assertion.find("saml:AuthnStatement", NS)
    if authn is not None and authn.get("SessionNotOnOrAfter"):
        duration = min(duration, int(_parse_time(authn.get("SessionNotOnOrAfter")) - now))

    name_id = assertion.find("saml:Subject/saml:NameID", NS)
    subject = "".join(name_id.itertext()).strip() if name_id is not None else ""
    subject_format = (name_id.get("Format") if name_id is not None else None) or "urn:oasis:names:tc:SAML:2.0:nameid-format:transient"
    subject_type = {
        "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent": "persistent",
        "urn:oasis:names:tc:SAML:2.0:nameid-format:transient": "transient",
    }.get(subject_format, subject_format)
    source_identity = (attributes.get(SOURCE_IDENTITY) or [None])[0]
    tags = {name[len(PRINCIPAL_TAG):]: values[0] for name, values in attributes.items() if name.startswith(PRINCIPAL_TAG) and values}
    name_qualifier = base64.b64encode(hashlib.sha1(f"{issuer}{provider_account}/{provider_name}".encode()).digest()).decode()
    session_policy = None
    if params.get("Policy"):
        try:
            session_policy = json.loads(params["Policy"])
        except ValueError:
            raise AwsError("MalformedPolicyDocument", "The policy is not in the valid JSON format.") from None
    authorization = authorize(provider_arn, role, SamlAssertion(
        provider_arn, issuer, subject, audience=recipient, subject_type=subject_type, session_name=session_name,
        session_tags=tags, source_identity=source_identity))

    creds = IssuedCredentials(
        access_key_id="ASIA" + secrets.token_hex(8).upper(),
        secret_access_key=secrets.token_urlsafe(30),
        session_token=secrets.token_urlsafe(96),
        expiration=now + duration,
        issued_at=now,
        account_id=role_account,
        role_name=role_name,
        role_id=role.id,
        session_name=session_name,
        source_identity=source_identity,
        principal_tags=tags,
        role_path=role.path or "/",
        session_policy=session_policy,
    )
    store.add(creds)
    source = f"<SourceIdentity>{xml_escape(source_identity)}</SourceIdentity>" if source_identity else ""
    return (
        f'<AssumeRoleWithSAMLResponse xmlns="{STS_NS}"><AssumeRoleWithSAMLResult>'
        f"<Audience>{xml_escape(recipient)}</Audience>"
        f"<AssumedRoleUser><AssumedRoleId>{creds.role_id}:{xml_escape(session_name)}</AssumedRoleId><Arn>{xml_escape(creds.assumed_role_arn)}</Arn></AssumedRoleUser>"
        f"<Credentials><AccessKeyId>{creds.access_key_id}</AccessKeyId><SecretAccessKey>{creds.secret_access_key}</SecretAccessKey>"
        f"<SessionToken>{creds.session_token}</SessionToken><Expiration>{_iso(creds.expiration)}</Expiration></Credentials>"
        f"<Issuer>{xml_escape(issuer)}</Issuer><NameQualifier>{name_qualifier}</NameQualifier><PackedPolicySize>0</PackedPolicySize>"
        f"<Subject>{xml_escape(subject)}</Subject><SubjectType>{xml_escape(subject_type)}</SubjectType>{source}"
        f"</AssumeRoleWithSAMLResult><ResponseMetadata><RequestId>{call.request_id}</RequestId></ResponseMetadata></AssumeRoleWithSAMLResponse>"
    ), authorization


def get_caller_identity(call: AwsCall, arn: str, user_id: str, account_id: str) -> str:
    """GetCallerIdentity for a principal the emulator knows (its sessions, the operator)."""
    return (
        f'<GetCallerIdentityResponse xmlns="{STS_NS}"><GetCallerIdentityResult>'
        f"<Arn>{xml_escape(arn)}</Arn><UserId>{xml_escape(user_id)}</UserId>"
        f"<Account>{account_id}</Account></GetCallerIdentityResult>"
        f"<ResponseMetadata><RequestId>{call.request_id}</RequestId></ResponseMetadata></GetCallerIdentityResponse>"
    )
