"""Encrypted assertions (issue 13 item 5): STS decrypts an EncryptedAssertion only with the private
keys its IAM SAML provider holds (AddPrivateKey, as the stack gives it the SP key's secret), refuses
plain assertions when the provider requires encryption, and keeps two keys for a rotation.
saml-validator reads the same secret through Parameter Store's reference, authorized on both."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from studiogate_emulator import testidp as saml

from conftest import KEYS, default_world

SECRET = "studiogate/sp-key"
REFERENCE = f"/aws/reference/secretsmanager/{SECRET}"


def seeded(emulator, **parameters) -> dict:
    emulator.control("POST", "/reset")
    description = default_world()
    description["secrets"] = [{"name": SECRET, "value_file": str(KEYS / "sp-encryption-key.pem")}]
    description["stack"] = {**description["stack"], "parameters": {"SpDecryptionKeySecret": SECRET, **parameters}}
    return emulator.control("POST", "/seed", description)


def refusal(excinfo) -> tuple[str, str]:
    return excinfo.value.response["Error"]["Code"], excinfo.value.response["Error"]["Message"]


def test_sts_decrypts_with_the_key_the_stack_gave_the_provider(emulator):
    seeded(emulator)
    result = saml.assume(emulator, saml.response(encrypt_for="sp-encryption"))
    assert result["AssumedRoleUser"]["Arn"].endswith(":assumed-role/StudioUser/alice")
    assert result["Subject"] == "alice@example.com"


def test_a_provider_that_requires_encryption_refuses_a_plain_assertion(emulator):
    seeded(emulator)
    with pytest.raises(ClientError) as excinfo:
        saml.assume(emulator, saml.response())
    assert refusal(excinfo) == ("InvalidIdentityToken", "the SAML provider requires encrypted assertions")


def test_allowed_mode_takes_both_while_the_idp_switches(emulator):
    seeded(emulator, AssertionEncryptionMode="Allowed")
    assert saml.assume(emulator, saml.response())["Subject"] == "alice@example.com"
    assert saml.assume(emulator, saml.response(encrypt_for="sp-encryption"))["Subject"] == "alice@example.com"


def test_without_the_key_sts_cannot_decrypt(emulator, world):
    # The default world's provider has no private key: the stack was given no SpDecryptionKeySecret.
    with pytest.raises(ClientError) as excinfo:
        saml.assume(emulator, saml.response(encrypt_for="sp-encryption"))
    assert refusal(excinfo) == ("InvalidIdentityToken",
                                "the assertion is encrypted and the SAML provider has no private key to decrypt it")


def test_an_assertion_for_another_key_is_refused(emulator):
    seeded(emulator)
    with pytest.raises(ClientError) as excinfo:
        saml.assume(emulator, saml.response(encrypt_for="attacker"))
    assert refusal(excinfo)[1].endswith("no private key of the SAML provider unwraps the content key")


def test_a_rotation_adds_the_new_key_then_removes_the_old(emulator):
    world = seeded(emulator)
    iam, provider = emulator.client("iam"), world["stack"]["saml_providers"]["SamlProvider"]
    iam.update_saml_provider(SAMLProviderArn=provider, AddPrivateKey=(KEYS / "attacker-key.pem").read_text())
    for key in ("sp-encryption", "attacker"):   # both, while the IdP switches certificates
        assert saml.assume(emulator, saml.response(encrypt_for=key))["Subject"] == "alice@example.com"
    from studiogate_emulator.samlkeys import key_id
    iam.update_saml_provider(SAMLProviderArn=provider, RemovePrivateKey=key_id((KEYS / "sp-encryption-key.pem").read_text()))
    with pytest.raises(ClientError):
        saml.assume(emulator, saml.response(encrypt_for="sp-encryption"))
    assert saml.assume(emulator, saml.response(encrypt_for="attacker"))["Subject"] == "alice@example.com"


def test_saml_validator_reads_the_secret_through_parameter_store_and_presign_cannot(emulator):
    world = seeded(emulator)
    validator, presign = world["function_credentials"]["saml-validator"], world["function_credentials"]["presign"]
    value = emulator.client("ssm", validator).get_parameter(Name=REFERENCE, WithDecryption=True)["Parameter"]["Value"]
    assert value == (KEYS / "sp-encryption-key.pem").read_text()
    call = [c for c in emulator.control("GET", "/calls") if c["operation"] == "GetParameter"][-1]
    requests = {r["action"]: r for r in call["authorization"]["requests"]}
    assert set(requests) == {"ssm:GetParameter", "secretsmanager:GetSecretValue"}
    assert requests["secretsmanager:GetSecretValue"]["resource"] == world["secrets"][SECRET]
    assert all(r["decision"] == "Allowed" for r in requests.values())
    with pytest.raises(ClientError) as excinfo:
        emulator.client("ssm", presign, url=world["endpoints"]["ssm"]).get_parameter(Name=REFERENCE, WithDecryption=True)
    assert refusal(excinfo)[0] == "AccessDeniedException"


def test_aes_cbc_content_decrypts_too(emulator):
    """AES-CBC (XML Encryption padding: the last byte is the pad length) as older IdPs send it."""
    import base64
    import os

    from cryptography.hazmat.primitives import hashes, padding as sym_padding
    from cryptography.hazmat.primitives.asymmetric import padding
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
    from cryptography.x509 import load_pem_x509_certificate
    from lxml import etree

    from studiogate_emulator import xmlenc

    seeded(emulator)
    document = etree.fromstring(base64.b64decode(saml.response(encrypt_for="sp-encryption")))
    gcm = document.find("saml:EncryptedAssertion", xmlenc.NS)
    assertion = xmlenc.decrypt_assertion(gcm, [(KEYS / "sp-encryption-key.pem").read_text()])
    key, iv = os.urandom(16), os.urandom(16)
    padder = sym_padding.PKCS7(128).padder()
    encryptor = Cipher(algorithms.AES(key), modes.CBC(iv)).encryptor()
    content = iv + encryptor.update(padder.update(etree.tostring(assertion)) + padder.finalize()) + encryptor.finalize()
    public = load_pem_x509_certificate((KEYS / "sp-encryption-cert.pem").read_bytes()).public_key()
    wrapped = public.encrypt(key, padding.OAEP(mgf=padding.MGF1(hashes.SHA1()), algorithm=hashes.SHA1(), label=None))
    cbc = etree.fromstring(
        f'<saml:EncryptedAssertion xmlns:saml="{xmlenc.SAML}"><xenc:EncryptedData xmlns:xenc="{xmlenc.XENC}">'
        f'<xenc:EncryptionMethod Algorithm="{xmlenc.XENC}aes128-cbc"/><xenc:CipherData><xenc:CipherValue>'
        f'{base64.b64encode(content).decode()}</xenc:CipherValue></xenc:CipherData></xenc:EncryptedData>'
        f'<xenc:EncryptedKey xmlns:xenc="{xmlenc.XENC}"><xenc:EncryptionMethod Algorithm="{xmlenc.XENC}rsa-oaep-mgf1p"/>'
        f'<xenc:CipherData><xenc:CipherValue>{base64.b64encode(wrapped).decode()}</xenc:CipherValue></xenc:CipherData>'
        f'</xenc:EncryptedKey></saml:EncryptedAssertion>')
    document.replace(gcm, cbc)
    response = base64.b64encode(etree.tostring(document)).decode()
    assert saml.assume(emulator, response)["Subject"] == "alice@example.com"
