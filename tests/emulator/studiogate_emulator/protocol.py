"""Reading AWS requests and writing AWS-shaped errors for the JSON, query and REST-JSON (Lambda
Invoke) protocols."""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass, field
from urllib.parse import parse_qs

from werkzeug.wrappers import Request, Response

_CREDENTIAL = re.compile(r"Credential=([^/]+)/\d{8}/([^/]+)/([^/]+)/aws4_request")
_LAMBDA_INVOKE = re.compile(r"^/2015-03-31/functions/([^/]+)/invocations$")


@dataclass
class AwsCall:
    """One AWS API call as the emulator sees it."""

    service: str
    operation: str
    protocol: str  # "json", "query" or "rest-json"
    params: dict
    access_key_id: str | None
    region: str
    request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    session_token: str | None = None  # X-Amz-Security-Token
    body: bytes = b""
    headers: dict = field(default_factory=dict)
    # The account the call acts in: its signer's (set once authenticated). SageMaker resolves IDs
    # in the caller's own account; another account's resources are reached only with its credentials.
    account_id: str | None = None


def parse_call(request: Request) -> AwsCall | None:
    """The service, operation and parameters of an AWS API request, or None for anything else."""
    auth = request.headers.get("Authorization", "")
    match = _CREDENTIAL.search(auth)
    access_key, region, service = (match.group(1), match.group(2), match.group(3)) if match else (None, "us-east-1", "")
    target = request.headers.get("X-Amz-Target")
    body = request.get_data(cache=True)
    token = request.headers.get("X-Amz-Security-Token")
    call = _parse(request, body, target, access_key, region, service)
    if call is not None:
        call.session_token = token
        call.body = body
    return call


def _parse(request: Request, body: bytes, target: str | None, access_key, region: str, service: str) -> AwsCall | None:
    invoke = _LAMBDA_INVOKE.match(request.path)
    if invoke and request.method == "POST":
        params = {"FunctionName": invoke.group(1), "Qualifier": request.args.get("Qualifier"),
                  "InvocationType": request.headers.get("X-Amz-Invocation-Type", "RequestResponse")}
        headers = {k: v for k, v in request.headers.items()
                   if k.lower() in ("x-amz-invocation-type", "x-amz-log-type", "x-amz-client-context", "content-type")}
        return AwsCall(service or "lambda", "Invoke", "rest-json", {k: v for k, v in params.items() if v is not None},
                       access_key, region, headers=headers)
    if target and "." in target:
        prefix, operation = target.rsplit(".", 1)
        try:
            params = json.loads(body or b"{}")
        except ValueError:
            params = {}
        if not service:
            service = _service_from_target(prefix)
        return AwsCall(service, operation, "json", params, access_key, region)
    if request.method == "POST" and request.mimetype == "application/x-www-form-urlencoded":
        form = {k: v[0] for k, v in parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True).items()}
        if "Action" in form:
            # Unsigned calls carry no credential scope; STS's unsigned actions name the service.
            service = service or ("sts" if form["Action"] in _UNSIGNED_STS else "unknown")
            return AwsCall(service, form["Action"], "query", form, access_key, region)
    if request.args.get("Action"):
        return AwsCall(service or "unknown", request.args["Action"], "query", dict(request.args), access_key, region)
    return None


_UNSIGNED_STS = {"AssumeRoleWithSAML", "AssumeRoleWithWebIdentity"}


def _service_from_target(prefix: str) -> str:
    return {
        "SageMaker": "sagemaker",
        "ElasticMapReduce": "elasticmapreduce",
        "DynamoDB_20120810": "dynamodb",
        "AmazonSSM": "ssm",
    }.get(prefix, prefix.lower())


class AwsError(Exception):
    """An error with AWS's code, message and HTTP status."""

    def __init__(self, code: str, message: str, status: int = 400, sender: bool = True):
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status
        self.sender = sender


def json_response(payload: dict, request_id: str, status: int = 200) -> Response:
    return Response(
        json.dumps(payload),
        status=status,
        headers={"Content-Type": "application/x-amz-json-1.1", "x-amzn-RequestId": request_id},
    )


_QUERY_NAMESPACES = {"iam": "https://iam.amazonaws.com/doc/2010-05-08/"}


def error_response(call: AwsCall, error: AwsError) -> Response:
    if call.protocol == "rest-json":
        # Lambda: the code in x-amzn-ErrorType, {"Type": "User", "Message"} in the body.
        body = json.dumps({"Type": "User" if error.sender else "Service", "Message": error.message, "message": error.message})
        return Response(
            body,
            status=error.status,
            headers={"Content-Type": "application/json", "x-amzn-RequestId": call.request_id, "x-amzn-ErrorType": error.code},
        )
    if call.protocol == "json":
        body = json.dumps({"__type": error.code, "message": error.message, "Message": error.message})
        return Response(
            body,
            status=error.status,
            headers={
                "Content-Type": "application/x-amz-json-1.1",
                "x-amzn-RequestId": call.request_id,
                "x-amzn-ErrorType": error.code,
            },
        )
    kind = "Sender" if error.sender else "Receiver"
    namespace = _QUERY_NAMESPACES.get(call.service, "https://sts.amazonaws.com/doc/2011-06-15/")
    body = (
        f'<ErrorResponse xmlns="{namespace}">'
        f"<Error><Type>{kind}</Type><Code>{_xml(error.code)}</Code><Message>{_xml(error.message)}</Message></Error>"
        f"<RequestId>{call.request_id}</RequestId></ErrorResponse>"
    )
    return Response(body, status=error.status, headers={"Content-Type": "text/xml", "x-amzn-RequestId": call.request_id})


def _xml(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


xml_escape = _xml


# Authentication and authorization errors, in each protocol's own code and status (what botocore and
# the Rust SDK parse): query-protocol services (STS, IAM) answer 403 with their codes; JSON services
# (SageMaker, DynamoDB, KMS, SSM, EMR) 400 with the ...Exception codes; Lambda's REST-JSON 403.
_AUTH_CODES = {
    "invalid": {"query": ("InvalidClientTokenId", 403), "json": ("UnrecognizedClientException", 400),
                "rest-json": ("UnrecognizedClientException", 403)},
    "missing": {"query": ("MissingAuthenticationToken", 403), "json": ("MissingAuthenticationTokenException", 400),
                "rest-json": ("MissingAuthenticationTokenException", 403)},
    "expired": {"query": ("ExpiredToken", 403), "json": ("ExpiredTokenException", 400),
                "rest-json": ("ExpiredTokenException", 403)},
    "denied": {"query": ("AccessDenied", 403), "json": ("AccessDeniedException", 400),
               "rest-json": ("AccessDeniedException", 403)},
}
_AUTH_MESSAGES = {
    "invalid": "The security token included in the request is invalid.",
    "missing": "Request is missing Authentication Token",
    "expired": "The security token included in the request is expired",
}


def auth_error(call: AwsCall, kind: str, message: str | None = None) -> AwsError:
    """AWS's error for an unknown key ("invalid"), an unsigned call ("missing"), expired credentials
    ("expired") or an authorization denial ("denied", with its message) in the call's protocol."""
    code, status = _AUTH_CODES[kind][call.protocol if call.protocol in ("query", "json") else "rest-json"]
    return AwsError(code, message or _AUTH_MESSAGES[kind], status)
