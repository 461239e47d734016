"""saml-validator, the Python way (the AWS whitepaper's design: signxml and boto3 in a Lambda
function). Written for the benchmark only (tests/perf): not product code, not hardened, not
deployed. It does the same work, with the same AWS calls, as the Rust function on a returning or
new user's login to a SageMaker target: verify the signed assertion against the pinned certificate
and check issuer, audience, recipient and time window; spend the assertion once in the replay table
(DynamoDB PutItem, conditional); AssumeRoleWithSAML (unsigned); seal the presign request with a KMS
HMAC (GenerateMac); Invoke presign; answer 302 to the URL it returns."""

from __future__ import annotations

import base64
import datetime
import hashlib
import json
import time
import urllib.parse

from botocore.exceptions import ClientError
from lxml import etree
from signxml import XMLVerifier

from common import CONFIG, client

SAML = {"p": "urn:oasis:names:tc:SAML:2.0:protocol", "a": "urn:oasis:names:tc:SAML:2.0:assertion"}
AWS = "https://aws.amazon.com/SAML/Attributes/"
with open(CONFIG["idp"]["certificate_files"][0], encoding="utf-8") as _handle:
    IDP_CERT = _handle.read()
LOGIN = CONFIG["login"]
PRESIGN = CONFIG["presign"]
ACS_URLS = set(CONFIG["sp"]["acs_urls"])
AUDIENCES = set(CONFIG["sp"].get("audiences", ["urn:amazon:webservices"]))
DYNAMODB = client("dynamodb")
STS = client("sts", unsigned=True)
KMS = client("kms")
LAMBDA = client("lambda")


class Refused(Exception):
    """Any reason to answer 403 (the reason goes to the log only)."""


def _page(status: int, text: str) -> dict:
    return {"statusCode": status, "headers": {"content-type": "text/plain; charset=utf-8", "cache-control": "no-store"},
            "body": text}


def _instant(value: str) -> float:
    return datetime.datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()


def verify(saml_response: str) -> dict:
    """The verified assertion's facts. signxml returns only what the signature covers."""
    document = base64.b64decode(saml_response, validate=True)
    verified = XMLVerifier().verify(document, x509_cert=IDP_CERT, expect_references=1).signed_xml
    response = etree.fromstring(document)
    assertion = verified if verified.tag == f"{{{SAML['a']}}}Assertion" else verified.find("a:Assertion", SAML)
    if assertion is None:
        raise Refused("no signed assertion")
    if assertion.findtext("a:Issuer", namespaces=SAML) != CONFIG["idp"]["entity_id"]:
        raise Refused("issuer")
    if response.get("Destination") not in ACS_URLS:
        raise Refused("destination")
    now = time.time()
    conditions = assertion.find("a:Conditions", SAML)
    if not _instant(conditions.get("NotBefore")) - 60 <= now < _instant(conditions.get("NotOnOrAfter")) + 60:
        raise Refused("conditions window")
    if not AUDIENCES & {a.text for a in conditions.iterfind("a:AudienceRestriction/a:Audience", SAML)}:
        raise Refused("audience")
    confirmation = assertion.find("a:Subject/a:SubjectConfirmation/a:SubjectConfirmationData", SAML)
    if confirmation.get("Recipient") not in ACS_URLS or now >= _instant(confirmation.get("NotOnOrAfter")) + 60:
        raise Refused("subject confirmation")
    attributes = {a.get("Name"): [v.text for v in a.iterfind("a:AttributeValue", SAML)]
                  for a in assertion.iterfind("a:AttributeStatement/a:Attribute", SAML)}
    return {"id": assertion.get("ID"), "expires": _instant(confirmation.get("NotOnOrAfter")), "attributes": attributes}


METADATA = (f'<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="{sorted(AUDIENCES)[0]}">'
            '<md:SPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">'
            '<md:AssertionConsumerService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" '
            f'Location="{CONFIG["sp"]["acs_urls"][0]}" index="0"/></md:SPSSODescriptor></md:EntityDescriptor>')


def handler(event, context):
    if event.get("rawPath") == "/saml/metadata":   # the local IdP imports it
        return {"statusCode": 200, "headers": {"content-type": "application/samlmetadata+xml"}, "body": METADATA}
    if event.get("rawPath") == "/healthz":   # the local stack's start-up check
        return {"statusCode": 200, "headers": {"content-type": "text/plain"}, "body": "ok"}
    body = event.get("body") or ""
    if event.get("isBase64Encoded"):
        body = base64.b64decode(body).decode()
    form = urllib.parse.parse_qs(body)
    try:
        saml_response = form["SAMLResponse"][0]
        facts = verify(saml_response)
        target_key = form.get("RelayState", [""])[0]
        target = CONFIG["targets"][target_key]
        pairs = [value.split(",") for value in facts["attributes"][AWS + "Role"]]
        role, provider = next((r, p) for r, p in pairs if r in LOGIN["allowed_roles"])
    except Exception as refused:   # noqa: BLE001 - one answer for every reason; the reason goes to the log
        print(json.dumps({"message": "refused", "reason": type(refused).__name__}))
        return _page(403, "Authentication failed.")
    try:
        DYNAMODB.put_item(TableName=LOGIN["replay_table"],
                          Item={"pk": {"S": "assertion#" + hashlib.sha256(facts["id"].encode()).hexdigest()},
                                "expires_at": {"N": str(int(facts["expires"]) + 300)}},
                          ConditionExpression="attribute_not_exists(pk)")
    except ClientError as error:
        if error.response["Error"]["Code"] == "ConditionalCheckFailedException":
            return _page(403, "This sign-in link was already used.")
        raise
    credentials = STS.assume_role_with_saml(RoleArn=role, PrincipalArn=provider, SAMLAssertion=saml_response)["Credentials"]
    request = json.dumps({
        "target": target_key, "domain_id": target["domain_id"],
        "user": facts["attributes"][AWS + "PrincipalTag:studiouserid"][0],
        "groups": facts["attributes"].get(LOGIN["groups_attribute"], []),
        "credentials": {k: credentials[k] for k in ("AccessKeyId", "SecretAccessKey", "SessionToken")},
        "nonce": facts["id"], "issued_at": time.time(),
    }, sort_keys=True)
    mac = KMS.generate_mac(KeyId=PRESIGN["seal_key"], MacAlgorithm="HMAC_SHA_256", Message=request.encode())["Mac"]
    answer = LAMBDA.invoke(FunctionName=LOGIN["presign_function"],
                           Payload=json.dumps({"request": request, "mac": base64.b64encode(mac).decode()}))
    result = json.loads(answer["Payload"].read())
    if answer.get("FunctionError") or "url" not in result:
        print(json.dumps({"message": "presign failed"}))
        return _page(502, "Studio could not be opened.")
    print(json.dumps({"message": "login", "target": target_key}))
    return {"statusCode": 302, "headers": {"location": result["url"], "cache-control": "no-store"}, "body": ""}
