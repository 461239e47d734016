"""The emulator's HTTP server: moto's WSGI app behind our dispatcher, on several listeners.

Listeners (one emulator, one state; only the network context they stamp differs):
- "internet": the main port; requests carry aws:SourceIp = the public address (203.0.113.10);
- "corporate": aws:SourceIp in the corporate CIDR (198.51.100.0/24);
- one per interface endpoint of the seeded stack ("sagemaker.api", "sts", "ssm", "kms", "studio"
  when the stack has one): aws:SourceVpce = the endpoint's ID, aws:SourceVpc, aws:VpcSourceIp.

Routes, in order: the control API (/_emulator/...), the console federation endpoint (/federation),
SageMaker Studio (/auth?token=..., then the app pages), the EMR console (/emr/...), then AWS API
calls. Every API call is authenticated (the operator key or credentials the emulator issued),
passes the fault book, is authorized by the IAM simulator (iam.py, operations.py), then served by
our code (STS, SageMaker, EMR, Lambda invocations forwarded to the functions) or moto's, and lands
in the call log with its authorization.
"""

from __future__ import annotations

import json
import socket
import struct
import threading
import time
import urllib.error
import urllib.request

from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
from werkzeug.wrappers import Request, Response

from . import browser
from .accounts import SageMakerAccounts
from .assume_role import assume_role
from .control import ControlApi
from .emr import Emr
from .faults import Dropped, FaultBook
from .federation import Federation, FederationError
from .iam import (ACCOUNT_ID, OPERATOR, OPERATOR_ACCESS_KEY, OPERATOR_SECRET, OPERATOR_USER_ID, AuthorizationFailed, Authorizer,
                  Denied, Network, Session, backend, clear_backends, host_in)
from .operations import IamRequest, Mapper, NoMapping
from .protocol import AwsCall, AwsError, auth_error, error_response, json_response, parse_call, xml_escape
from .samlkeys import SamlProviderKeys
from .sts import CredentialStore, assume_role_with_saml, get_caller_identity

DEFAULTS = {"public_ip": "203.0.113.10", "corporate_cidr": "198.51.100.0/24", "studio_network": "internet",
            "lambda_runtime": None}
_UNSIGNED = {("sts", "AssumeRoleWithSAML"), ("sts", "AssumeRoleWithWebIdentity")}
# What a principal of another account than the hub's (a spoke's session) may call: the services
# whose state the emulator keeps per account. moto's would act in the hub's account.
_ANY_ACCOUNT = ("sts", "sagemaker")


class Emulator(ControlApi):
    """The WSGI application (every listener calls it, naming itself in the environ)."""

    def __init__(self) -> None:
        self.account_id = ACCOUNT_ID
        self.moto = DomainDispatcherApplication(create_backend_app)
        self._dynamodb_lock = threading.Lock()
        self.credentials = CredentialStore()
        self.faults = FaultBook()
        self.sagemakers = SageMakerAccounts(ACCOUNT_ID)   # SageMaker's state per account (accounts.py)
        self.emr = Emr(ACCOUNT_ID)
        self.federation = Federation(self.credentials)
        self.sessions = browser.Sessions()
        self.saml_keys = SamlProviderKeys()
        self.authorizer = Authorizer()
        self.mapper = Mapper(self)
        self.endpoint = ""
        self.host = "127.0.0.1"
        self.listeners: dict[str, tuple[object, str]] = {}   # network name -> (server, base URL)
        self.defaults = dict(DEFAULTS)             # the command line's settings; reset returns to them
        self.config = dict(DEFAULTS)
        self.functions: dict[str, dict] = {}   # function name -> {name, arn, role_arn, policy}
        self.endpoints: dict[str, dict] = {}   # endpoint key -> {id, vpc_id, vpc_cidr, service_name, service}
        self.world: dict = {}                  # the last seed answer that created the stack
        self._reset_lock = threading.Lock()
        self._listen_lock = threading.Lock()

    # ----- listeners
    def listen(self, name: str, port: int = 0) -> str:
        """Serves this emulator on another loopback port, as the network `name`; returns its URL.
        Idempotent: a network keeps its port for the life of the process (across resets)."""
        from werkzeug.serving import make_server

        from .keepalive import KeepAliveHandler

        with self._listen_lock:
            if name in self.listeners:
                return self.listeners[name][1]

            def app(environ, start_response, _name=name):
                environ["studiogate.listener"] = _name
                return self(environ, start_response)

            server = make_server(self.host, port, app, threaded=True, request_handler=KeepAliveHandler)
            url = f"http://{self.host}:{server.server_address[1]}"
            threading.Thread(target=server.serve_forever, daemon=True, name=f"listener-{name}").start()
            self.listeners[name] = (server, url)
            if name == "internet":
                self.endpoint = url
            return url

    def network(self, name: str) -> Network:
        if name == "internet":
            return Network("internet", {"source_ip": self.config["public_ip"]})
        if name == "corporate":
            return Network("corporate", {"source_ip": host_in(self.config["corporate_cidr"], 10)})
        endpoint = self.endpoints.get(name)
        if endpoint is None:
            raise LookupError(name)
        return Network(name, {"source_vpce": endpoint["id"], "source_vpc": endpoint["vpc_id"],
                              "vpc_source_ip": host_in(endpoint["vpc_cidr"], 281)},
                       endpoint_id=endpoint["id"], service=endpoint["service"])

    def urls(self) -> dict:
        """{"endpoints": {key: URL}, "networks": {"internet": URL, "corporate": URL}} for the seed answer."""
        return {"endpoints": {key: self.listeners[key][1] for key in self.endpoints if key in self.listeners},
                "networks": {name: self.listeners[name][1] for name in ("internet", "corporate") if name in self.listeners}}

    def studio_base(self) -> str:
        # AWS's shape (https://DOMAIN.studio.REGION.sagemaker.aws) served by the listener of the network
        # the browser is on (config studio_network); *.localhost resolves to loopback in browsers.
        name = {"vpc": "studio"}.get(self.config["studio_network"], self.config["studio_network"])
        url = self.listeners.get(name, self.listeners.get("internet", (None, self.endpoint)))[1]
        return "http://{domain_id}.studio.us-east-1.sagemaker.localhost:" + url.rsplit(":", 1)[-1]

    @property
    def sagemaker(self):
        """The hub account's SageMaker."""
        return self.sagemakers.hub

    # ----- state the operation mapping reads
    def saml_provider_exists(self, arn: str) -> bool:
        try:
            backend("iam", arn.split(":")[4]).get_saml_provider(arn)
            return True
        except Exception:  # moto raises its own NotFound type
            return False

    def secret(self, name: str, region: str):
        """moto's secret of that name, or None."""
        secrets = backend("secretsmanager", self.account_id, region).secrets
        return secrets[name] if name in secrets else None

    def moto_role(self, name_or_arn: str):
        account, name = self.account_id, name_or_arn
        if name_or_arn.startswith("arn:"):
            account, name = name_or_arn.split(":")[4], name_or_arn.rsplit("/", 1)[-1]
        try:
            return backend("iam", account).get_role(name)
        except Exception:
            return None

    def dynamodb_hash_key(self, table: str, region: str) -> str | None:
        found = backend("dynamodb", self.account_id, region).tables.get(table.rsplit("/", 1)[-1])
        return found.hash_key_attr if found is not None else None

    def kms_key(self, reference: str, region: str):
        """(moto Key, tags) for a key ID, key ARN, alias name or alias ARN; None if there is none."""
        kms = backend("kms", self.account_id, region)
        alias = reference if reference.startswith("alias/") else (reference.split(":", 5)[5] if ":alias/" in reference else None)
        key_id = kms.get_key_id_from_alias(alias) if alias else kms.get_key_id(reference)
        key = kms.keys.get(key_id or "")
        if key is None:
            return None
        tags = {t["TagKey"]: t["TagValue"] for t in kms.list_resource_tags(key.id).get("Tags", [])}
        return key, tags

    def function(self, reference: str) -> dict | None:
        name = reference.split(":function:", 1)[1].split(":", 1)[0] if ":function:" in reference else reference.split(":", 1)[0]
        return self.functions.get(name)

    # ----- WSGI
    def __call__(self, environ, start_response):
        request = Request(environ)
        try:
            response = self.route(request, environ.get("studiogate.listener", "internet"))
        except Dropped as dropped:
            _drop_connection(environ)
            # werkzeug's server takes a ConnectionError for a dropped connection: no answer is written.
            raise ConnectionResetError(f"studiogate emulator fault: {dropped.outcome}") from None
        if response is None:
            environ["wsgi.input"] = _Replay(request.get_data(cache=True))
            environ["CONTENT_LENGTH"] = str(len(request.get_data(cache=True)))
            if request.headers.get("X-Amz-Target", "").startswith("DynamoDB_"):
                # moto reads an item and writes it with nothing around the pair; DynamoDB's
                # conditional writes are atomic, and the replay cache and the seal ledger rely on it.
                with self._dynamodb_lock:
                    return list(self.moto(environ, start_response))
            return self.moto(environ, start_response)
        return response(environ, start_response)

    def route(self, request: Request, listener: str) -> Response | None:
        path = request.path
        if path.startswith("/_emulator/"):
            return self.control(request)
        if path.startswith("/moto-api/"):
            return None
        try:
            network = self.network(listener)
        except LookupError:
            return Response(f"no interface endpoint {listener!r} in the current world: seed a world whose stack has it\n",
                            status=503, headers={"Content-Type": "text/plain"})
        if path == "/federation":
            return self.federation_endpoint(request, network)
        if path == "/auth" and request.args.get("token"):
            return self.studio_landing(request, network)
        if browser.STUDIO_APP_PATH.match(path):
            return self.studio_app(request, network)
        if path == "/emr/home":
            return browser.page("EMR Studio console", "<p>Open the Studio from the deep link fragment.</p>")
        studio = browser.EMR_STUDIO_PATH.match(path)
        if studio:
            return self.emr_studio(request, network, studio.group(1))
        call = parse_call(request)
        if call is None:
            if request.headers.get("Authorization"):
                return _loud(f"the emulator cannot tell which AWS operation {request.method} {path} is")
            return Response("not found\n", status=404, headers={"Content-Type": "text/plain"})
        return self.api(call, network)

    # ----- AWS API calls
    def authenticate(self, call: AwsCall):
        """The principal that signed the call, as AWS identifies it from the access key (and session
        token). SigV4 signatures themselves are not verified."""
        key = call.access_key_id
        if not key:
            raise auth_error(call, "missing")
        if key == OPERATOR_ACCESS_KEY:
            return OPERATOR
        creds = self.credentials.get(key)
        if creds is None or creds.session_token != call.session_token:
            raise auth_error(call, "invalid")
        if creds.expiration <= time.time():
            raise auth_error(call, "expired")
        return Session(creds)

    def api(self, call: AwsCall, network: Network) -> Response | None:
        principal, authorization, took = None, None, None
        unsigned = (call.service, call.operation) in _UNSIGNED   # AWS reads no credentials for these
        signer = None if unsigned or not call.access_key_id else {"kind": "unknown", "access_key_id": call.access_key_id}
        try:
            if network.service is not None and call.service != network.service:
                raise AwsError("MisdirectedRequest", f"this listener is the interface endpoint {network.endpoint_id} "
                               f"({network.name}); a {call.service} request cannot reach it", 421)
            if not unsigned:
                principal = self.authenticate(call)
                signer = principal.describe()
                call.account_id = principal.account_id
                if principal.account_id != self.account_id and call.service not in _ANY_ACCOUNT:
                    raise NoMapping(f"{call.service}:{call.operation} signed in account {principal.account_id}: the emulator "
                                    f"keeps other accounts than {self.account_id} for {' and '.join(_ANY_ACCOUNT)} only")
            self.faults.apply(call, signer, network.name)
            if principal is not None:
                started = time.perf_counter()
                try:
                    authorization = self.authorizer.authorize(principal, self.mapper.requests(call), call.region, network)
                finally:
                    took = round((time.perf_counter() - started) * 1000, 2)
                authorization["ms"] = took
            response, saml_authorization = self.dispatch(call, principal, network)
            authorization = authorization or saml_authorization
        except AwsError as error:
            self.faults.record(call, signer, error.code, authorization, network.name)
            return error_response(call, error)
        except Dropped as dropped:
            self.faults.record(call, signer, dropped.outcome, authorization, network.name)
            raise
        except Denied as denied:
            error = auth_error(call, "denied", denied.message)
            if principal is not None:
                denied.entry["ms"] = took
            self.faults.record(call, signer, error.code, denied.entry, network.name)
            return error_response(call, error)
        except NoMapping as missing:
            self.faults.record(call, signer, "AuthorizationFailed", {"decision": None, "error": str(missing)}, network.name)
            return _loud(str(missing), call)
        except AuthorizationFailed as failure:
            self.faults.record(call, signer, "AuthorizationFailed", {**failure.entry, "error": failure.message}, network.name)
            return _loud(failure.message, call)
        self.faults.record(call, signer, "ok" if response is not None else "moto", authorization, network.name)
        return response

    def dispatch(self, call: AwsCall, principal, network: Network) -> tuple[Response | None, dict | None]:
        if call.service == "sts" and call.operation == "AssumeRoleWithSAML":
            def authorize(provider_arn, role, assertion):
                return self.authorizer.authorize_saml(provider_arn, role, assertion, call.region, network)

            body, authorization = assume_role_with_saml(call, self.credentials, authorize, provider_keys=self.saml_keys.of)
            return Response(body, headers={"Content-Type": "text/xml"}), authorization
        if call.service == "iam" and call.operation in ("CreateSAMLProvider", "UpdateSAMLProvider", "DeleteSAMLProvider"):
            # moto keeps neither private keys nor the encryption mode: recorded here, then moto answers,
            # except an update without a metadata document (optional since keys came to the API),
            # which moto would take for an empty one.
            self.saml_keys.record(call, self.account_id, self.saml_provider_exists)
            if call.operation == "UpdateSAMLProvider" and not call.params.get("SAMLMetadataDocument"):
                arn = call.params.get("SAMLProviderArn", "")
                if not self.saml_provider_exists(arn):
                    raise AwsError("NoSuchEntity", f"SAMLProvider {arn} does not exist", 404)
                body = ("<UpdateSAMLProviderResponse xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\"><UpdateSAMLProviderResult>"
                        f"<SAMLProviderArn>{xml_escape(arn)}</SAMLProviderArn></UpdateSAMLProviderResult><ResponseMetadata>"
                        f"<RequestId>{call.request_id}</RequestId></ResponseMetadata></UpdateSAMLProviderResponse>")
                return Response(body, headers={"Content-Type": "text/xml"}), None
            return None, None
        if call.service == "sts" and call.operation == "AssumeRole":
            # Authorized above (sts:AssumeRole with the role's trust policy: assume_role.py).
            body = assume_role(call, principal, self.moto_role(call.params["RoleArn"]), self.credentials)
            return Response(body, headers={"Content-Type": "text/xml"}), None
        if call.service == "sts" and call.operation == "GetCallerIdentity":
            if principal is OPERATOR:
                body = get_caller_identity(call, OPERATOR.arn, OPERATOR_USER_ID, OPERATOR.account_id)
            else:
                creds = principal.creds
                body = get_caller_identity(call, creds.assumed_role_arn, f"{creds.role_id}:{creds.session_name}", creds.account_id)
            return Response(body, headers={"Content-Type": "text/xml"}), None
        if call.service == "sagemaker":
            # In the signer's account: a DomainId names a domain of the caller's own account.
            state = self.sagemakers.of(principal.account_id)
            return json_response(state.handle(call, principal, self.studio_base(), network.name), call.request_id), None
        if call.service == "elasticmapreduce" and call.operation in _EMR_OPERATIONS:
            return json_response(self.emr.handle(call), call.request_id), None
        if call.service == "lambda" and call.operation == "Invoke":
            return self.invoke(call), None
        return None, None

    def invoke(self, call: AwsCall) -> Response:
        """Lambda Invoke, authorized here, run by the functions' runtime (config lambda_runtime: the
        local Lambda service of tests/lambda, or cargo lambda watch): the same request forwarded, its answer returned as it is."""
        function = self.function(call.params["FunctionName"])
        if function is None:
            raise AwsError("ResourceNotFoundException", f"Function not found: {call.params['FunctionName']}", 404)
        runtime = self.config.get("lambda_runtime")
        if not runtime:
            raise AwsError("ServiceException", "the emulator has no function runtime to run "
                           f"{function['name']}: POST /_emulator/config {{\"lambda_runtime\": URL}}", 500, sender=False)
        url = f"{runtime.rstrip('/')}/2015-03-31/functions/{function['name']}/invocations"
        forwarded = urllib.request.Request(url, data=call.body, method="POST", headers=call.headers)
        try:
            with urllib.request.urlopen(forwarded, timeout=900) as answer:
                status, headers, body = answer.status, dict(answer.headers), answer.read()
        except urllib.error.HTTPError as error:
            status, headers, body = error.code, dict(error.headers), error.read()
        except (urllib.error.URLError, OSError) as error:
            raise AwsError("ServiceException", f"the function runtime at {runtime} did not answer: {error}", 502, sender=False) from None
        keep = {k: v for k, v in headers.items() if k.lower().startswith("x-amz") or k.lower() == "content-type"}
        return Response(body, status=status, headers=keep)

    # ----- browser-facing endpoints
    def federation_endpoint(self, request: Request, network: Network) -> Response:
        action = request.args.get("Action")
        try:
            if action == "getSigninToken":
                # In the call log and the fault book as `signin:GetSigninToken` (plain HTTP, not an API).
                call = self._signin_call(request)
                signer = self._signin_signer(call)
                try:
                    self.faults.apply(call, signer, network.name)
                    body = self.federation.get_signin_token(request.args)
                except AwsError as error:
                    self.faults.record(call, signer, error.code, None, network.name)
                    return Response(error.message, status=error.status, headers={"Content-Type": "text/plain"})
                except Dropped as dropped:
                    self.faults.record(call, signer, dropped.outcome, None, network.name)
                    raise
                except FederationError as error:
                    self.faults.record(call, signer, f"HTTP{error.status}", None, network.name)
                    raise
                self.faults.record(call, signer, "ok", None, network.name)
                return Response(json.dumps(body), headers={"Content-Type": "application/json", "Cache-Control": "no-store"})
            if action == "login":
                login = self.federation.login(request.args)
                session = browser.ConsoleSession(login["arn"], login["access_key_id"], time.time() + login["session_seconds"])
                _, response = browser.console_login_page(login)
                response.set_cookie(browser.CONSOLE_COOKIE, self.sessions.new_console(session), httponly=True, samesite="Lax")
                return response
        except FederationError as error:
            return Response(error.message, status=error.status)
        return Response("Unsupported Action", status=400)

    def _signin_call(self, request: Request) -> AwsCall:
        try:
            session = json.loads(request.args.get("Session", "")) or {}
        except ValueError:
            session = {}
        key = session.get("sessionId") if isinstance(session, dict) else None
        return AwsCall("signin", "GetSigninToken", "federation", {}, key if isinstance(key, str) else None, "us-east-1")

    def _signin_signer(self, call: AwsCall) -> dict | None:
        creds = self.credentials.get(call.access_key_id) if call.access_key_id else None
        if creds is None:
            return {"kind": "unknown", "access_key_id": call.access_key_id} if call.access_key_id else None
        return Session(creds).describe()

    def _browser_call(self, operation: str, params: dict, network: Network) -> AwsCall:
        """A call log entry for a browser request (not an API call): service `browser`."""
        return AwsCall("browser", operation, "browser", params, None, "us-east-1")

    def _authorize_browser(self, call: AwsCall, creds_key: str | None, request: IamRequest, network: Network) -> tuple[bool, str]:
        """Authorizes a browser request as the session behind it; records it. (allowed, reason)."""
        if creds_key == OPERATOR_ACCESS_KEY:
            principal = OPERATOR
        else:
            creds = self.credentials.get(creds_key)
            if creds is None:
                self.faults.record(call, None, "AccessDenied", {"decision": None, "error": "the signing credentials no longer exist"}, network.name)
                return False, "the credentials behind this session no longer exist"
            principal = Session(creds)
        try:
            authorization = self.authorizer.authorize(principal, [request], "us-east-1", network)
        except Denied as denied:
            self.faults.record(call, principal.describe(), "AccessDenied", denied.entry, network.name)
            return False, denied.message
        except AuthorizationFailed as failure:
            self.faults.record(call, principal.describe(), "AuthorizationFailed", {**failure.entry, "error": failure.message}, network.name)
            raise
        self.faults.record(call, principal.describe(), "ok", authorization, network.name)
        return True, ""

    def _profile_request(self, account_id: str, domain_id: str, profile: str) -> IamRequest:
        # The profile of the domain's account (a spoke's domain: the spoke's ARN and tags).
        arn = f"arn:aws:sagemaker:us-east-1:{account_id}:user-profile/{domain_id}/{profile}"
        return IamRequest("sagemaker:CreatePresignedDomainUrl", arn, "user-profile", {}, self.mapper._sm_tags(arn))

    def studio_landing(self, request: Request, network: Network) -> Response:
        url, state = self.sagemakers.redeem(request.args["token"])
        if state != "ok":
            return browser.studio_denied(f"Auth token is {state}")
        call = self._browser_call("OpenPresignedDomainUrl", {"DomainId": url.domain_id, "UserProfileName": url.profile}, network)
        try:
            allowed, _ = self._authorize_browser(call, url.signer_key, self._profile_request(url.account_id, url.domain_id, url.profile),
                                                 network)
        except AuthorizationFailed as failure:
            return _loud(failure.message)
        if not allowed:
            return browser.studio_denied(browser.INSUFFICIENT)
        session = browser.StudioSession(url.domain_id, url.profile, url.space, url.landing_uri, url.signer, url.signer_key,
                                        time.time() + url.session_seconds, url.account_id)
        response = Response("", status=302, headers={"Location": browser.landing_path(url.landing_uri)})
        response.set_cookie(browser.STUDIO_COOKIE, self.sessions.new_studio(session), httponly=True, samesite="Lax")
        return response

    def studio_app(self, request: Request, network: Network) -> Response:
        session = self.sessions.get_studio(request.cookies.get(browser.STUDIO_COOKIE))
        if session is None:
            return browser.studio_denied("No Studio session: open a presigned URL first", status=403)
        call = self._browser_call("StudioRequest", {"DomainId": session.domain_id, "UserProfileName": session.profile,
                                                    "Path": request.path}, network)
        try:
            allowed, _ = self._authorize_browser(call, session.signer_key,
                                                 self._profile_request(session.account_id, session.domain_id, session.profile), network)
        except AuthorizationFailed as failure:
            return _loud(failure.message)
        if not allowed:
            return browser.studio_denied(browser.INSUFFICIENT)
        return browser.studio_page(session, request.path.split("/")[1], network.name)

    def emr_studio(self, request: Request, network: Network, studio_id: str) -> Response:
        session = self.sessions.get_console(request.cookies.get(browser.CONSOLE_COOKIE))
        if session is None:
            return browser.page("AWS console", "<h1 id=\"error\">Your console session has expired: sign in again</h1>", status=403)
        studio = self.emr.studios.get(studio_id)
        if studio is None:
            return browser.page("EMR Studio", f"<h1 id=\"error\">Studio {studio_id} does not exist</h1>", status=404)
        call = self._browser_call("OpenEmrStudio", {"StudioId": studio_id}, network)
        try:
            allowed, message = self._authorize_browser(
                call, session.access_key_id, self.mapper.studio_request("elasticmapreduce:CreateStudioPresignedUrl", studio_id), network)
        except AuthorizationFailed as failure:
            return _loud(failure.message)
        if not allowed:
            return browser.page("EMR Studio", f"<h1 id=\"error\">You don't have permission to open this Studio</h1>"
                                              f"<p id=\"reason\">{message}</p>", status=403)
        return browser.emr_studio_page(studio, session.arn, network.name)

    def reset(self) -> None:
        with self._reset_lock:
            reset_environ = {"REQUEST_METHOD": "POST", "PATH_INFO": "/moto-api/reset", "SERVER_NAME": "localhost",
                             "SERVER_PORT": "80", "wsgi.url_scheme": "http", "wsgi.input": _Replay(b""), "CONTENT_LENGTH": "0"}
            list(self.moto(reset_environ, lambda *args: None))
            clear_backends()
            self.credentials.clear()
            self.faults.clear()
            self.sagemakers.reset()
            self.emr.reset()
            self.federation.reset()
            self.sessions.reset()
            self.saml_keys.reset()
            self.functions.clear()
            self.endpoints.clear()
            self.world = {}
            self.config.update({k: self.defaults[k] for k in ("studio_network", "public_ip", "corporate_cidr")})


_EMR_OPERATIONS = {
    "CreateStudio", "DescribeStudio", "ListStudios", "DeleteStudio", "CreateStudioSessionMapping",
    "GetStudioSessionMapping", "UpdateStudioSessionMapping", "DeleteStudioSessionMapping", "ListStudioSessionMappings",
}


def _loud(message: str, call: AwsCall | None = None) -> Response:
    """An authorization the emulator could not make: HTTP 500, never an allow."""
    text = f"studiogate emulator: authorization failed: {message}"
    if call is not None and call.protocol == "json":
        return Response(json.dumps({"__type": "EmulatorAuthorizationFailure", "message": text}), status=500,
                        headers={"Content-Type": "application/x-amz-json-1.1", "x-amzn-RequestId": call.request_id})
    if call is not None and call.protocol == "query":
        body = (f"<ErrorResponse><Error><Type>Receiver</Type><Code>EmulatorAuthorizationFailure</Code>"
                f"<Message>{_xml(text)}</Message></Error><RequestId>{call.request_id}</RequestId></ErrorResponse>")
        return Response(body, status=500, headers={"Content-Type": "text/xml"})
    return Response(text + "\n", status=500, headers={"Content-Type": "text/plain; charset=utf-8",
                                                      "x-amzn-ErrorType": "EmulatorAuthorizationFailure"})


def _drop_connection(environ) -> None:
    """Closes the client's connection without an answer (werkzeug's server puts the socket in the
    environ); with SO_LINGER 0, the final close is a reset rather than an orderly end."""
    connection = environ.get("werkzeug.socket")
    if connection is None:
        return
    try:
        connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        connection.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass


def _xml(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


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


def warm(app: Emulator) -> float:
    """Touches each service once as the operator (moto's first call per service is slow) and starts
    the IAM simulator. Returns seconds taken."""
    import boto3

    started = time.time()
    app.authorizer.warm()
    session = boto3.session.Session(aws_access_key_id=OPERATOR_ACCESS_KEY, aws_secret_access_key=OPERATOR_SECRET,
                                    region_name="us-east-1")
    for service, call in (
        ("sts", lambda c: c.get_caller_identity()),
        ("iam", lambda c: c.list_roles()),
        ("dynamodb", lambda c: c.list_tables()),
        ("ssm", lambda c: c.describe_parameters()),
        ("kms", lambda c: c.list_keys()),
        ("sagemaker", lambda c: c.list_domains()),
        ("emr", lambda c: c.list_studios()),
    ):
        call(session.client(service, endpoint_url=app.endpoint))
    app.faults.clear()
    return time.time() - started
