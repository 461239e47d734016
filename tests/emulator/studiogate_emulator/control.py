"""The control API (`/_emulator/...`, JSON): reset, seed, faults, the call log, settings, and the
emulator-only SageMaker levers. A mixin of server.Emulator, kept apart for reading size.

The SageMaker levers act in the hub's account unless the body names another with `"Account"` (a
spoke's, as the seed answer gives it: `spoke.account`); presigned URLs are found in any account.
"""

from __future__ import annotations

import json
import re

from werkzeug.wrappers import Request, Response

from . import seed
from .faults import KINDS, Fault
from .protocol import AwsError

_ACCOUNT = re.compile(r"^\d{12}$")


def _json(payload, status: int = 200) -> Response:
    return Response(json.dumps(payload, default=str), status=status, headers={"Content-Type": "application/json"})


def _token_of(url: str) -> str | None:
    marker = "token="
    return url.split(marker, 1)[1].split("&", 1)[0] if marker in url else None


class ControlApi:
    """`control(request)` and `configure(body)`; the Emulator provides the state they act on."""

    def control(self, request: Request) -> Response:
        route = (request.method, request.path.removeprefix("/_emulator"))
        body = request.get_json(silent=True) or {}
        if route == ("GET", "/health"):
            return _json({"ok": True, "endpoint": self.endpoint, **self.urls()})
        if route == ("POST", "/reset"):
            self.reset()
            return _json({"ok": True})
        if route == ("POST", "/seed"):
            try:
                return _json(seed.seed(self, body))
            except seed.SeedError as error:
                return _json({"error": str(error)}, 400)
        if route == ("GET", "/world"):
            return _json(self.world)
        if route == ("GET", "/faults"):
            return _json(self.faults.faults())
        if route == ("POST", "/faults"):
            fault = Fault(body.get("kind", "none"), body.get("count"), int(body.get("latency_ms", 0)),
                          body.get("network"), body.get("principal"))
            if fault.kind not in KINDS:
                return _json({"error": f"kind must be one of {', '.join(KINDS)}"}, 400)
            self.faults.set(body["operation"], fault)
            return _json({"ok": True})
        if route == ("DELETE", "/faults"):
            for key in list(self.faults.faults()):
                self.faults.set(key, Fault("none"))
            return _json({"ok": True})
        if route == ("GET", "/calls"):
            return _json(self.faults.calls())
        if route == ("POST", "/config"):
            return self.configure(body)
        if route == ("GET", "/sagemaker/presigned"):
            resolved = self.sagemakers.resolve(_token_of(request.args.get("url", "")) or request.args.get("token", ""))
            return _json(resolved, 200 if resolved else 404)
        if route[0] == "POST" and route[1] in ("/sagemaker/apps", "/sagemaker/profile-status", "/sagemaker/space-status"):
            return self._sagemaker_lever(route[1], body)
        if route == ("GET", "/federation/logins"):
            return _json(self.federation.logins)
        if route == ("GET", "/secrets"):
            # For leak tests: what a log must never contain. The call log never holds these.
            return _json({
                "credentials": self.credentials.secrets(),
                "signin_tokens": self.federation.issued_tokens(),
                "presigned_tokens": self.sagemakers.issued_tokens(),
            })
        return _json({"error": f"no control route {route}"}, 404)

    def _sagemaker_lever(self, path: str, body: dict) -> Response:
        account = body.get("Account", self.account_id)
        if not isinstance(account, str) or not _ACCOUNT.match(account):
            return _json({"error": f"Account must be a 12-digit account ID; got {account!r}"}, 400)
        state = self.sagemakers.of(account)
        try:
            if path == "/sagemaker/apps":
                state.set_apps_running(body["DomainId"], body["UserProfileName"], bool(body.get("running", True)),
                                       space=body.get("SpaceName"), app_type=body.get("AppType"),
                                       app_name=body.get("AppName"), status=body.get("Status"))
            elif path == "/sagemaker/profile-status":
                state.force_status(body["DomainId"], body["UserProfileName"], body["Status"])
            else:
                state.force_space_status(body["DomainId"], body["SpaceName"], body["Status"])
        except AwsError as error:
            return _json({"error": error.message}, 400 if error.code == "ValidationException" else 404)
        return _json({"ok": True})

    def configure(self, body: dict) -> Response:
        if "transition_seconds" in body:
            self.sagemakers.delay = float(body["transition_seconds"])
        if "studio_network" in body:
            wanted = body["studio_network"]
            name = {"vpc": "studio"}.get(wanted, wanted)
            if wanted not in ("internet", "corporate", "vpc") or name not in self.listeners:
                return _json({"error": f"studio_network must be internet, corporate or vpc (vpc needs a Studio interface "
                                       f"endpoint in the seeded stack); got {wanted!r}"}, 400)
            self.config["studio_network"] = wanted
        for key in ("public_ip", "corporate_cidr", "lambda_runtime"):
            if key in body:
                self.config[key] = body[key]
        try:
            self.network("corporate").keys()
            self.network("internet").keys()
        except ValueError as error:
            self.config.update({k: self.defaults[k] for k in ("public_ip", "corporate_cidr")})
            return _json({"error": f"bad network setting: {error}"}, 400)
        return _json({"transition_seconds": self.sagemakers.delay, **self.config})
