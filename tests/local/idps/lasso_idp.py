"""Mints an IdP-initiated SAML Response with Lasso (Entr'ouvert's C SAML library, Debian
`python3-lasso`), the way a Lasso-based IdP (Authentic2) answers a click on an AWS tile.

Run by Debian's /usr/bin/python3 (python3-lasso installs only for it), not the repository's
virtualenv: JSON on stdin (see README.md in this folder), the base64 SAMLResponse on stdout.

Configured as an administrator would for AWS: the SP's metadata names the Audience (its entityID)
and the ACS URL, which Lasso uses as the Destination and the bearer Recipient; RSA-SHA256; the IdP
keeps the signing key and certificate it already has (the same as the local pysaml2 IdP: an
operator switching IdP software keeps the key the broker and the IAM SAML provider pin)."""

import base64
import datetime
import json
import sys
from xml.sax.saxutils import quoteattr

import lasso

URI = "urn:oasis:names:tc:SAML:2.0:attrname-format:uri"
POST = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST"
MD = 'xmlns="urn:oasis:names:tc:SAML:2.0:metadata" xmlns:ds="http://www.w3.org/2000/09/xmldsig#"'


def pem_body(path):
    """The base64 body of a PEM certificate (for the IdP's own metadata)."""
    with open(path, encoding="ascii") as handle:
        return "".join(line.strip() for line in handle if line.strip() and not line.startswith("-----"))


def idp_metadata(spec):
    """The IdP's own metadata, as Lasso wants it for its Server (its entity ID and signing key)."""
    return (
        f"<EntityDescriptor {MD} entityID={quoteattr(spec['idp_entity_id'])}>"
        '<IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">'
        f'<KeyDescriptor use="signing"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>{pem_body(spec["cert_file"])}'
        "</ds:X509Certificate></ds:X509Data></ds:KeyInfo></KeyDescriptor>"
        f'<SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location={quoteattr(spec["idp_entity_id"] + "/sso")}/>'
        "</IDPSSODescriptor></EntityDescriptor>"
    )


def sp_metadata(spec):
    """The SP as the administrator enters it: entity ID (the Audience) and the ACS URL."""
    return (
        f"<EntityDescriptor {MD} entityID={quoteattr(spec['sp_entity_id'])}>"
        '<SPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol" WantAssertionsSigned="true">'
        f'<AssertionConsumerService index="0" isDefault="true" Binding="{POST}" Location={quoteattr(spec["acs_url"])}/>'
        "</SPSSODescriptor></EntityDescriptor>"
    )


def attribute_statement(attributes):
    statement = lasso.Saml2AttributeStatement()
    items = []
    for name, values in attributes.items():
        attribute = lasso.Saml2Attribute()
        attribute.name, attribute.nameFormat = name, URI
        encoded = []
        for value in values:
            text = lasso.MiscTextNode.newWithString(value)
            text.textChild = True
            node = lasso.Saml2AttributeValue()
            node.any = [text]
            encoded.append(node)
        attribute.attributeValue = encoded
        items.append(attribute)
    statement.attribute = items
    return statement


def mint(spec):
    with open(spec["key_file"], encoding="ascii") as key, open(spec["cert_file"], encoding="ascii") as cert:
        server = lasso.Server.newFromBuffers(idp_metadata(spec), key.read(), None, cert.read())
    server.signatureMethod = lasso.SIGNATURE_METHOD_RSA_SHA256
    server.addProviderFromBuffer(lasso.PROVIDER_ROLE_SP, sp_metadata(spec))

    login = lasso.Login(server)
    login.initIdpInitiatedAuthnRequest(spec["sp_entity_id"])
    login.request.nameIdPolicy.format = spec["name_id_format"]
    login.request.nameIdPolicy.allowCreate = True
    login.request.protocolBinding = POST
    login.processAuthnRequestMsg(None)
    login.validateRequestMsg(True, True)
    now = datetime.datetime.now(datetime.timezone.utc)
    later = now + datetime.timedelta(seconds=int(spec.get("lifetime_seconds", 300)))
    stamp = "%Y-%m-%dT%H:%M:%SZ"
    login.buildAssertion(lasso.SAML2_AUTHN_CONTEXT_PASSWORD_PROTECTED_TRANSPORT, now.strftime(stamp), None,
                         now.strftime(stamp), later.strftime(stamp))
    name_id = lasso.Saml2NameID()
    name_id.format, name_id.content = spec["name_id_format"], spec["name_id"]
    login.assertion.subject.nameID = name_id
    login.assertion.attributeStatement = [attribute_statement(spec["attributes"])]
    login.buildAuthnResponseMsg()
    # The POST binding's form field: Lasso gives it base64 already; normalise it to one line.
    return base64.b64encode(base64.b64decode(login.msgBody)).decode()


if __name__ == "__main__":
    sys.stdout.write(mint(json.load(sys.stdin)) + "\n")
