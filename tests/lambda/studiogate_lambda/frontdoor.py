"""The service's HTTP port: Lambda's Invoke API, function URLs, and the service's own routes.

- `POST /2015-03-31/functions/{name or ARN}/invocations`: Invoke (RequestResponse, Event, DryRun);
  the function's payload back, `X-Amz-Function-Error: Unhandled` on a function error,
  `X-Amz-Executed-Version: $LATEST`; errors as Lambda's REST-JSON errors (`x-amzn-ErrorType`).
- `/lambda-url/{function}/{path}`: the function's URL (function_url.py).
- `GET /_lambda/health`, `GET /_lambda/stats`, `POST /_lambda/recycle` (`{"function": NAME}` or all:
  stops idle environments, so the next invocation is a cold start).
"""

from __future__ import annotations

import base64
import binascii
import json
import threading
import urllib.parse

from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from . import function_url
from .environment import KeepAliveHandler
from .service import LambdaService, Throttled

INVOKE_PREFIX = "/2015-03-31/functions/"
URL_PREFIX = "/lambda-url/"
MAX_REQUEST_BYTES = 6 * 1024 * 1024   # synchronous invocation payload limit


def _aws_error(error_type: str, message: str, status: int, **extra) -> Response:
    body = {"Type": "User", "message": message, **extra}
    return Response(json.dumps(body), status=status,
                    headers={"Content-Type": "application/json", "x-amzn-ErrorType": error_type})


def _json(body, status: int = 200) -> Response:
    return Response(json.dumps(body), status=status, headers={"Content-Type": "application/json"})


class FrontDoor:
    """The WSGI application."""

    def __init__(self, service: LambdaService) -> None:
        self.service = service

    def __call__(self, environ, start_response):
        request = Request(environ)
        path = request.path
        if path.startswith(URL_PREFIX):
            response = self.function_url(request, path.removeprefix(URL_PREFIX))
        elif path.startswith(INVOKE_PREFIX) and path.endswith("/invocations"):
            response = self.invoke(request, path.removeprefix(INVOKE_PREFIX).removesuffix("/invocations"))
        elif (request.method, path) == ("GET", "/_lambda/health"):
            response = _json(self.service.health())
        elif (request.method, path) == ("GET", "/_lambda/stats"):
            response = _json(self.service.stats())
        elif (request.method, path) == ("POST", "/_lambda/recycle"):
            response = self.recycle(request)
        else:
            request.get_data()
            response = _aws_error("UnknownOperationException", f"no route {request.method} {path}", 404)
        return response(environ, start_response)

    # ----- Invoke
    def invoke(self, request: Request, name: str) -> Response:
        payload = request.get_data()
        if request.method != "POST":
            return _aws_error("UnknownOperationException", "Invoke is POST", 405)
        name = urllib.parse.unquote(name)
        function, qualifier = self.service.function(name)
        qualifier = request.args.get("Qualifier", qualifier)
        if function is None or qualifier not in (None, "$LATEST"):
            arn = name if name.startswith("arn:") else f"arn:aws:lambda:us-east-1:123456789012:function:{name}"
            return _aws_error("ResourceNotFoundException", f"Function not found: {arn}", 404)
        if len(payload) > MAX_REQUEST_BYTES:
            return _aws_error("RequestTooLargeException", "Request must be smaller than 6291456 bytes for the InvokeFunction operation", 413)
        if not payload.strip():
            payload = b"{}"
        try:
            json.loads(payload)
        except ValueError:
            return _aws_error("InvalidRequestContentException", "Could not parse request body into json", 400)
        context = request.headers.get("X-Amz-Client-Context")
        if context:
            try:
                context = base64.b64decode(context, validate=True).decode("utf-8")
            except (binascii.Error, UnicodeDecodeError):
                return _aws_error("InvalidParameterValueException", "Client context must be a valid Base64-encoded JSON object.", 400)
        # cargo lambda invoke sends these as its emulator (cargo lambda watch) takes them.
        context = context or request.headers.get("Lambda-Runtime-Client-Context")
        cognito = request.headers.get("Lambda-Runtime-Cognito-Identity")
        kind = request.headers.get("X-Amz-Invocation-Type", "RequestResponse")
        if kind == "DryRun":
            return Response(status=204, headers={"X-Amz-Executed-Version": "$LATEST"})
        if kind == "Event":
            def run_async():
                try:
                    function.invoke(payload, context, cognito)
                except Throttled:
                    pass   # Lambda would retry; the local service drops it
            threading.Thread(target=run_async, daemon=True).start()
            return Response(status=202, headers={"X-Amz-Executed-Version": "$LATEST"})
        if kind != "RequestResponse":
            return _aws_error("InvalidParameterValueException", f"Unsupported InvocationType {kind}", 400)
        try:
            invocation = function.invoke(payload, context, cognito)
        except Throttled:
            return _aws_error("TooManyRequestsException", "Rate Exceeded.", 429,
                              Reason="ReservedFunctionConcurrentInvocationLimitExceeded")
        headers = {"Content-Type": "application/json", "X-Amz-Executed-Version": "$LATEST",
                   "x-amzn-RequestId": invocation.request_id}
        if invocation.function_error:
            headers["X-Amz-Function-Error"] = "Unhandled"
        return Response(invocation.body, status=200, headers=headers)

    # ----- function URLs
    def function_url(self, request: Request, rest: str) -> Response:
        name, _, raw_path = rest.partition("/")
        function = self.service.functions.get(name)
        if function is None:
            request.get_data()
            return function_url.error("Forbidden", 403)   # what an unknown function URL answers
        event = function_url.event(request, name, "/" + raw_path)
        try:
            invocation = function.invoke(json.dumps(event).encode())
        except Throttled:
            return function_url.error("Rate Exceeded.", 429)
        if invocation.function_error:
            return function_url.error("Internal Server Error", 502)
        response = function_url.http_response(invocation.body)
        response.headers["x-amzn-RequestId"] = event["requestContext"]["requestId"]
        return response

    def recycle(self, request: Request) -> Response:
        body = request.get_json(silent=True) or {}
        names = [body["function"]] if body.get("function") else list(self.service.functions)
        unknown = [n for n in names if n not in self.service.functions]
        if unknown:
            return _json({"error": f"no function {unknown[0]}"}, 404)
        return _json({"stopped": {n: self.service.functions[n].recycle() for n in names}})


def serve(service: LambdaService, host: str = "127.0.0.1", port: int = 0):
    """Serves the front door on a thread; returns (server, base URL)."""
    server = make_server(host, port, FrontDoor(service), threaded=True, request_handler=KeepAliveHandler)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True, name="lambda-front-door").start()
    return server, f"http://{host}:{server.server_port}"
