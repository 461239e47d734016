"""Differential oracle (issue 14, item 2): for every input studiogate's validator accepts, xmlsec1
must verify the same signatures with the same pinned key, and lxml must read the same Issuer,
NameID, roles, session name, duration and attributes from the bytes xmlsec1 verified. See
../README.md. Known disagreements are strict xfails naming the finding: fix the validator, and
the xfail turns into a failure that asks for its marker to be removed."""

from __future__ import annotations

import base64
import dataclasses
import pathlib
import random
import sys
from datetime import datetime, timedelta, timezone
from typing import Callable

import pytest
from lxml import etree

import studiogate_oracle as oracle
from studiogate_oracle import NS, SAML, SAMLP, DSIG

REPO = oracle.REPO

# Findings (README.md, "Findings") are fixed in the validator; a new disagreement is a failure. A
# finding known but not yet fixed is a strict xfail naming it (none today).
KNOWN: dict[str, str] = {}

PLANS = oracle.corpus_plans()
ACCEPT = [p for p in PLANS if p.fixture.get("expected") == "accept"]
OTHERS = [p for p in PLANS if p.fixture.get("expected") != "accept"]


def _params(plans, known=None):
    out = []
    for p in plans:
        marks = [pytest.mark.xfail(strict=True, reason=known[p.id])] if known and p.id in known else []
        out.append(pytest.param(p, id=p.id, marks=marks))
    return out


def _explain(problems: list[str]) -> str:
    return "\n  ".join(problems)


def _top_level_assertion_ids(plan) -> set[str | None]:
    """IDs of the Response's own Assertion (an encrypted one's ID is unknown: any reading counts)."""
    doc = oracle.parse(plan.xml())
    ids = {a.get("ID") for a in doc.findall("saml:Assertion", NS)}
    if doc.find("saml:EncryptedAssertion", NS) is not None:
        return _Everything()
    return ids


class _Everything(set):
    def __contains__(self, item):
        return True


# ---------------------------------------------------------------------------------------------
# the oracle itself, against the manifest (no studiogate involved)


@pytest.mark.parametrize("plan", _params(ACCEPT))
def test_the_oracle_reads_what_the_manifest_says(plan, workdir):
    """xmlsec1 verifies every accepted fixture's signature(s) with the listed certificate, and the
    oracle's NameID (whitespace aside: the manifest trims) and AWS attributes are the manifest's."""
    if plan.key is None and plan.fixture.get("encrypted"):
        pytest.skip("the assertion is encrypted, and the SP key is not shipped")
    try:
        result = oracle.oracle(plan.xml(), plan.args.cert, plan.key, workdir)
    except oracle.OracleError as e:
        pytest.skip(f"the oracle cannot read this fixture: {e}")
    assert result.readings, f"no verified signature covers an assertion: {result.notes}"
    expected = plan.fixture.get("nameid")
    top = [r for r in result.readings if r.assertion_id in _top_level_assertion_ids(plan)]
    assert top, f"no verified signature covers the Response's own assertion: {result.notes}"
    for reading in top:
        if expected is not None:
            assert (reading.name_id or "").strip() == expected, reading.source
        for name, values in (plan.fixture.get("aws_attributes") or {}).items():
            assert reading.attributes.get(name) == values, (reading.source, name)


# ---------------------------------------------------------------------------------------------
# the corpus through `studiogate inspect`


def _compare_plan(plan: oracle.Plan, binary, workdir) -> tuple[oracle.Inspection, list[str]]:
    inspection, args = oracle.inspect_fixture(binary, plan)
    if oracle.refused_a_1024_bit_key(inspection):
        return inspection, []
    if inspection.exit_code == 2:
        return inspection, [f"inspect refused its configuration: {inspection.stderr.strip()}"]
    if not inspection.accepted:
        return inspection, []
    try:
        result = oracle.oracle(plan.xml(), args.cert, args.decryption_key, workdir)
    except oracle.OracleError as e:
        return inspection, [f"the validator accepted, but the oracle cannot read the document: {e}"]
    return inspection, oracle.disagreements(inspection.report, result)


@pytest.mark.parametrize("plan", _params(ACCEPT, KNOWN))
def test_accepted_corpus_fixture_agrees_with_xmlsec1_and_lxml(plan, binary, workdir):
    if plan.skip:
        pytest.skip(plan.skip)
    inspection, problems = _compare_plan(plan, binary, workdir)
    if oracle.refused_a_1024_bit_key(inspection):
        pytest.skip(oracle.LEGACY_RSA_1024)
    if not inspection.accepted:
        pytest.skip(f"the validator rejects it ({inspection.reason}): nothing accepted to compare "
                    "(conformance.rs and conformance_exceptions.rs judge the verdict)")
    assert not problems, f"{plan.id}:\n  {_explain(problems)}"


def test_every_other_corpus_fixture_the_validator_accepts_agrees(binary, workdir):
    """Fixtures the manifest expects rejected (or has no verdict for): if the validator accepts
    one anyway, what it read must still be what xmlsec1 verified."""
    failures = []
    for plan in OTHERS:
        if plan.skip == oracle.AUDIENCE_MANDATORY:
            continue
        inspection, problems = _compare_plan(plan, binary, workdir)
        if problems:
            failures.append(f"{plan.id}:\n  {_explain(problems)}")
    assert not failures, "\n".join(failures)


# ---------------------------------------------------------------------------------------------
# responses minted by the emulator's test IdP (signxml), as the other suites use them

sys.path.insert(0, str(REPO / "tests" / "emulator"))


def _minted_cases():
    from studiogate_emulator import testidp
    issued = datetime(2026, 6, 1, 12, 0, 0, tzinfo=timezone.utc)
    admin = (testidp.STUDIO_ADMIN, testidp.PROVIDER)
    user = (testidp.STUDIO_USER, testidp.PROVIDER)
    return {
        "plain": dict(issued=issued),
        "encrypted": dict(issued=issued, encrypt_for="sp-encryption"),
        "rollover-key": dict(issued=issued, key="idp-next"),
        "two-roles-duration-identity-tags": dict(issued=issued, roles=(user, (testidp.PROVIDER, testidp.STUDIO_ADMIN)),
                                                 session_duration=7200, source_identity="alice",
                                                 tags={"studiouserid": "alice", "team": "ml"}),
        "provider-first-role": dict(issued=issued, roles=(admin,)),
    }


@pytest.mark.parametrize("case", list(_minted_cases()))
def test_minted_response_agrees(case, binary, workdir):
    from studiogate_emulator import testidp
    kwargs = _minted_cases()[case]
    b64 = testidp.response(**kwargs)
    path = workdir / f"minted-{case}.b64"
    path.write_text(b64)
    key = kwargs.get("key", "idp")
    args = oracle.InspectArgs(
        cert=testidp.KEYS / f"{key}-cert.pem", idp_entity_id=testidp.IDP_ENTITY_ID,
        audiences=["urn:amazon:webservices"], acs_urls=[testidp.ACS_URL], recipients=[testidp.ACS_URL],
        now="2026-06-01T12:01:00Z",
        decryption_key=testidp.KEYS / "sp-encryption-key.pem" if kwargs.get("encrypt_for") else None)
    inspection = oracle.run_inspect(binary, path, args)
    assert inspection.accepted, f"minted response rejected: {inspection.reason}: {inspection.message}"
    result = oracle.oracle(base64.b64decode(b64), args.cert, args.decryption_key, workdir)
    problems = oracle.disagreements(inspection.report, result)
    assert not problems, _explain(problems)


# ---------------------------------------------------------------------------------------------
# adversarial probes: mutations of accepted fixtures


BASES = {p.id: p for p in ACCEPT if p.id.startswith("local-pysaml2/") and p.id.endswith(".xml")}
SIGNED_ASSERTION = "local-pysaml2/aws-alice-signed-assertion.xml"
SIGNED_RESPONSE = "local-pysaml2/aws-alice-signed-response.xml"
SIGNED_BOTH = "local-pysaml2/aws-alice-signed-both.xml"


@dataclasses.dataclass
class Probe:
    name: str
    base: str
    mutate: Callable[[etree._Element], None]   # edits the parsed document in place
    resign: bool                               # re-sign with the run's key (then pin its certificate)
    must_refuse: bool                          # wrapping: the validator's contract says it refuses
    c14n: str | None = None
    after_signing: Callable[[bytes], bytes] | None = None  # byte edits after (re-)signing
    finding: str | None = None                 # a known disagreement: strict xfail
    xmlsec1_verifies: bool = True              # False: xmlsec1 refuses it too (duplicate IDs)


def _assertion(doc):
    return doc.find(".//saml:Assertion", NS)


def _name_id(doc):
    return doc.find(".//saml:Subject/saml:NameID", NS)


def _attribute_values(doc, name):
    return doc.findall(f".//saml:Attribute[@Name='{name}']/saml:AttributeValue", NS)


def _set_text(element, text):
    for child in list(element):
        element.remove(child)
    element.text = text


def _evil_copy(doc, keep_id=False):
    evil = etree.fromstring(etree.tostring(_assertion(doc)))
    for sig in evil.findall("ds:Signature", NS):
        evil.remove(sig)
    if not keep_id:
        evil.set("ID", "_evil0000000000000000000000000000")
    _set_text(_name_id(evil), "admin@example.com")
    for v in _attribute_values(evil, oracle.ROLE_SESSION_NAME):
        v.text = "admin"
    return evil


def wrap_unsigned_before(doc):
    a = _assertion(doc)
    a.addprevious(_evil_copy(doc))


def wrap_unsigned_after(doc):
    a = _assertion(doc)
    a.addnext(_evil_copy(doc))


def wrap_same_id_before(doc):
    a = _assertion(doc)
    a.addprevious(_evil_copy(doc, keep_id=True))


def wrap_signed_into_extensions(doc):
    a = _assertion(doc)
    evil = _evil_copy(doc)
    response = doc
    ext = etree.Element(f"{{{SAMLP}}}Extensions")
    issuer = response.find("saml:Issuer", NS)
    issuer.addnext(ext)
    a.addprevious(evil)
    ext.append(a)


def wrap_signed_into_signature_object(doc):
    a = _assertion(doc)
    evil = _evil_copy(doc)
    a.addprevious(evil)
    sig = a.find("ds:Signature", NS)
    obj = etree.SubElement(evil, f"{{{DSIG}}}Signature")
    # a Signature in the evil assertion holding the original signed assertion in ds:Object
    import copy
    for child in sig:
        obj.append(copy.deepcopy(child))
    holder = etree.SubElement(obj, f"{{{DSIG}}}Object")
    holder.append(a)


def wrap_response_xsw1(doc):
    """XSW1: a new Response (new ID) carrying the evil assertion; the signed original Response goes
    inside it (samlp:Extensions), where its signature still verifies."""
    original = etree.fromstring(etree.tostring(doc))
    for child in list(doc):
        doc.remove(child)
    doc.set("ID", "_evilresponse000000000000000000000")
    doc.append(etree.fromstring(etree.tostring(original.find("saml:Issuer", NS))))
    ext = etree.SubElement(doc, f"{{{SAMLP}}}Extensions")
    ext.append(original)
    doc.append(etree.fromstring(etree.tostring(original.find("samlp:Status", NS))))
    doc.append(_evil_copy(original))


def wrap_assertion_in_advice(doc):
    """The signed assertion goes into the Advice of an unsigned evil assertion."""
    a = _assertion(doc)
    evil = _evil_copy(doc)
    a.addprevious(evil)
    advice = etree.Element(f"{{{SAML}}}Advice")
    evil.find("saml:Conditions", NS).addnext(advice)
    advice.append(a)


def nameid(text):
    return lambda doc: _set_text(_name_id(doc), text)


def attribute(name, text, index=0):
    def mutate(doc):
        _attribute_values(doc, name)[index].text = text
    return mutate


def comment_in_nameid(doc):
    n = _name_id(doc)
    _set_text(n, "admin@example.com")
    n.append(etree.Comment(""))
    n[-1].tail = ".evil.com"


def cdata_in_nameid(doc):
    n = _name_id(doc)
    _set_text(n, "admin")
    # lxml writes CDATA only as a whole text; assemble by bytes after serialising instead
    n.text = "@@CDATA@@"


def element_in_nameid(doc):
    n = _name_id(doc)
    _set_text(n, "admin@example.com")
    child = etree.SubElement(n, "{urn:example:x}b")
    child.text = ".evil"
    child.tail = ".com"


def corrupt_response_signature(xml: bytes) -> bytes:
    doc = oracle.parse(xml)
    sig = doc.find("ds:Signature", NS)
    value = sig.find("ds:SignatureValue", NS)
    raw = bytearray(base64.b64decode("".join(value.text.split())))
    raw[10] ^= 1
    value.text = base64.b64encode(bytes(raw)).decode()
    return etree.tostring(doc)


def insert_comment_after_signing(xml: bytes) -> bytes:
    return xml.replace(b"admin@example.com.evil.com", b"admin@example.com<!---->.evil.com", 1)


def cdata_after_serialising(xml: bytes) -> bytes:
    return xml.replace(b"@@CDATA@@", b"admin<![CDATA[@example.com]]>")


ROLE_VALUE = "arn:aws:iam::123456789012:role/DataScientist,arn:aws:iam::123456789012:saml-provider/ExampleIdP"
WITH_COMMENTS = "http://www.w3.org/2001/10/xml-exc-c14n#WithComments"

PROBES = [
    # signature wrapping: xmlsec1 verifies the original signature, the validator must refuse
    Probe("wrap-unsigned-assertion-before-signed", SIGNED_ASSERTION, wrap_unsigned_before, False, True),
    Probe("wrap-unsigned-assertion-after-signed", SIGNED_ASSERTION, wrap_unsigned_after, False, True),
    Probe("wrap-evil-assertion-with-the-signed-id-before", SIGNED_ASSERTION, wrap_same_id_before, False, True,
          xmlsec1_verifies=False),  # xmlsec1 refuses the duplicate ID itself
    Probe("wrap-signed-assertion-moved-to-extensions", SIGNED_ASSERTION, wrap_signed_into_extensions, False, True),
    Probe("wrap-signed-assertion-in-ds-object", SIGNED_ASSERTION, wrap_signed_into_signature_object, False, True),
    Probe("wrap-signed-assertion-in-advice", SIGNED_ASSERTION, wrap_assertion_in_advice, False, True),
    Probe("wrap-xsw1-signed-response-nested", SIGNED_RESPONSE, wrap_response_xsw1, False, True),
    Probe("wrap-both-signed-evil-before", SIGNED_BOTH, wrap_unsigned_before, False, True),
    Probe("invalid-response-signature-beside-valid-assertion-signature", SIGNED_BOTH, lambda d: None, False, True,
          after_signing=corrupt_response_signature),
    # content: the validator may accept only if it reads exactly the signed text
    Probe("comment-in-nameid-inserted-after-signing", SIGNED_ASSERTION, nameid("admin@example.com.evil.com"), True,
          False, after_signing=insert_comment_after_signing),
    Probe("comment-in-nameid-signed-exc-c14n", SIGNED_ASSERTION, comment_in_nameid, True, False),
    Probe("comment-in-nameid-signed-with-comments", SIGNED_ASSERTION, comment_in_nameid, True, False, c14n=WITH_COMMENTS),
    Probe("comment-in-nameid-response-signed", SIGNED_RESPONSE, comment_in_nameid, True, False),
    Probe("cdata-in-nameid", SIGNED_ASSERTION, cdata_in_nameid, True, False, after_signing=None),
    Probe("element-inside-nameid", SIGNED_ASSERTION, element_in_nameid, True, False),
    Probe("char-reference-in-nameid", SIGNED_ASSERTION, nameid("admin@example.com"), True, False,
          after_signing=lambda x: x.replace(b">admin@example.com<", b">admin&#64;example.com<", 1)),
    Probe("whitespace-around-nameid", SIGNED_ASSERTION, nameid("\n  alice@example.com  \n"), True, False),
    Probe("tab-after-nameid", SIGNED_ASSERTION, nameid("alice@example.com\t"), True, False),
    Probe("nbsp-after-nameid", SIGNED_ASSERTION, nameid("alice@example.com\u00a0"), True, False),
    Probe("zero-width-space-in-nameid", SIGNED_ASSERTION, nameid("alice\u200b@example.com"), True, False),
    Probe("whitespace-around-issuer", SIGNED_ASSERTION,
          lambda d: _set_text(_assertion(d).find("saml:Issuer", NS), " urn:example:pysaml2-idp\n"), True, False),
    Probe("tab-in-role-session-name", SIGNED_ASSERTION, attribute(oracle.ROLE_SESSION_NAME, "alice\t"), True, False),
    Probe("lf-in-role-session-name", SIGNED_ASSERTION, attribute(oracle.ROLE_SESSION_NAME, "\nalice"), True, False),
    # lxml writes a CR in text as &#13;: the signed value really ends in CR
    Probe("cr-char-reference-in-role-session-name", SIGNED_ASSERTION, attribute(oracle.ROLE_SESSION_NAME, "alice\r"),
          True, False),
    Probe("lf-inside-role-value", SIGNED_ASSERTION, attribute(oracle.ROLE, ROLE_VALUE.replace(",", ",\n")), True, False),
    Probe("space-around-role-arns", SIGNED_ASSERTION, attribute(oracle.ROLE, " " + ROLE_VALUE.replace(",", " , ") + " "),
          True, False),
    Probe("tab-in-principal-tag", SIGNED_ASSERTION,
          attribute(oracle.PRINCIPAL_TAG + "studiouserid", "alice\t"), True, False),
    Probe("whitespace-around-session-duration", SIGNED_ASSERTION, attribute(oracle.SESSION_DURATION, " 3600\n"), True,
          False),
    Probe("plus-sign-session-duration", SIGNED_ASSERTION, attribute(oracle.SESSION_DURATION, "+3600"), True, False),
    Probe("tab-lf-inside-principal-tag", SIGNED_ASSERTION,
          attribute(oracle.PRINCIPAL_TAG + "studiouserid", "a\tb\nc"), True, False),
    Probe("cr-lf-inside-role-session-name", SIGNED_ASSERTION, attribute(oracle.ROLE_SESSION_NAME, "ali\r\nce"), True,
          False),
]


def build_probe(probe: Probe, signer, workdir) -> tuple[bytes, pathlib.Path]:
    base = BASES[probe.base]
    doc = oracle.parse(base.xml())
    probe.mutate(doc)
    xml = etree.tostring(doc.getroottree())
    if probe.name == "cdata-in-nameid":
        xml = cdata_after_serialising(xml)
    cert = base.args.cert
    if probe.resign:
        xml = oracle.resign(xml, signer, workdir, c14n=probe.c14n)
        cert = signer.cert
    if probe.after_signing:
        xml = probe.after_signing(xml)
    return xml, cert


def _probe_params():
    out = []
    for p in PROBES:
        marks = [pytest.mark.xfail(strict=True, reason=p.finding)] if p.finding else []
        out.append(pytest.param(p, id=p.name, marks=marks))
    return out


@pytest.mark.parametrize("probe", _probe_params())
def test_probe_is_refused_or_read_exactly_as_signed(probe, binary, workdir, signer):
    xml, cert = build_probe(probe, signer, workdir)
    result = oracle.oracle(xml, cert, None, workdir)
    # The probe is meaningful: xmlsec1 alone verifies a signature in it with the pinned key.
    assert any(s.ok for s in result.signatures) == probe.xmlsec1_verifies, \
        f"xmlsec1 on the probe: {[(s.index, s.ok, s.detail[-200:]) for s in result.signatures]}"
    path = workdir / f"probe-{probe.name}.xml"
    path.write_bytes(xml)
    base = BASES[probe.base]
    inspection = oracle.run_inspect(binary, path, dataclasses.replace(base.args, cert=cert))
    assert inspection.exit_code in (0, 1), inspection.stderr
    if probe.must_refuse:
        assert not inspection.accepted, (f"the validator accepted a wrapped document; it read NameID "
                                         f"{inspection.report.get('name_id')!r}")
        return
    if inspection.accepted:
        problems = oracle.disagreements(inspection.report, result)
        assert not problems, _explain(problems)


def test_unmodified_probe_bases_are_accepted_and_agree(binary, workdir, signer):
    """The probes' starting points, re-signed with the run's key, are accepted and agree: a probe
    refused for a reason unrelated to its mutation would prove nothing."""
    for base_id in (SIGNED_ASSERTION, SIGNED_RESPONSE, SIGNED_BOTH):
        probe = Probe("identity", base_id, lambda d: None, True, False)
        xml, cert = build_probe(probe, signer, workdir)
        path = workdir / f"identity-{pathlib.Path(base_id).stem}.xml"
        path.write_bytes(xml)
        inspection = oracle.run_inspect(binary, path, dataclasses.replace(BASES[base_id].args, cert=cert))
        assert inspection.accepted, f"{base_id} re-signed: {inspection.reason}: {inspection.message}"
        problems = oracle.disagreements(inspection.report, oracle.oracle(xml, cert, None, workdir))
        assert not problems, _explain(problems)


# ---------------------------------------------------------------------------------------------
# fuzz: random text in the read fields of a signed document, re-signed

ALPHABET = (list("abcdefxyz0123456789@._-+=,") + [" ", "\t", "\n", "\r", "\u00a0", "\u2028", "\u200b", "é", "e\u0301",
            "&amp;", "&lt;", "&#13;", "&#9;", "&#x20;", "<!---->", "<!-- c -->", "<![CDATA[q]]>", "<?pi x?>"])
TARGETS = [("nameid", None), ("attr", oracle.ROLE_SESSION_NAME), ("attr", oracle.PRINCIPAL_TAG + "studiouserid"),
           ("attr", oracle.SESSION_DURATION), ("role", oracle.ROLE), ("issuer", None)]
FUZZ_SEEDS = range(48)


def _fuzz_text(rng: random.Random, target) -> str:
    kind, name = target
    if kind == "attr" and name == oracle.SESSION_DURATION:
        core = str(rng.choice([900, 3600, 43200]))
    elif kind == "role":
        core = ROLE_VALUE.replace(",", "".join(rng.choice([",", ", ", ",\n", ",\t"]) for _ in range(1)))
    elif kind == "issuer":
        core = "urn:example:pysaml2-idp"
    else:
        core = "".join(rng.choice(ALPHABET) for _ in range(rng.randint(2, 10)))
    pad = lambda: "".join(rng.choice([" ", "\t", "\n", "", "", "", "&#13;", "\u00a0", "<!---->"])
                          for _ in range(rng.randint(0, 2)))
    return pad() + core + pad()


def build_fuzz(seed: int, signer, workdir) -> tuple[bytes, pathlib.Path, str]:
    rng = random.Random(seed)
    target = TARGETS[seed % len(TARGETS)]
    base_id = [SIGNED_ASSERTION, SIGNED_RESPONSE, SIGNED_BOTH][seed % 3]
    text = _fuzz_text(rng, target)
    doc = oracle.parse(BASES[base_id].xml())
    marker = f"@@FUZZ{seed}@@"
    kind, name = target
    if kind == "nameid":
        _set_text(_name_id(doc), marker)
    elif kind == "issuer":
        _set_text(_assertion(doc).find("saml:Issuer", NS), marker)
    else:
        _attribute_values(doc, name)[0].text = marker
    xml = etree.tostring(doc.getroottree()).replace(marker.encode(), text.encode("utf-8"))
    xml = oracle.resign(xml, signer, workdir)
    return xml, signer.cert, f"{base_id} {kind} {name or ''} = {text!r}"


def _fuzz_outcomes(binary, workdir, signer):
    outcomes = []
    for seed in FUZZ_SEEDS:
        try:
            xml, cert, what = build_fuzz(seed, signer, workdir)
        except (oracle.OracleError, etree.XMLSyntaxError) as e:
            outcomes.append((seed, f"(not buildable: {e})", None, None, None))
            continue
        path = workdir / f"fuzz-{seed}.xml"
        path.write_bytes(xml)
        base_id = what.split()[0]
        inspection = oracle.run_inspect(binary, path, dataclasses.replace(BASES[base_id].args, cert=cert))
        result = oracle.oracle(xml, cert, None, workdir)
        outcomes.append((seed, what, inspection, result, xml))
    return outcomes


@pytest.fixture(scope="module")
def fuzz_outcomes(binary, workdir, signer):
    return _fuzz_outcomes(binary, workdir, signer)


def test_fuzz_accepted_documents_read_exactly_as_signed(fuzz_outcomes):
    failures = []
    for seed, what, inspection, result, _ in fuzz_outcomes:
        if inspection is not None and inspection.accepted:
            problems = oracle.disagreements(inspection.report, result)
            if problems:
                failures.append(f"seed {seed} ({what}):\n  {_explain(problems)}")
    assert not failures, "\n".join(failures)


def test_fuzz_accepts_something(fuzz_outcomes):
    """The fuzz is not vacuous: a fair share of the mutated documents is accepted."""
    accepted = sum(1 for o in fuzz_outcomes if o[2] is not None and o[2].accepted)
    assert accepted >= len(FUZZ_SEEDS) // 4, f"only {accepted} of {len(FUZZ_SEEDS)} fuzzed documents accepted"
