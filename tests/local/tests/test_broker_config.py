"""The configuration the local stack writes for the functions: the committed example with the
stack's real addresses (no stack needed)."""

from __future__ import annotations

import tomllib

from studiogate_local.functions import ROOT, broker_config

EXAMPLE = ROOT / "examples/local/studiogate.toml"


def test_every_address_is_replaced_whole_even_when_a_port_starts_like_the_examples():
    # Free ports are random: an endpoint listener on 45661 begins with the example's 4566.
    written = tomllib.loads(broker_config(EXAMPLE, "http://127.0.0.1:36413", "http://127.0.0.1:90001",
                                          "http://127.0.0.1:45661", idp="http://127.0.0.1:80001"))
    assert written["presign"]["sagemaker_endpoint_url"] == "http://127.0.0.1:45661"
    assert written["presign"]["federation_url"] == "http://127.0.0.1:36413/federation"
    assert written["presign"]["broker_url"] == "http://127.0.0.1:90001"
    assert written["sp"]["acs_urls"] == ["http://127.0.0.1:90001/lambda-url/saml-validator/saml/acs"]
    assert written["idp"]["sso_url"] == "http://127.0.0.1:80001/sso"
