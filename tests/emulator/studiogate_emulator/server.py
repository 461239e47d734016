"""The emulator's HTTP server: moto's WSGI app behind our dispatcher.

Routes, in order: the control API (/_emulator/...), the console federation endpoint (/federation),
SageMaker Studio landing pages (/auth?token=...), the EMR console deep link (/emr/home), then AWS API
calls: ours (STS AssumeRoleWithSAML / GetCallerIdentity for our credentials, SageMaker, EMR) or moto's.
Every API call passes the fault book first and lands in the call log.
"""

from __future__ import annotations

import html
import json
import threading
import time

from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
from werkzeug.wrappers import Request, Response

from . import seed
from .emr import Emr
from .faults import Fault, FaultBook
from .federation import Federation, FederationError
from .protocol import AwsCall, AwsError, error_response, json_response, parse_call
from .sagemaker import SageMaker
from .sts import CredentialStore, assume_role_with_saml, get_caller_identity

ACCOUNT_ID = "123456789012"


class Emulator:
    """The WSGI application."""

    def __init__(self) -> None:
        self.moto = DomainDispatcherApplication(create_backend_app)
        self.credentials = CredentialStore()
        self.faults = FaultBook()
        self.sagemaker = SageMaker(ACCOUNT_ID)
        self.emr = Emr(ACCOUNT_ID)
        self.federation = Federation(self.credentials)
        self.endpoint = ""
        self._reset_lock = threading.Lock()

    # ----- WSGI
    def __call__(self, environ, start_response):
        request = Request(environ)
        response = self.route(request, environ)
        if response is None:
            environ["wsgi.input"] = _Replay(request.get_data(cache=True))
            environ["CONTENT_LENGTH"] = str(len(request.get_data(cache=True)))
            return self.moto(environ, start_response)
        return response(environ, start_response)

    @property
    def studio_base(self) -> str:
        # AWS's shape (https://DOMAIN.studio.REGION.sagemaker.aws) served from this emulator:
        # *.localhost resolves to loopback in browsers.
        port = self.endpoint.rsplit(":", 1)[-1]
        return "http://{domain_id}.studio.us-east-1.sagemaker.localhost:" + port

    def route(self, request: Request, environ) -> Response | None:
        path = request.path
        if path.startswith("/_emulator/"):
            return self.control(request)
        if path == "/federation":
            return self.federation_endpoint(request)
        if path == "/auth" and request.args.get("token"):
            return self.studio_landing(request)
        if path == "/emr/home":
            return _page("EMR Studio console", "<p>Open the Studio from the deep link fragment.</p>")
        call = parse_call(request)
        if call is None:
            return None
        signer = self.credentials.get(call.access_key_id)
        try:
            self.faults.apply(call)
            response = self.dispatch(call, signer)
        except AwsError as error:
            self.faults.record(call, _describe_signer(call, signer), error.code)
            return error_response(call, error)
        if response is None:
            self.faults.record(call, _describe_signer(call, signer), "moto")
            return None
        self.faults.record(call, _describe_signer(call, signer), "ok")
        return response

    def dispatch(self, call: AwsCall, signer) -> Response | None:
        if call.service == "sts" and call.operation == "AssumeRoleWithSAML":
            return Response(assume_role_with_saml(call, self.credentials), headers={"Content-Type": "text/xml"})
        if call.service == "sts" and call.operation == "GetCallerIdentity" and signer is not None:
            return Response(get_caller_identity(call, signer), headers={"Content-Type": "text/xml"})
        if call.service == "sagemaker":
            return json_response(self.sagemaker.handle(call, signer, self.studio_base), call.request_id)
        if call.service == "elasticmapreduce" and call.operation in _EMR_OPERATIONS:
            return json_response(self.emr.handle(call), call.request_id)
        return None

    # ----- browser-facing endpoints
    def federation_endpoint(self, request: Request) -> Response:
        action = request.args.get("Action")
        try:
            if action == "getSigninToken":
                body = self.federation.get_signin_token(request.args)
                return Response(json.dumps(body), headers={"Content-Type": "application/json", "Cache-Control": "no-store"})
            if action == "login":
                login = self.federation.login(request.args)
                return _page("AWS console", f"<p data-arn=\"{html.escape(login['arn'])}\">Signed in as {html.escape(login['arn'])}</p><p data-destination=\"{html.escape(login['destination'])}\">Opening {html.escape(login['destination'])}</p>")
        except FederationError as error:
            return Response(error.message, status=error.status)
        return Response("Unsupported Action", status=400)

    def studio_landing(self, request: Request) -> Response:
        url, state = self.sagemaker.redeem(request.args["token"])
        if state != "ok":
            return _page("SageMaker Studio", f"<p id=\"error\">Auth token is {state}</p>", status=403)
        body = (
            f"<h1>SageMaker Studio</h1><dl>"
            f"<dt>Domain</dt><dd id=\"domain\">{html.escape(url.domain_id)}</dd>"
            f"<dt>User profile</dt><dd id=\"profile\">{html.escape(url.profile)}</dd>"
            f"<dt>Space</dt><dd id=\"space\">{html.escape(url.space or '')}</dd>"
            f"<dt>Landing</dt><dd id=\"landing\">{html.escape(url.landing_uri or '')}</dd></dl>"
        )
        return _page("SageMaker Studio", body)

    # ----- control API
    def control(self, request: Request) -> Response:
        route = (request.method, request.path.removeprefix("/_emulator"))
        body = request.get_json(silent=True) or {}
        if route == ("GET", "/health"):
            return _json({"ok": True, "endpoint": self.endpoint})
        if route == ("POST", "/reset"):
            self.reset()
            return _json({"ok": True})
        if route == ("POST", "/seed"):
            return _json(seed.seed(self.endpoint, body))
        if route == ("GET", "/faults"):
            return _json(self.faults.faults())
        if route == ("POST", "/faults"):
            fault = Fault(body.get("kind", "none"), body.get("count"), int(body.get("latency_ms", 0)))
            if fault.kind not in ("throttle", "error500", "error503", "latency", "none"):
                return _json({"error": "kind must be throttle, error500, error503, latency or none"}, 400)
            self.faults.set(body["operation"], fault)
            return _json({"ok": True})
        if route == ("DELETE", "/faults"):
            for key in list(self.faults.faults()):
                self.faults.set(key, Fault("none"))
            return _json({"ok": True})
        if route == ("GET", "/calls"):
            return _json(self.faults.calls())
        if route == ("POST", "/config"):
            if "transition_seconds" in body:
                self.sagemaker.delay = float(body["transition_seconds"])
            return _json({"transition_seconds": self.sagemaker.delay})
        if route == ("GET", "/sagemaker/presigned"):
            resolved = self.sagemaker.resolve(_token_of(request.args.get("url", "")) or request.args.get("token", ""))
            return _json(resolved, 200 if resolved else 404)
        if route == ("POST", "/sagemaker/apps"):
            try:
                self.sagemaker.set_apps_running(body["DomainId"], body["UserProfileName"], bool(body.get("running", True)))
            except AwsError as error:
                return _json({"error": error.message}, 404)
            return _json({"ok": True})
        if route == ("POST", "/sagemaker/profile-status"):
            try:
                self.sagemaker.force_status(body["DomainId"], body["UserProfileName"], body["Status"])
            except AwsError as error:
                return _json({"error": error.message}, 404)
            return _json({"ok": True})
        if route == ("GET", "/federation/logins"):
            return _json(self.federation.logins)
        if route == ("GET", "/secrets"):
            # For leak tests: what a log must never contain. The call log never holds these.
            return _json({
                "credentials": self.credentials.secrets(),
                "signin_tokens": self.federation.issued_tokens(),
                "presigned_tokens": self.sagemaker.issued_tokens(),
            })
        return _json({"error": f"no control route {route}"}, 404)

    def reset(self) -> None:
        with self._reset_lock:
            reset_environ = {"REQUEST_METHOD": "POST", "PATH_INFO": "/moto-api/reset", "SERVER_NAME": "localhost",
                             "SERVER_PORT": "80", "wsgi.url_scheme": "http", "wsgi.input": _Replay(b""), "CONTENT_LENGTH": "0"}
            list(self.moto(reset_environ, lambda *args: None))
            self.credentials.clear()
            self.faults.clear()
            self.sagemaker.reset()
            self.emr.reset()
            self.federation.reset()


_EMR_OPERATIONS = {
    "CreateStudio", "DescribeStudio", "ListStudios", "DeleteStudio", "CreateStudioSessionMapping",
    "GetStudioSessionMapping", "UpdateStudioSessionMapping", "DeleteStudioSessionMapping", "ListStudioSessionMappings",
}


def _describe_signer(call: AwsCall, signer) -> dict | None:
    if signer is not None:
        return signer.describe()
    if call.access_key_id:
        return {"kind": "other", "access_key_id": call.access_key_id}
    return None


def _token_of(url: str) -> str | None:
    marker = "token="
    return url.split(marker, 1)[1].split("&", 1)[0] if marker in url else None


def _json(payload, status: int = 200) -> Response:
    return Response(json.dumps(payload, default=str), status=status, headers={"Content-Type": "application/json"})


def _page(title: str, body: str, status: int = 200) -> Response:
    document = (
        f"<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{html.escape(title)} (emulated)</title></head>"
        f"<body>{body}<p><small>studiogate local AWS emulator</small></p></body></html>"
    )
    return Response(document, status=status, headers={"Content-Type": "text/html; charset=utf-8"})


class _Replay:
    """A WSGI input stream over bytes already read."""

    def __init__(self, data: bytes) -> None:
        import io

        self._stream = io.BytesIO(data)

    def read(self, *args):
        return self._stream.read(*args)

    def readline(self, *args):
        return self._stream.readline(*args)

    def __iter__(self):
        return iter(self._stream)


def warm(endpoint: str) -> float:
    """Touches each service once (moto's first call per service is slow). Returns seconds taken."""
    import boto3

    started = time.time()
    session = boto3.session.Session(aws_access_key_id="warm", aws_secret_access_key="warm", region_name="us-east-1")
    for service, call in (
        ("sts", lambda c: c.get_caller_identity()),
        ("iam", lambda c: c.list_roles()),
        ("dynamodb", lambda c: c.list_tables()),
        ("ssm", lambda c: c.describe_parameters()),
        ("sagemaker", lambda c: c.list_domains()),
        ("emr", lambda c: c.list_studios()),
    ):
        call(session.client(service, endpoint_url=endpoint))
    return time.time() - started
