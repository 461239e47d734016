"""The differential oracle: what an independent implementation reads from a SAML Response.

xmlsec1 (Debian's command-line tool, libxmlsec1 + OpenSSL) verifies each ds:Signature with the pinned
certificate only, and prints the exact bytes it digested for the Reference (`--store-references`).
lxml then reads Issuer, NameID and the attributes from those bytes, and only from them: whatever
is not in the digested bytes is not signed. Encrypted assertions are decrypted by `xmlsec1 --decrypt`.
Nothing here imports or mirrors the Rust validator; `run_inspect` is the only call into studiogate.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import html
import json
import os
import pathlib
import re
import shutil
import subprocess
import tempfile
from typing import Any

from lxml import etree

REPO = pathlib.Path(__file__).resolve().parents[2]
CORPUS = REPO / "tests" / "fixtures" / "saml-corpus"
UNRELATED_CERT = REPO / "testdata" / "keys" / "idp-cert.pem"

DSIG = "http://www.w3.org/2000/09/xmldsig#"
SAML = "urn:oasis:names:tc:SAML:2.0:assertion"
SAMLP = "urn:oasis:names:tc:SAML:2.0:protocol"
XENC = "http://www.w3.org/2001/04/xmlenc#"
NS = {"ds": DSIG, "saml": SAML, "samlp": SAMLP, "xenc": XENC}

AWS = "https://aws.amazon.com/SAML/Attributes/"
ROLE = AWS + "Role"
ROLE_SESSION_NAME = AWS + "RoleSessionName"
SESSION_DURATION = AWS + "SessionDuration"
SOURCE_IDENTITY = AWS + "SourceIdentity"
PRINCIPAL_TAG = AWS + "PrincipalTag:"
AWS_SIGNIN_RECIPIENTS = [
    "https://signin.aws.amazon.com/saml",
    "https://*.signin.aws.amazon.com/saml",
    "https://signin.amazonaws-us-gov.com/saml",
    "https://signin.amazonaws.cn/saml",
]
DIGESTS = {
    "http://www.w3.org/2000/09/xmldsig#sha1": "sha1",
    "http://www.w3.org/2001/04/xmlenc#sha256": "sha256",
    "http://www.w3.org/2001/04/xmldsig-more#sha384": "sha384",
    "http://www.w3.org/2001/04/xmlenc#sha512": "sha512",
}
ID_ATTRS = ["--id-attr:ID", f"{SAML}:Assertion", "--id-attr:ID", f"{SAMLP}:Response"]


class OracleError(Exception):
    """The oracle itself could not finish (a tool failed in an unexpected way)."""


# ---------------------------------------------------------------------------------------------
# the binary


def studiogate_binary() -> pathlib.Path:
    """$STUDIOGATE_BIN, else $CARGO_TARGET_DIR/debug, else the CI cache, else what cargo metadata
    says (`--no-deps` builds nothing)."""
    explicit = os.environ.get("STUDIOGATE_BIN")
    if explicit:
        return pathlib.Path(explicit)
    candidates = []
    if os.environ.get("CARGO_TARGET_DIR"):
        candidates.append(pathlib.Path(os.environ["CARGO_TARGET_DIR"]) / "debug" / "studiogate")
    candidates.append(pathlib.Path("/root/.cache/studiogate/target/debug/studiogate"))
    try:
        out = subprocess.run(["cargo", "metadata", "--no-deps", "--format-version", "1"], cwd=REPO,
                             capture_output=True, text=True, check=True, timeout=120)
        candidates.append(pathlib.Path(json.loads(out.stdout)["target_directory"]) / "debug" / "studiogate")
    except (OSError, subprocess.SubprocessError, ValueError, KeyError):
        pass
    candidates.append(REPO / "target" / "debug" / "studiogate")
    for c in candidates:
        if c.is_file():
            return c
    return candidates[0]


@dataclasses.dataclass
class InspectArgs:
    cert: pathlib.Path
    idp_entity_id: str | None = None
    audiences: list[str] = dataclasses.field(default_factory=list)
    acs_urls: list[str] = dataclasses.field(default_factory=list)
    recipients: list[str] = dataclasses.field(default_factory=list)
    allow_sha1: bool = False
    allow_in_response_to: bool = False
    decryption_key: pathlib.Path | None = None
    now: str = "2020-01-01T00:00:00Z"
    max_assertion_age_seconds: int = 86_400

    def argv(self, config: pathlib.Path) -> list[str]:
        argv = ["inspect", "--config", str(config), "--idp-cert", str(self.cert), "--now", self.now]
        if self.idp_entity_id is not None:
            argv += ["--idp-entity-id", self.idp_entity_id]
        for flag, values in (("--audience", self.audiences), ("--acs-url", self.acs_urls),
                             ("--recipient", self.recipients)):
            for v in values:
                argv += [flag, v]
        if self.allow_sha1:
            argv.append("--allow-sha1")
        if self.allow_in_response_to:
            argv.append("--allow-in-response-to")
        if self.decryption_key is not None:
            argv += ["--decryption-key", str(self.decryption_key)]
        return argv

    def config_toml(self) -> str:
        lines = ["[saml]", f"max_assertion_age_seconds = {self.max_assertion_age_seconds}"]
        return "\n".join(lines) + "\n"


@dataclasses.dataclass
class Inspection:
    exit_code: int
    report: dict[str, Any] | None
    stderr: str

    @property
    def accepted(self) -> bool:
        return self.exit_code == 0 and bool(self.report) and self.report.get("verdict") == "accept"

    @property
    def reason(self) -> str | None:
        return (self.report or {}).get("reason")

    @property
    def message(self) -> str:
        return (self.report or {}).get("message") or self.stderr.strip()


def run_inspect(binary: pathlib.Path, input_path: pathlib.Path, args: InspectArgs) -> Inspection:
    with tempfile.TemporaryDirectory(prefix="oracle-inspect-") as tmp:
        config = pathlib.Path(tmp) / "studiogate.toml"
        config.write_text(args.config_toml())
        proc = subprocess.run([str(binary), *args.argv(config), str(input_path)],
                              capture_output=True, timeout=60)
    report = None
    if proc.stdout.strip():
        try:
            report = json.loads(proc.stdout)
        except ValueError as e:
            raise OracleError(f"inspect printed no JSON ({e}): {proc.stdout[:300]!r}") from e
    return Inspection(proc.returncode, report, proc.stderr.decode("utf-8", "replace"))


LEGACY_RSA_1024 = ("a 1024-bit RSA key (IdP signing or SP decryption): refused when configured, RSA needs 2048 "
                   "bits (docs/validator.md)")


def refused_a_1024_bit_key(inspection: Inspection) -> bool:
    """The configuration was refused for a 1024-bit key, as tests/conformance.rs skips it: the
    crypto backend (AWS-LC) takes RSA of 2048 bits and up."""
    return inspection.exit_code == 2 and "is 1024 bits" in inspection.stderr


def inspect_with_fallbacks(binary: pathlib.Path, input_path: pathlib.Path, args: InspectArgs) -> tuple[Inspection, InspectArgs]:
    """As tests/conformance.rs does: a SHA-1-only refusal is retried with --allow-sha1."""
    result = run_inspect(binary, input_path, args)
    if (not result.accepted and result.reason == "signature-policy" and "allow_sha1" in result.message
            and not args.allow_sha1):
        args = dataclasses.replace(args, allow_sha1=True)
        result = run_inspect(binary, input_path, args)
    return result, args


# ---------------------------------------------------------------------------------------------
# decoding the input (the three encodings of the corpus)


_FORM_VALUE = re.compile(rb"""name\s*=\s*["']SAMLResponse["'][^>]*?value\s*=\s*["']([^"']*)["']"""
                         rb"""|value\s*=\s*["']([^"']*)["'][^>]*?name\s*=\s*["']SAMLResponse["']""", re.I | re.S)


def decode_input(raw: bytes) -> bytes:
    """Raw XML, base64 of it, or an HTML page whose form carries SAMLResponse."""
    stripped = raw.lstrip(b"\xef\xbb\xbf").strip()
    if stripped.startswith(b"<") and b"SAMLResponse" in stripped and re.search(rb"<\s*(html|form|input)\b", stripped, re.I):
        m = _FORM_VALUE.search(stripped)
        if not m:
            raise OracleError("an HTML page without a SAMLResponse field")
        value = html.unescape((m.group(1) or m.group(2)).decode("ascii", "replace"))
        return base64.b64decode("".join(value.split()), validate=True)
    if stripped.startswith(b"<"):
        return raw
    return base64.b64decode(b"".join(stripped.split()), validate=True)


def parse(xml: bytes) -> etree._Element:
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False,
                             remove_blank_text=False, remove_comments=False, strip_cdata=True)
    root = etree.fromstring(xml, parser)
    if root.getroottree().docinfo.internalDTD is not None or root.getroottree().docinfo.doctype:
        raise OracleError("a DOCTYPE: the oracle refuses DTDs too")
    return root


def text_of(element: etree._Element) -> str:
    """Every character of text inside `element` (comments and PIs are not text), exactly."""
    return "".join(element.itertext())


# ---------------------------------------------------------------------------------------------
# xmlsec1


@dataclasses.dataclass
class SignedReference:
    uri: str
    digested: bytes               # the exact bytes xmlsec1 digested for this Reference
    root: etree._Element          # those bytes, parsed

    @property
    def name(self) -> str:
        return self.root.tag

    @property
    def local(self) -> str:
        return etree.QName(self.root).localname


@dataclasses.dataclass
class VerifiedSignature:
    index: int                 # 1-based position among the document's ds:Signature elements
    parent: str                # local name of the element the Signature sits in (as written)
    ok: bool                   # xmlsec1 verified it with the pinned certificate
    detail: str                # xmlsec1's verdict lines / errors
    references: list[SignedReference] = dataclasses.field(default_factory=list)


def _run(argv: list[str], timeout: int = 60) -> subprocess.CompletedProcess:
    return subprocess.run(argv, capture_output=True, timeout=timeout)


def _predigest_buffers(stdout: bytes) -> list[tuple[str, bytes]]:
    """(URI, bytes) for every Reference in xmlsec1's --store-references dump."""
    out = []
    for m in re.finditer(rb'== URI: "(.*?)"\n.*?== PreDigest data - start buffer:\n(.*?)\n== PreDigest data - end buffer',
                         stdout, re.S):
        out.append((m.group(1).decode("utf-8", "replace"), m.group(2)))
    return out


def verify_signatures(xml: bytes, cert: pathlib.Path, workdir: pathlib.Path) -> list[VerifiedSignature]:
    """Every ds:Signature in the document, each verified by xmlsec1 on its own with `cert` only
    (KeyInfo ignored: key data limited to key-name), same-document references only."""
    root = parse(xml)
    signatures = root.xpath("//ds:Signature", namespaces=NS)
    path = workdir / f"verify-{hashlib.sha256(xml).hexdigest()[:16]}.xml"
    path.write_bytes(xml)
    results = []
    for i, sig in enumerate(signatures, start=1):
        parent = sig.getparent()
        parent_name = etree.QName(parent).localname if parent is not None else "(none)"
        xpath = f"(//*[local-name()='Signature' and namespace-uri()='{DSIG}'])[{i}]"
        proc = _run(["xmlsec1", "--verify", "--enabled-key-data", "key-name", "--pubkey-cert-pem", str(cert),
                     *ID_ATTRS, "--enabled-reference-uris", "empty,same-doc", "--store-references",
                     "--node-xpath", xpath, str(path)])
        detail = proc.stderr.decode("utf-8", "replace").strip()
        ok = proc.returncode == 0 and b"Status: succeeded" in proc.stdout
        result = VerifiedSignature(i, parent_name, ok, detail[-600:])
        if ok:
            buffers = _predigest_buffers(proc.stdout)
            references = sig.findall("ds:SignedInfo/ds:Reference", NS)
            if len(buffers) != len(references):
                raise OracleError(f"signature {i}: {len(references)} References, xmlsec1 dumped {len(buffers)}")
            for reference, (uri, digested) in zip(references, buffers):
                # Self-check: the bytes cut out of xmlsec1's dump are exactly the digested ones.
                method = reference.find("ds:DigestMethod", NS)
                value = reference.find("ds:DigestValue", NS)
                algorithm = DIGESTS.get(method.get("Algorithm") if method is not None else "")
                if algorithm and value is not None:
                    expected = base64.b64decode("".join(text_of(value).split()))
                    if hashlib.new(algorithm, digested).digest() != expected:
                        raise OracleError(f"signature {i}: the pre-digest bytes cut from xmlsec1's output do not "
                                          "hash to the DigestValue (the dump format changed?)")
                try:
                    signed = parse(digested)
                except (etree.XMLSyntaxError, OracleError) as e:
                    raise OracleError(f"signature {i}: the digested bytes do not parse on their own: {e}") from e
                result.references.append(SignedReference(uri, digested, signed))
        results.append(result)
    return results


def decrypt_encrypted_assertion(container: etree._Element, key: pathlib.Path, workdir: pathlib.Path) -> etree._Element:
    """Decrypts one saml:EncryptedAssertion (or EncryptedID/EncryptedAttribute) with xmlsec1 and
    returns the plaintext's element. An EncryptedKey beside EncryptedData (SAML's common layout) is
    moved into EncryptedData/KeyInfo first, where xmlsec1 looks for it."""
    # A wrapper re-declaring every namespace in scope at the container, so plaintext that relies on
    # a prefix declared above it (xsi:type="xs:string") parses.
    wrapper = etree.Element("{urn:studiogate:oracle}in-scope", nsmap={k: v for k, v in container.nsmap.items() if k})
    wrapper.append(etree.fromstring(etree.tostring(container)))
    copy = wrapper[0]
    data = copy.find("xenc:EncryptedData", NS)
    if data is None:
        raise OracleError("no xenc:EncryptedData")
    siblings = copy.findall("xenc:EncryptedKey", NS)
    if siblings:
        info = data.find("ds:KeyInfo", NS)
        if info is None:
            info = etree.SubElement(data, f"{{{DSIG}}}KeyInfo")
            data.remove(info)
            position = 1 if data.find("xenc:EncryptionMethod", NS) is not None else 0
            data.insert(position, info)
        for child in list(info):
            if etree.QName(child).localname == "RetrievalMethod":
                info.remove(child)
        for k in siblings:
            info.append(k)
    text = etree.tostring(wrapper)
    path = workdir / f"enc-{hashlib.sha256(text).hexdigest()[:16]}.xml"
    path.write_bytes(text)
    proc = _run(["xmlsec1", "--decrypt", "--privkey-pem", str(key), str(path)])
    if proc.returncode != 0:
        raise OracleError("xmlsec1 --decrypt failed: " + proc.stderr.decode("utf-8", "replace")[-400:])
    try:
        plain = parse(proc.stdout)[0]
    except etree.XMLSyntaxError as e:
        raise OracleError(f"the decrypted plaintext does not parse in its context: {e}") from e
    children = [c for c in plain if isinstance(c.tag, str)]
    if len(children) != 1:
        raise OracleError(f"the plaintext holds {len(children)} elements")
    return children[0]


# ---------------------------------------------------------------------------------------------
# reading a signed Assertion


@dataclasses.dataclass
class Reading:
    """What the oracle reads from one signed Assertion."""
    source: str   # which signature covered it, e.g. "Assertion signature #2" or "Response signature #1"
    issuer: str | None = None
    name_id: str | None = None
    name_id_format: str | None = None
    assertion_id: str | None = None
    attributes: dict[str, list[str]] = dataclasses.field(default_factory=dict)
    roles: list[dict[str, str]] | None = None
    session_name: str | None = None
    session_duration: int | str | None = None
    source_identity: str | None = None
    principal_tags: dict[str, str] = dataclasses.field(default_factory=dict)
    problems: list[str] = dataclasses.field(default_factory=list)

    def comparable(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in COMPARED}


COMPARED = ("issuer", "name_id", "name_id_format", "assertion_id", "attributes", "roles", "session_name",
            "session_duration", "source_identity", "principal_tags")

_ARN = re.compile(r"arn:aws[a-z-]*:iam::[0-9]{12}:(role|saml-provider)/[^,]+")


def parse_role(value: str) -> dict[str, str] | None:
    """`ROLE_ARN,PROVIDER_ARN` in either order, read exactly: no trimming."""
    parts = value.split(",")
    if len(parts) != 2:
        return None
    kinds = {}
    for p in parts:
        m = _ARN.fullmatch(p)
        if not m:
            return None
        kinds[m.group(1)] = p
    if set(kinds) != {"role", "saml-provider"}:
        return None
    return {"role_arn": kinds["role"], "provider_arn": kinds["saml-provider"]}


def read_assertion(assertion: etree._Element, source: str, key: pathlib.Path | None, workdir: pathlib.Path) -> Reading:
    r = Reading(source=source, assertion_id=assertion.get("ID"))
    issuers = assertion.findall("saml:Issuer", NS)
    if len(issuers) == 1:
        r.issuer = text_of(issuers[0])
    else:
        r.problems.append(f"{len(issuers)} Issuer elements")
    subjects = assertion.findall("saml:Subject", NS)
    if len(subjects) == 1:
        ids = subjects[0].findall("saml:NameID", NS)
        encrypted = subjects[0].findall("saml:EncryptedID", NS)
        if len(ids) == 1 and not encrypted:
            r.name_id = text_of(ids[0])
            r.name_id_format = ids[0].get("Format")
        elif len(encrypted) == 1 and not ids and key is not None:
            name_id = decrypt_encrypted_assertion(encrypted[0], key, workdir)
            r.name_id = text_of(name_id)
            r.name_id_format = name_id.get("Format")
        else:
            r.problems.append(f"{len(ids)} NameID and {len(encrypted)} EncryptedID")
    else:
        r.problems.append(f"{len(subjects)} Subject elements")
    attributes: dict[str, list[str]] = {}
    for statement in assertion.findall("saml:AttributeStatement", NS):
        plain = list(statement.findall("saml:Attribute", NS))
        for enc in statement.findall("saml:EncryptedAttribute", NS):
            if key is None:
                r.problems.append("an EncryptedAttribute without an SP key")
                continue
            plain.append(decrypt_encrypted_assertion(enc, key, workdir))
        for attribute in plain:
            name = attribute.get("Name")
            if name is None:
                r.problems.append("an Attribute without Name")
                continue
            values = attributes.setdefault(name, [])
            values.extend(text_of(v) for v in attribute.findall("saml:AttributeValue", NS))
    r.attributes = attributes
    if ROLE in attributes:
        r.roles = [parse_role(v) or {"unparsable": v} for v in attributes[ROLE]]
    else:
        r.roles = []
    if ROLE_SESSION_NAME in attributes and len(attributes[ROLE_SESSION_NAME]) == 1:
        r.session_name = attributes[ROLE_SESSION_NAME][0]
    if SESSION_DURATION in attributes and len(attributes[SESSION_DURATION]) == 1:
        text = attributes[SESSION_DURATION][0]
        r.session_duration = int(text) if re.fullmatch(r"[0-9]{1,9}", text) else text
    if SOURCE_IDENTITY in attributes and len(attributes[SOURCE_IDENTITY]) == 1:
        r.source_identity = attributes[SOURCE_IDENTITY][0]
    r.principal_tags = {n[len(PRINCIPAL_TAG):]: v[0] for n, v in attributes.items()
                        if n.startswith(PRINCIPAL_TAG) and len(v) == 1}
    return r


@dataclasses.dataclass
class OracleResult:
    signatures: list[VerifiedSignature]
    readings: list[Reading]
    notes: list[str]
    inner_signatures: list[VerifiedSignature] = dataclasses.field(default_factory=list)

    @property
    def all_signatures_valid(self) -> bool:
        return all(s.ok for s in self.signatures + self.inner_signatures)

    def signed(self) -> dict[str, bool]:
        """Which of Response / Assertion a signature verified by xmlsec1 covers."""
        names = [r.name for s in self.signatures + self.inner_signatures if s.ok for r in s.references]
        return {"response": f"{{{SAMLP}}}Response" in names, "assertion": f"{{{SAML}}}Assertion" in names}


def _readings_of(ref: SignedReference, s: VerifiedSignature, key: pathlib.Path | None, workdir: pathlib.Path,
                 notes: list[str], prefix: str = "") -> list[Reading]:
    root = ref.root
    label = f"{prefix}{ref.local} signed by signature #{s.index} (Reference URI {ref.uri!r})"
    if root.tag == f"{{{SAML}}}Assertion":
        return [read_assertion(root, label, key, workdir)]
    if root.tag == f"{{{SAMLP}}}Response":
        plain = root.findall("saml:Assertion", NS)
        encrypted = root.findall("saml:EncryptedAssertion", NS)
        if len(plain) + len(encrypted) != 1:
            notes.append(f"{label} covers {len(plain)} Assertion and {len(encrypted)} EncryptedAssertion children")
            return [Reading(source=label, problems=["not exactly one assertion in the signed Response"])]
        if plain:
            return [read_assertion(plain[0], label, key, workdir)]
        if key is None:
            notes.append(f"{label} covers an EncryptedAssertion and no SP key is configured")
            return []
        decrypted = decrypt_encrypted_assertion(encrypted[0], key, workdir)
        return [read_assertion(decrypted, label + " -> decrypted Assertion", key, workdir)]
    notes.append(f"{label}: the signed element is neither a Response nor an Assertion")
    return [Reading(source=label, problems=[f"signed element {root.tag}"])]


def oracle(xml: bytes, cert: pathlib.Path, key: pathlib.Path | None, workdir: pathlib.Path) -> OracleResult:
    """Verify every signature with xmlsec1; read each Assertion a verified signature covers from
    the bytes that signature digested."""
    signatures = verify_signatures(xml, cert, workdir)
    readings: list[Reading] = []
    notes: list[str] = []
    inner: list[VerifiedSignature] = []
    for s in signatures:
        if not s.ok:
            continue
        for ref in s.references:
            readings.extend(_readings_of(ref, s, key, workdir, notes))
    # An EncryptedAssertion in the document (signed or not by the Response): its own signature.
    doc = parse(xml)
    for enc in doc.xpath("/samlp:Response/saml:EncryptedAssertion", namespaces=NS):
        if key is None:
            notes.append("an EncryptedAssertion and no SP key")
            continue
        decrypted = decrypt_encrypted_assertion(enc, key, workdir)
        standalone = etree.tostring(decrypted)
        found = verify_signatures(standalone, cert, workdir)
        inner.extend(found)
        for s in found:
            if s.ok:
                for ref in s.references:
                    readings.extend(_readings_of(ref, s, key, workdir, notes, "decrypted "))
    return OracleResult(signatures, readings, notes, inner)


# ---------------------------------------------------------------------------------------------
# comparing


def inspect_reading(report: dict[str, Any]) -> dict[str, Any]:
    return {
        "issuer": report.get("issuer"),
        "name_id": report.get("name_id"),
        "name_id_format": report.get("name_id_format"),
        "assertion_id": report.get("assertion_id"),
        "attributes": report.get("attributes"),
        "roles": report.get("roles"),
        "session_name": report.get("session_name"),
        "session_duration": report.get("session_duration"),
        "source_identity": report.get("source_identity"),
        "principal_tags": report.get("principal_tags"),
    }


def disagreements(report: dict[str, Any], result: OracleResult) -> list[str]:
    """Every way an accepting validator's reading differs from what xmlsec1 + lxml read from the
    signed element(s). Empty means they agree."""
    problems: list[str] = []
    if not any(s.ok for s in result.signatures + result.inner_signatures):
        problems.append("the validator accepted, but xmlsec1 verifies no signature with the pinned certificate")
    for s in result.signatures + result.inner_signatures:
        if not s.ok:
            problems.append(f"the validator accepted, but xmlsec1 refuses signature #{s.index} in {s.parent} "
                            f"(the validator verifies every signature): {s.detail.splitlines()[-1] if s.detail else ''}")
    oracle_signed = result.signed()
    validator_signed = report.get("signed") or {}
    for part in ("response", "assertion"):
        if bool(validator_signed.get(part)) != oracle_signed[part]:
            problems.append(f"signed.{part}: validator says {validator_signed.get(part)}, xmlsec1 says {oracle_signed[part]}")
    if not result.readings:
        problems.append("the validator accepted, but no verified signature covers an Assertion the oracle can read: "
                        + "; ".join(result.notes))
    mine = inspect_reading(report)
    for reading in result.readings:
        for p in reading.problems:
            problems.append(f"{reading.source}: the signed element is not a readable assertion: {p}")
        theirs = reading.comparable()
        for field in COMPARED:
            if mine[field] != theirs[field]:
                problems.append(f"{field}: validator read {mine[field]!r}, xmlsec1+lxml read {theirs[field]!r} "
                                f"from {reading.source}")
    return problems


def corpus_manifest() -> dict[str, Any]:
    return json.loads((CORPUS / "manifest.json").read_text())


def have_tools() -> str | None:
    if shutil.which("xmlsec1") is None:
        return "xmlsec1 is not installed (Debian package xmlsec1; scripts/setup.sh installs it)"
    return None


# ---------------------------------------------------------------------------------------------
# the corpus, configured as tests/conformance.rs configures the validator

MET = ("response-signature-only-ok", "assertion-signature-only-ok", "no-cert-validity-check", "ecdsa-sha256",
       "trust-the-KeyInfo-cert-of-this-fixture", "edge-case", "unsolicited-or-matching-InResponseTo",
       "xmlenc-decryption")
AUDIENCE_MANDATORY = "audience restriction is mandatory: the broker always checks Audience"


@dataclasses.dataclass
class Plan:
    fixture: dict[str, Any]
    args: InspectArgs
    skip: str | None = None
    audience_unknown: bool = False

    @property
    def key(self) -> pathlib.Path | None:
        return self.args.decryption_key

    @property
    def id(self) -> str:
        return self.fixture["id"]

    def xml(self) -> bytes:
        return decode_input((CORPUS / self.fixture["file"]).read_bytes())


def plan(fixture: dict[str, Any], sp_keys: dict[str, str], extra_certs: dict[str, str]) -> Plan:
    """The validator's settings for a fixture; `skip` says why the broker is not run on it (the
    settings are still filled in, for the oracle's own checks)."""
    skip = None
    if fixture.get("expected") is None:
        skip = "no verdict in the manifest (option-dependent)"
    args = InspectArgs(cert=UNRELATED_CERT)
    for requirement in fixture.get("requires", []):
        name = re.split(r"[( :]", requirement, maxsplit=1)[0]
        if name == "unsolicited-or-matching-InResponseTo":
            args.allow_in_response_to = True
        elif name == "no-audience-restriction-check":
            skip = skip or AUDIENCE_MANDATORY
        elif name == "xmlenc-decryption":
            inner = requirement[len("xmlenc-decryption("):].rstrip(")")
            lookup = f"{fixture['id'].split('/')[0]}:source-suite" if "source suite" in inner else inner
            if lookup not in sp_keys:
                skip = skip or "the SP decryption key is not shipped with the corpus"
            else:
                args.decryption_key = CORPUS / sp_keys[lookup]
        elif name not in MET:
            raise OracleError(f"{fixture['id']}: unknown requirement {requirement!r}")
    args.allow_sha1 = any("sha1" in (s.get("sig_alg") or "") or s.get("digest_alg") == "sha1"
                          for s in fixture.get("signatures", []))
    cert = fixture.get("cert") or extra_certs.get(fixture["id"])
    if cert:
        args.cert = CORPUS / cert
    sp = fixture.get("sp_config") or {}
    args.idp_entity_id = sp.get("idp_entity_id") or fixture.get("issuer") or "urn:studiogate:unknown-idp"
    acs = sp.get("acs_url") or fixture.get("destination")
    if not acs or not acs.startswith(("http://", "https://")):
        acs = "https://sp.invalid/acs"
    args.acs_urls = [acs]
    args.recipients = [acs, *AWS_SIGNIN_RECIPIENTS]
    audience_unknown = False
    if sp.get("audience"):
        args.audiences = [sp["audience"]]
    elif fixture.get("audience"):
        args.audiences = list(fixture["audience"])
    else:
        args.audiences = ["urn:studiogate:audience-from-fixture"]
        audience_unknown = True
    for t in (fixture.get("pinned_time"), fixture.get("suite_time"), fixture.get("response_issue_instant")):
        if t and re.match(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d", t):
            args.now = t
            break
    return Plan(fixture, args, skip, audience_unknown=audience_unknown)


def inspect_fixture(binary: pathlib.Path, p: Plan) -> tuple[Inspection, InspectArgs]:
    path = CORPUS / p.fixture["file"]
    result, args = inspect_with_fallbacks(binary, path, p.args)
    if result.exit_code == 2 and "certificate" in result.stderr.lower() and args.cert != UNRELATED_CERT:
        # A certificate the broker cannot pin (expected rejects only): an unrelated key, as conformance.rs.
        args = dataclasses.replace(args, cert=UNRELATED_CERT)
        result, args = inspect_with_fallbacks(binary, path, args)
    if p.audience_unknown and result.reason == "audience-mismatch":
        m = re.search(r"audiences (\[.*?\]) do not include", result.message)
        found = json.loads(m.group(1)) if m else []
        if found:
            args = dataclasses.replace(args, audiences=found)
            result, args = inspect_with_fallbacks(binary, path, args)
    return result, args


def corpus_plans() -> list[Plan]:
    manifest = corpus_manifest()
    sp_keys = json.loads((CORPUS / "sp-keys.json").read_text())
    extra = json.loads((CORPUS / "extra-certs.json").read_text())
    return [plan(f, sp_keys, extra) for f in manifest["fixtures"]]


# ---------------------------------------------------------------------------------------------
# signing probes with xmlsec1 and a key generated for the run

@dataclasses.dataclass
class TestKey:
    key: pathlib.Path
    cert: pathlib.Path


def generate_key(directory: pathlib.Path) -> TestKey:
    key, cert = directory / "oracle-key.pem", directory / "oracle-cert.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "36500", "-subj",
                    "/CN=studiogate oracle probe signer", "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True, timeout=60)
    return TestKey(key, cert)


def resign(xml: bytes, signer: TestKey, workdir: pathlib.Path, c14n: str | None = None) -> bytes:
    """Re-signs every ds:Signature of the document with `signer` (innermost first, so an outer
    signature covers the inner one's final value), keeping each Signature's Reference and
    algorithms (or `c14n` for both SignedInfo and the Reference's canonicalization). KeyInfo is
    dropped: the validator pins the certificate."""
    root = parse(xml)
    signatures = root.xpath("//ds:Signature", namespaces=NS)
    for sig in signatures:
        for value in sig.xpath("ds:SignedInfo/ds:Reference/ds:DigestValue | ds:SignatureValue", namespaces=NS):
            value.text = ""
        for info in sig.findall("ds:KeyInfo", NS):
            sig.remove(info)
        if c14n:
            sig.find("ds:SignedInfo/ds:CanonicalizationMethod", NS).set("Algorithm", c14n)
            for t in sig.findall("ds:SignedInfo/ds:Reference/ds:Transforms/ds:Transform", NS):
                if "c14n" in (t.get("Algorithm") or ""):
                    t.set("Algorithm", c14n)
    current = etree.tostring(root.getroottree(), xml_declaration=False)
    depth = sorted(range(len(signatures)), key=lambda i: -len(list(signatures[i].iterancestors())))
    for i in depth:
        path = workdir / f"sign-{hashlib.sha256(current).hexdigest()[:16]}.xml"
        path.write_bytes(current)
        xpath = f"(//*[local-name()='Signature' and namespace-uri()='{DSIG}'])[{i + 1}]"
        proc = _run(["xmlsec1", "--sign", "--privkey-pem", str(signer.key), *ID_ATTRS, "--node-xpath", xpath, str(path)])
        if proc.returncode != 0:
            raise OracleError("xmlsec1 --sign failed: " + proc.stderr.decode("utf-8", "replace")[-400:])
        current = proc.stdout
    return current
