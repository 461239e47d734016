"""Reading AWS requests and writing AWS-shaped errors for the JSON and query protocols."""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass, field
from urllib.parse import parse_qs

from werkzeug.wrappers import Request, Response

_CREDENTIAL = re.compile(r"Credential=([^/]+)/\d{8}/([^/]+)/([^/]+)/aws4_request")


@dataclass
class AwsCall:
    """One AWS API call as the emulator sees it."""

    service: str
    operation: str
    protocol: str  # "json" or "query"
    params: dict
    access_key_id: str | None
    region: str
    request_id: str = field(default_factory=lambda: str(uuid.uuid4()))


def parse_call(request: Request) -> AwsCall | None:
    """The service, operation and parameters of an AWS API request, or None for anything else."""
    auth = request.headers.get("Authorization", "")
    match = _CREDENTIAL.search(auth)
    access_key, region, service = (match.group(1), match.group(2), match.group(3)) if match else (None, "us-east-1", "")
    target = request.headers.get("X-Amz-Target")
    body = request.get_data(cache=True)
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


def error_response(call: AwsCall, error: AwsError) -> Response:
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
    body = (
        '<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">'
        f"<Error><Type>{kind}</Type><Code>{_xml(error.code)}</Code><Message>{_xml(error.message)}</Message></Error>"
        f"<RequestId>{call.request_id}</RequestId></ErrorResponse>"
    )
    return Response(body, status=error.status, headers={"Content-Type": "text/xml", "x-amzn-RequestId": call.request_id})


def _xml(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


xml_escape = _xml
