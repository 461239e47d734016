"""saml-validator events for `cargo lambda invoke`: a function-URL or an HTTP-API (payload 2.0) POST
to `/saml/acs` whose form body is a fresh, signed SAMLResponse from the local IdP."""

from __future__ import annotations

import base64
import json
import pathlib
import time
import urllib.parse
import uuid

from .idp import LocalIdp, load_world

ROOT = pathlib.Path(__file__).resolve().parents[3]
SOURCE_IP = "198.51.100.7"
USER_AGENT = "Mozilla/5.0 (X11; Linux x86_64) studiogate-example"


def acs_event(front_door: str, form_body: str, at: float) -> dict:
    """The event a front door delivers for a browser's POST of `form_body` at `at` (Unix time).
    Function URLs base64-encode the body; the HTTP API sample carries it as text: both happen."""
    function_url = front_door == "function-url"
    api_id = "a1b2c3d4e5f6g7h8i9j0k1l2m3" if function_url else "k3x9q2w7p1"
    domain = f"{api_id}.lambda-url.us-east-1.on.aws" if function_url else f"{api_id}.execute-api.us-east-1.amazonaws.com"
    stamp = time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(at))
    return {
        "version": "2.0",
        "routeKey": "$default" if function_url else "POST /saml/acs",
        "rawPath": "/saml/acs",
        "rawQueryString": "",
        "headers": {
            "content-type": "application/x-www-form-urlencoded",
            "host": domain,
            "origin": "null",
            "user-agent": USER_AGENT,
            "x-forwarded-for": SOURCE_IP,
            "x-forwarded-proto": "https",
        },
        "requestContext": {
            "accountId": "anonymous" if function_url else "123456789012",
            "apiId": api_id,
            "domainName": domain,
            "domainPrefix": api_id,
            "http": {"method": "POST", "path": "/saml/acs", "protocol": "HTTP/1.1", "sourceIp": SOURCE_IP, "userAgent": USER_AGENT},
            "requestId": str(uuid.uuid4()),
            "routeKey": "$default" if function_url else "POST /saml/acs",
            "stage": "$default",
            "time": stamp,
            "timeEpoch": int(at * 1000),
        },
        "body": base64.b64encode(form_body.encode()).decode() if function_url else form_body,
        "isBase64Encoded": function_url,
    }


def main(args) -> int:
    idp = LocalIdp(load_world(str(ROOT / args.idp_world)), "http://127.0.0.1:8000", f"{args.broker}/saml/metadata")
    at = time.time()
    posted = idp.sign_in(args.user, args.tile, {})
    fields = {"SAMLResponse": posted["SAMLResponse"]}
    if posted["RelayState"]:
        fields["RelayState"] = posted["RelayState"]
    print(json.dumps(acs_event(args.front_door, urllib.parse.urlencode(fields), at), indent=2))
    return 0
