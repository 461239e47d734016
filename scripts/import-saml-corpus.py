#!/usr/bin/env python3
"""Copies the SAML conformance corpus that studiogate's tests use into tests/fixtures/saml-corpus.

Usage: scripts/import-saml-corpus.py [SOURCE_DIR]   (default: ../shared/saml-corpus)

Copies manifest.json, the corpus README (attribution), each source's licence, every fixture file, the
certificate each fixture is verified with, and the SP decryption keys the encrypted fixtures name, so
the project's tests stand on their own. Run it again to refresh; it only adds or overwrites files.
"""
import json
import pathlib
import shutil
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
SOURCE = pathlib.Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT.parent / "shared" / "saml-corpus"
DEST = ROOT / "tests" / "fixtures" / "saml-corpus"

# Where the SP decryption keys named in `requires` live, per source folder.
SP_KEYS = {
    "testdata/sp_key.pem": "crewjam-saml/testdata/sp_key.pem",
    "providertests/testdata/onelogin/sp.encryption.key": "gosaml2/providertests/testdata/onelogin/sp.encryption.key",
    "providertests/testdata/oktaenc_sp_encryption_key.pem": "gosaml2/providertests/testdata/oktaenc_sp_encryption_key.pem",
    # Upstream this file is a git symlink to the Okta key; the corpus stores the link text.
    "providertests/testdata/adfs_sp_encryption_key.pem": "gosaml2/providertests/testdata/oktaenc_sp_encryption_key.pem",
    "providertests/testdata/pingfed/sp.encryption.key": "gosaml2/providertests/testdata/pingfed/sp.encryption.key",
    "testdata/test.key": "gosaml2/testdata/test.key",
    "test/static/testshib encryption pvk.pem": "node-saml/test/static/testshib encryption pvk.pem",
    # "SP private key of the source suite": ruby-saml ships its key; python3-saml keeps it inline in
    # tests/settings/settings7.json (extracted below into a PEM file).
    "ruby-saml:source-suite": "ruby-saml/test/certificates/ruby-saml.key",
    "python3-saml:source-suite": "python3-saml/tests/settings/sp-private-key.pem",
}


# Fixtures whose only signature is inside an encrypted assertion, so the manifest names no `cert`.
# Found once by decrypting with the named SP key and verifying against each certificate in the
# source's _certs folder (bergshamra decrypt + verify_all); exactly these verified.
EXTRA_CERTS = {
    "crewjam-saml/samlsp/testdata/saml_response.xml": "crewjam-saml/_certs/83f3fee451358c5f.pem",
    "crewjam-saml/testdata/SP_SamlResponse": "crewjam-saml/_certs/83f3fee451358c5f.pem",
    "crewjam-saml/testdata/TestSPCanHandleOktaResponseEncryptedSignedAssertion_response": "crewjam-saml/_certs/d40df01ccede49d2.pem",
    "crewjam-saml/testdata/TestSPResponseWithNoIssuer_response": "crewjam-saml/_certs/83f3fee451358c5f.pem",
    "gosaml2/providertests/testdata/adfs_response_enc.b64": "gosaml2/_certs/ff96f51eedf59538.pem",
    "gosaml2/providertests/testdata/onelogin/olgn09_response_05.b64": "gosaml2/_certs/8c77c38962074a21.pem",
    "gosaml2/providertests/testdata/onelogin/olgn09_response_06.b64": "gosaml2/_certs/8c77c38962074a21.pem",
}


def copy(relative: str) -> None:
    src = SOURCE / relative
    if not src.exists():
        return
    dst = DEST / relative
    dst.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(src, dst)


def main() -> None:
    manifest = json.loads((SOURCE / "manifest.json").read_text())
    copy("manifest.json")
    copy("README.md")
    for licence in SOURCE.glob("*/LICENSE*"):
        copy(str(licence.relative_to(SOURCE)))
    for fixture in manifest["fixtures"]:
        copy(fixture["file"])
        if fixture.get("cert"):
            copy(fixture["cert"])
    for key in SP_KEYS.values():
        copy(key)
    settings = json.loads((SOURCE / "python3-saml/tests/settings/settings7.json").read_text())
    body = settings["sp"]["privateKey"].strip()
    lines = [body[i : i + 64] for i in range(0, len(body), 64)]
    pem = "-----BEGIN RSA PRIVATE KEY-----\n" + "\n".join(lines) + "\n-----END RSA PRIVATE KEY-----\n"
    (DEST / "python3-saml/tests/settings").mkdir(parents=True, exist_ok=True)
    (DEST / "python3-saml/tests/settings/sp-private-key.pem").write_text(pem)
    for cert in EXTRA_CERTS.values():
        copy(cert)
    (DEST / "extra-certs.json").write_text(json.dumps(EXTRA_CERTS, indent=1) + "\n")
    (DEST / "sp-keys.json").write_text(json.dumps(SP_KEYS, indent=1) + "\n")
    print(f"copied {len(manifest['fixtures'])} fixtures into {DEST.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
