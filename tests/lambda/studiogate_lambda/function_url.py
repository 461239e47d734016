"""A Lambda function URL: the HTTP request as the payload 2.0 event AWS sends the function, and the
function's response object back to HTTP (compare events/saml-validator-acs-function-url.json, a
captured event of this shape).

Function URLs base64-encode every body that is not text (a form POST is base64 with
`isBase64Encoded: true`), move the Cookie header into `cookies`, lower-case the header names and
join repeated ones with commas. A response object with a `statusCode` is mapped (headers,
multiValueHeaders, cookies as Set-Cookie, a base64 body decoded); any other valid JSON is the body
of a 200 `application/json` answer.
"""

from __future__ import annotations

import base64
import hashlib
import json
import time
import urllib.parse
import uuid

from werkzeug.datastructures import Headers
from werkzeug.wrappers import Request, Response

_TEXT = {"application/json", "application/javascript", "application/xml", "application/yaml", "application/x-yaml",
         "application/graphql"}
_HOP_BY_HOP = {"content-length", "transfer-encoding", "connection", "keep-alive"}


class RawResponse(Response):
    """A response that carries exactly the headers it is given (no default Content-Type)."""

    default_mimetype = None


def url_id(function: str) -> str:
    """A stable 32-character URL ID per function, like the first label of a function URL."""
    return hashlib.sha256(function.encode()).hexdigest()[:32]


def is_text(content_type: str) -> bool:
    kind = content_type.split(";", 1)[0].strip().lower()
    return kind.startswith("text/") or kind in _TEXT or kind.endswith("+json") or kind.endswith("+xml")


def event(request: Request, function: str, raw_path: str) -> dict:
    """The function-URL event for `request`, whose path after the function's prefix is `raw_path`."""
    now = time.time()
    headers: dict[str, str] = {}
    for name, value in request.headers.items():
        name = name.lower()
        headers[name] = f"{headers[name]},{value}" if name in headers else value
    cookie_header = headers.pop("cookie", None)
    source_ip = request.remote_addr or "127.0.0.1"
    port = request.environ.get("SERVER_PORT", "80")
    headers["x-forwarded-for"] = f"{headers['x-forwarded-for']}, {source_ip}" if "x-forwarded-for" in headers else source_ip
    headers.setdefault("x-forwarded-proto", request.scheme)
    headers.setdefault("x-forwarded-port", str(port))
    headers["x-amzn-trace-id"] = f"Root=1-{int(now):08x}-{uuid.uuid4().hex[:24]}"
    domain = headers.get("host", f"127.0.0.1:{port}")
    raw_query = request.environ.get("QUERY_STRING", "")
    path = raw_path or "/"
    result = {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": path,
        "rawQueryString": raw_query,
    }
    if cookie_header:
        result["cookies"] = [c.strip() for c in cookie_header.split(";") if c.strip()]
    result["headers"] = headers
    if raw_query:
        params: dict[str, str] = {}
        for key, value in urllib.parse.parse_qsl(raw_query, keep_blank_values=True):
            params[key] = f"{params[key]},{value}" if key in params else value
        result["queryStringParameters"] = params
    api_id = url_id(function)
    result["requestContext"] = {
        "accountId": "anonymous",   # AuthType NONE
        "apiId": api_id,
        "domainName": domain,
        "domainPrefix": domain.split(".", 1)[0],
        "http": {
            "method": request.method,
            "path": path,
            "protocol": request.environ.get("SERVER_PROTOCOL", "HTTP/1.1"),
            "sourceIp": source_ip,
            "userAgent": headers.get("user-agent", ""),
        },
        "requestId": str(uuid.uuid4()),
        "routeKey": "$default",
        "stage": "$default",
        "time": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(now)),
        "timeEpoch": int(now * 1000),
    }
    body = request.get_data()
    if body:
        text = is_text(headers.get("content-type", ""))
        if text:
            try:
                result["body"] = body.decode("utf-8")
            except UnicodeDecodeError:
                text = False
        if not text:
            result["body"] = base64.b64encode(body).decode("ascii")
        result["isBase64Encoded"] = not text
    else:
        result["isBase64Encoded"] = False
    return result


def http_response(payload: bytes) -> Response:
    """The HTTP answer a function URL makes of the function's response payload."""
    try:
        value = json.loads(payload)
    except ValueError:
        return error("Internal Server Error", 502)
    if not (isinstance(value, dict) and "statusCode" in value):
        return RawResponse(payload, status=200, headers={"Content-Type": "application/json"})
    headers = Headers()
    multi = {k.lower(): (k, v) for k, v in (value.get("multiValueHeaders") or {}).items()}
    for name, header in (value.get("headers") or {}).items():
        if name.lower() not in multi and name.lower() not in _HOP_BY_HOP:
            headers.add(name, str(header))
    for name, values in multi.values():
        if name.lower() not in _HOP_BY_HOP:
            for header in values or []:
                headers.add(name, str(header))
    for cookie in value.get("cookies") or []:
        headers.add("Set-Cookie", cookie)
    body = value.get("body")
    if body is None:
        data = b""
    elif value.get("isBase64Encoded"):
        data = base64.b64decode(body)
    else:
        data = body.encode("utf-8") if isinstance(body, str) else json.dumps(body).encode("utf-8")
    return RawResponse(data, status=int(value["statusCode"]), headers=headers)


def error(message: str, status: int) -> Response:
    return RawResponse(json.dumps({"Message": message}), status=status, headers={"Content-Type": "application/json"})
