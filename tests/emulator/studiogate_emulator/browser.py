"""What a browser opens: SageMaker Studio behind a presigned URL, and the AWS console (EMR Studio
deep links) behind a federation login. Both are small sessions kept by a cookie, and every request
in them is authorized again, as AWS documents:

- SageMaker: "IAM authorization policies for this API are also enforced for every HTTP request and
  WebSocket frame that attempts to connect to the app" (CreatePresignedDomainUrl API reference).
  Each Studio request is `sagemaker:CreatePresignedDomainUrl` on the user profile, by the principal
  that signed the URL (its policies and tags as they are now), with the network of the listener the
  browser came in on. A denial is the page Studio users know: "Auth token containing insufficient
  permissions".
- EMR Studio in IAM mode: the console opens the Studio with `elasticmapreduce:CreateStudioPresignedUrl`
  on the studio, as the federated session, from the browser's network.
"""

from __future__ import annotations

import html
import re
import secrets
import threading
import time
from dataclasses import dataclass

from werkzeug.wrappers import Response

STUDIO_COOKIE = "studiogate-emulator-studio"
CONSOLE_COOKIE = "studiogate-emulator-console"
STUDIO_APP_PATH = re.compile(r"^/(jupyterlab|codeeditor|studio)/")
EMR_STUDIO_PATH = re.compile(r"^/emr/studio/([A-Za-z0-9-]+)/start$")
EMR_DEEP_LINK = re.compile(r"#studio/([A-Za-z0-9-]+)/start$")
INSUFFICIENT = "Auth token containing insufficient permissions"


def landing_path(landing_uri: str | None) -> str:
    """The app page a LandingUri opens (app:JupyterLab: is the default of a JupyterLab space)."""
    if landing_uri and landing_uri.startswith("app:CodeEditor"):
        return "/codeeditor/default/"
    if landing_uri and landing_uri.startswith("studio::"):
        return "/studio/default/"
    return "/jupyterlab/default/lab"


@dataclass
class StudioSession:
    domain_id: str
    profile: str
    space: str | None
    landing_uri: str | None
    signer: dict | None
    signer_key: str | None
    expires_at: float
    account_id: str       # the domain's account, whose policies and tags authorize each request


@dataclass
class ConsoleSession:
    arn: str
    access_key_id: str
    expires_at: float


class Sessions:
    """Studio and console sessions by cookie value."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        with self._lock:
            self.studio: dict[str, StudioSession] = {}
            self.console: dict[str, ConsoleSession] = {}

    def new_studio(self, session: StudioSession) -> str:
        sid = secrets.token_urlsafe(24)
        with self._lock:
            self.studio[sid] = session
        return sid

    def new_console(self, session: ConsoleSession) -> str:
        sid = secrets.token_urlsafe(24)
        with self._lock:
            self.console[sid] = session
        return sid

    def get_studio(self, sid: str | None) -> StudioSession | None:
        with self._lock:
            session = self.studio.get(sid or "")
        return session if session is not None and session.expires_at > time.time() else None

    def get_console(self, sid: str | None) -> ConsoleSession | None:
        with self._lock:
            session = self.console.get(sid or "")
        return session if session is not None and session.expires_at > time.time() else None


def page(title: str, body: str, status: int = 200, head: str = "") -> Response:
    document = (
        f"<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{html.escape(title)} (emulated)</title>{head}</head>"
        f"<body>{body}<p><small>studiogate local AWS emulator</small></p></body></html>"
    )
    return Response(document, status=status, headers={"Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store"})


def studio_page(session: StudioSession, app: str, network: str) -> Response:
    body = (
        f"<h1>SageMaker Studio</h1><dl>"
        f"<dt>Domain</dt><dd id=\"domain\">{html.escape(session.domain_id)}</dd>"
        f"<dt>User profile</dt><dd id=\"profile\">{html.escape(session.profile)}</dd>"
        f"<dt>Space</dt><dd id=\"space\">{html.escape(session.space or '')}</dd>"
        f"<dt>Landing</dt><dd id=\"landing\">{html.escape(session.landing_uri or '')}</dd>"
        f"<dt>App</dt><dd id=\"app\">{html.escape(app)}</dd>"
        f"<dt>Network</dt><dd id=\"network\">{html.escape(network)}</dd></dl>"
    )
    return page("SageMaker Studio", body)


def studio_denied(reason: str, status: int = 403) -> Response:
    return page("SageMaker Studio", f"<h1 id=\"error\">{html.escape(reason)}</h1>", status=status)


def console_login_page(login: dict) -> tuple[str, Response]:
    """The console after Action=login: who is signed in, where it goes next. For an EMR Studio deep
    link it continues (meta refresh) to the emulator's Studio opener, /emr/studio/ID/start."""
    arn, destination = html.escape(login["arn"]), html.escape(login["destination"])
    match = EMR_DEEP_LINK.search(login["destination"])
    head, link = "", ""
    if match:
        target = f"/emr/studio/{match.group(1)}/start"
        head = f"<meta http-equiv=\"refresh\" content=\"0; url={target}\">"
        link = f"<p><a id=\"open-destination\" href=\"{target}\">Open EMR Studio {html.escape(match.group(1))}</a></p>"
    body = (f"<p data-arn=\"{arn}\">Signed in as {arn}</p><p data-destination=\"{destination}\">Opening {destination}</p>{link}")
    return (match.group(1) if match else ""), page("AWS console", body, head=head)


def emr_studio_page(studio: dict, arn: str, network: str) -> Response:
    body = (f"<h1>EMR Studio</h1><dl><dt>Studio</dt><dd id=\"studio-id\">{html.escape(studio['StudioId'])}</dd>"
            f"<dt>Name</dt><dd id=\"studio-name\">{html.escape(studio['Name'])}</dd>"
            f"<dt>Signed in as</dt><dd id=\"arn\">{html.escape(arn)}</dd>"
            f"<dt>Network</dt><dd id=\"network\">{html.escape(network)}</dd></dl>")
    return page("EMR Studio", body)
