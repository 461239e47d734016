"""XML Encryption for SAML's EncryptedAssertion (https://www.w3.org/TR/xmlenc-core1/), with the
`cryptography` package: STS's side (decrypt with the private keys an IAM SAML provider holds) and the
test IdP's (encrypt for an SP certificate).

Key transport: RSA-OAEP (`xmlenc#rsa-oaep-mgf1p`, or `xmlenc11#rsa-oaep` with its MGF and digest);
content: AES-CBC (128/192/256) or AES-GCM (128/192/256), the ciphers AWS names for SAML encryption.
RSA PKCS#1 v1.5 key transport is refused (a padding oracle in any online decryptor).
"""

from __future__ import annotations

import base64
import os

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.x509 import load_pem_x509_certificate
from lxml import etree

XENC = "http://www.w3.org/2001/04/xmlenc#"
XENC11 = "http://www.w3.org/2009/xmlenc11#"
DS = "http://www.w3.org/2000/09/xmldsig#"
SAML = "urn:oasis:names:tc:SAML:2.0:assertion"
NS = {"xenc": XENC, "xenc11": XENC11, "ds": DS, "saml": SAML}

_CBC = {f"{XENC}aes128-cbc": 16, f"{XENC}aes192-cbc": 24, f"{XENC}aes256-cbc": 32}
_GCM = {f"{XENC11}aes128-gcm": 16, f"{XENC11}aes192-gcm": 24, f"{XENC11}aes256-gcm": 32}
_DIGESTS = {"http://www.w3.org/2000/09/xmldsig#sha1": hashes.SHA1, "http://www.w3.org/2001/04/xmlenc#sha256": hashes.SHA256,
            "http://www.w3.org/2001/04/xmlenc#sha512": hashes.SHA512}
_MGFS = {f"{XENC11}mgf1sha1": hashes.SHA1, f"{XENC11}mgf1sha256": hashes.SHA256, f"{XENC11}mgf1sha512": hashes.SHA512}


class DecryptionError(ValueError):
    """The EncryptedAssertion could not be decrypted (why, without key material)."""


def _b64(element, path: str) -> bytes:
    value = element.findtext(path, namespaces=NS)
    if value is None:
        raise DecryptionError(f"no {path}")
    return base64.b64decode("".join(value.split()))


def _oaep(encrypted_key) -> padding.OAEP:
    method = encrypted_key.find("xenc:EncryptionMethod", NS)
    algorithm = method.get("Algorithm") if method is not None else None
    if algorithm not in (f"{XENC}rsa-oaep-mgf1p", f"{XENC11}rsa-oaep"):
        raise DecryptionError(f"key transport {algorithm!r} is not RSA-OAEP")
    digest_uri = method.find("ds:DigestMethod", NS)
    digest = _DIGESTS.get(digest_uri.get("Algorithm") if digest_uri is not None else "http://www.w3.org/2000/09/xmldsig#sha1")
    mgf_uri = method.find("xenc11:MGF", NS)
    mgf = _MGFS.get(mgf_uri.get("Algorithm")) if mgf_uri is not None else hashes.SHA1
    if digest is None or mgf is None or (algorithm.endswith("mgf1p") and mgf_uri is not None):
        raise DecryptionError("unsupported OAEP digest or MGF")
    return padding.OAEP(mgf=padding.MGF1(mgf()), algorithm=digest(), label=None)


def decrypt_assertion(encrypted_assertion, private_keys_pem: list[str]) -> etree._Element:
    """The Assertion inside `encrypted_assertion` (a saml:EncryptedAssertion element), decrypted
    with the first of `private_keys_pem` that unwraps its key."""
    data = encrypted_assertion.find("xenc:EncryptedData", NS)
    if data is None:
        raise DecryptionError("no EncryptedData")
    method = data.find("xenc:EncryptionMethod", NS)
    algorithm = method.get("Algorithm") if method is not None else None
    if algorithm not in _CBC and algorithm not in _GCM:
        raise DecryptionError(f"content encryption {algorithm!r} is neither AES-CBC nor AES-GCM")
    candidates = data.findall("ds:KeyInfo/xenc:EncryptedKey", NS) + encrypted_assertion.findall("xenc:EncryptedKey", NS)
    if not candidates:
        raise DecryptionError("no EncryptedKey")
    keys = [serialization.load_pem_private_key(pem.encode(), password=None) for pem in private_keys_pem]
    content_key = None
    for encrypted_key in candidates:
        wrapped, oaep = _b64(encrypted_key, "xenc:CipherData/xenc:CipherValue"), _oaep(encrypted_key)
        for key in keys:
            try:
                content_key = key.decrypt(wrapped, oaep)
                break
            except ValueError:
                continue
        if content_key is not None:
            break
    if content_key is None:
        raise DecryptionError("no private key of the SAML provider unwraps the content key")
    ciphertext = _b64(data, "xenc:CipherData/xenc:CipherValue")
    if algorithm in _GCM:
        if len(content_key) != _GCM[algorithm]:
            raise DecryptionError("content key of the wrong length")
        try:
            plaintext = AESGCM(content_key).decrypt(ciphertext[:12], ciphertext[12:], None)
        except Exception as error:  # cryptography.exceptions.InvalidTag
            raise DecryptionError("the AES-GCM tag does not verify") from error
    else:
        if len(content_key) != _CBC[algorithm] or len(ciphertext) < 32 or len(ciphertext) % 16:
            raise DecryptionError("malformed AES-CBC content")
        decryptor = Cipher(algorithms.AES(content_key), modes.CBC(ciphertext[:16])).decryptor()
        padded = decryptor.update(ciphertext[16:]) + decryptor.finalize()
        # XML Encryption padding: the last byte is the pad length (the other pad bytes are arbitrary).
        if not 1 <= padded[-1] <= 16:
            raise DecryptionError("malformed AES-CBC padding")
        plaintext = padded[: -padded[-1]]
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    try:
        assertion = etree.fromstring(plaintext, parser)
    except etree.XMLSyntaxError as error:
        raise DecryptionError("the decrypted content is not XML") from error
    if assertion.tag != f"{{{SAML}}}Assertion":
        raise DecryptionError("the decrypted content is not an Assertion")
    return assertion


def encrypt_assertion(assertion_xml: bytes, certificate_pem: str) -> str:
    """A saml:EncryptedAssertion for `certificate_pem`'s key: AES-256-GCM content, RSA-OAEP-MGF1P
    (SHA-1) key transport inside EncryptedData/KeyInfo, as IdPs commonly send it."""
    public_key = load_pem_x509_certificate(certificate_pem.encode()).public_key()
    content_key, iv = AESGCM.generate_key(bit_length=256), os.urandom(12)
    ciphertext = iv + AESGCM(content_key).encrypt(iv, assertion_xml, None)
    wrapped = public_key.encrypt(content_key, padding.OAEP(mgf=padding.MGF1(hashes.SHA1()), algorithm=hashes.SHA1(), label=None))
    b64 = lambda raw: base64.b64encode(raw).decode()  # noqa: E731
    return (
        f'<saml:EncryptedAssertion xmlns:saml="{SAML}"><xenc:EncryptedData xmlns:xenc="{XENC}" Type="{XENC}Element">'
        f'<xenc:EncryptionMethod Algorithm="{XENC11}aes256-gcm"/>'
        f'<ds:KeyInfo xmlns:ds="{DS}"><xenc:EncryptedKey><xenc:EncryptionMethod Algorithm="{XENC}rsa-oaep-mgf1p">'
        f'<ds:DigestMethod Algorithm="http://www.w3.org/2000/09/xmldsig#sha1"/></xenc:EncryptionMethod>'
        f"<xenc:CipherData><xenc:CipherValue>{b64(wrapped)}</xenc:CipherValue></xenc:CipherData></xenc:EncryptedKey></ds:KeyInfo>"
        f"<xenc:CipherData><xenc:CipherValue>{b64(ciphertext)}</xenc:CipherValue></xenc:CipherData>"
        f"</xenc:EncryptedData></saml:EncryptedAssertion>"
    )
