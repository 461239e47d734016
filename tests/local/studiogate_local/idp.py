"""A local IdP on pysaml2: shows one tile per target and role, and on a click posts a signed,
IdP-initiated SAML Response to the broker's ACS, the way Okta or Entra ID would.

The SAML work (the Response, the Assertion, its XML signature through xmlsec1) is pysaml2's
`saml2.server.Server`; this module only holds the users, draws the tiles and chooses the
attributes. The broker's SP metadata is imported from its `GET /saml/metadata`, as an IdP
administrator would, on the first sign-in.

Routes: `GET /` (tiles; `?user=bob` switches user), `POST /sso` (a tile: `user`, `tile`; returns
the auto-submitting form, or JSON with `format=json`), `GET /metadata`.

SP-initiated sign-in: `GET /sso?SAMLRequest=...` (the HTTP-Redirect binding) is pysaml2's
`parse_authn_request`, which refuses a request that is unsigned, signed by a key the broker's
metadata does not publish, or sent to another Destination. It shows a sign-in page with one button
per user; `POST /sso/answer` posts the Response, with `InResponseTo` the request's ID and the
RelayState it came with, to the ACS URL the request named (checked against the SP metadata).
`GET /sso?...&user=alice` (add `&format=json` for JSON) answers at once, for HTTP tests.

Test knobs on `POST /sso` (a local IdP can be told to misbehave): `audience`, `recipient`,
`lifetime_minutes` (negative: already expired), `sign` (`assertion`, `response`, `both`, `none`),
`session_duration`, `subject` (tests only: sign for someone the world does not list, with `user`'s
groups and roles; `subject=user042` gives RoleSessionName and `PrincipalTag:studiouserid` `user042`
and NameID `user042@` the domain of `user`'s NameID: the concurrency tests' distinct new users).
"""

from __future__ import annotations

import base64
import html
import json
import os
import secrets
import shutil
import tempfile
import threading
import urllib.request

from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT, saml
from saml2.assertion import Policy
from saml2.config import IdPConfig
from saml2.metadata import entity_descriptor
from saml2.saml import NAMEID_FORMAT_EMAILADDRESS, NameID
from saml2.xmldsig import DIGEST_SHA256, SIG_RSA_SHA256
from saml2.server import Server
from werkzeug.wrappers import Request, Response

AWS = "https://aws.amazon.com/SAML/Attributes/"
AUDIENCE = "urn:amazon:webservices"
NAME_FORMAT_URI = "urn:oasis:names:tc:SAML:2.0:attrname-format:uri"
SIGNINGS = {"assertion": (True, False), "response": (False, True), "both": (True, True), "none": (False, False)}


def load_world(path: str) -> dict:
    """The IdP's users and tiles (examples/local/idp.json); key paths resolve against its folder."""
    with open(path, encoding="utf-8") as handle:
        world = json.load(handle)
    base = os.path.dirname(os.path.abspath(path))
    for key in ("key_file", "cert_file"):
        world[key] = os.path.normpath(os.path.join(base, world[key]))
    return world


class LocalIdp:
    """The WSGI application."""

    def __init__(self, world: dict, base_url: str, sp_metadata_url: str) -> None:
        self.world = world
        self.base_url = base_url.rstrip("/")
        self.sp_metadata_url = sp_metadata_url
        self._server: Server | None = None
        self._sp_entity_id = ""
        self._acs_url = ""
        self._lock = threading.Lock()
        self._pending: dict[str, dict] = {}   # sign-in page token -> the AuthnRequest it answers
        self._workdir = tempfile.mkdtemp(prefix="studiogate-idp-")

    def close(self) -> None:
        """Removes the working folder (the imported SP metadata)."""
        shutil.rmtree(self._workdir, ignore_errors=True)

    # ----- pysaml2
    def _config(self, sp_metadata_file: str | None) -> IdPConfig:
        xmlsec = shutil.which("xmlsec1")
        if xmlsec is None:
            raise RuntimeError("xmlsec1 is missing: install the Debian package xmlsec1 (scripts/setup.sh does)")
        settings = {
            "entityid": self.world["entity_id"],
            "service": {
                "idp": {
                    "name": "studiogate local IdP",
                    "endpoints": {"single_sign_on_service": [(self.base_url + "/sso", BINDING_HTTP_REDIRECT)]},
                    "policy": {"default": {"lifetime": {"minutes": 5}, "attribute_restrictions": None, "name_form": NAME_FORMAT_URI}},
                    "name_id_format": [NAMEID_FORMAT_EMAILADDRESS],
                    # The broker signs its AuthnRequests (sp.certificate): refuse any that is not.
                    "want_authn_requests_signed": True,
                }
            },
            "key_file": self.world["key_file"],
            "cert_file": self.world["cert_file"],
            "xmlsec_binary": xmlsec,
            "metadata": {"local": [sp_metadata_file]} if sp_metadata_file else {},
        }
        config = IdPConfig()
        config.load(settings)
        return config

    def server(self) -> Server:
        """The pysaml2 IdP, built once the broker's SP metadata has been imported."""
        with self._lock:
            if self._server is None:
                with urllib.request.urlopen(self.sp_metadata_url, timeout=30) as answer:
                    metadata = answer.read()
                path = os.path.join(self._workdir, "sp-metadata.xml")
                with open(path, "wb") as handle:
                    handle.write(metadata)
                server = Server(config=self._config(path))
                (sp_entity_id,) = list(server.metadata.service_providers())
                acs = server.metadata.assertion_consumer_service(sp_entity_id, BINDING_HTTP_POST)
                self._sp_entity_id, self._acs_url = sp_entity_id, acs[0]["location"]
                self._server = server
            return self._server

    def metadata_xml(self) -> str:
        return str(entity_descriptor(self._config(None)))

    # ----- the assertion
    def role_pair(self, role: str) -> str:
        """The Role attribute's value for `role`: NAME is the world's account's role, ACCOUNT/NAME
        another account's (a spoke's), each with its account's SAML provider."""
        account, _, name = role.rpartition("/")
        account = account or self.world["account_id"]
        provider = self.world.get("accounts", {}).get(account, {}).get("saml_provider", self.world["saml_provider"])
        return f"arn:aws:iam::{account}:role/{name},arn:aws:iam::{account}:saml-provider/{provider}"

    def attributes(self, user_id: str, roles: list[str], session_duration: int, user: dict | None = None) -> dict:
        user = user or self.world["users"][user_id]
        return {
            AWS + "Role": [self.role_pair(role) for role in roles],
            AWS + "RoleSessionName": [user_id],
            AWS + "SessionDuration": [str(session_duration)],
            AWS + "PrincipalTag:studiouserid": [user_id],
            self.world["groups_attribute"]: list(user["groups"]),
        }

    def sign_in(self, user_id: str, tile_id: str, knobs: dict) -> dict:
        """The SAMLResponse (base64), RelayState and ACS URL for a click on a tile."""
        user = self.world["users"][user_id]
        tile = next((t for t in self.world["tiles"] if t["id"] == tile_id), None)
        if tile is None:
            raise KeyError(f"no tile {tile_id!r}")
        roles = [role for role in tile["roles"] if role in user["roles"]]
        if not roles:
            raise KeyError(f"{user_id} has none of the roles of tile {tile_id}")
        return self._respond(user_id, roles, knobs, tile["relay_state"], in_response_to=None)

    def read_request(self, args) -> dict:
        """An AuthnRequest by the HTTP-Redirect binding, checked by pysaml2 (signature against the
        broker's metadata, Destination, IssueInstant): its ID, RelayState and ACS URL."""
        server = self.server()
        parsed = server.parse_authn_request(
            args["SAMLRequest"], BINDING_HTTP_REDIRECT,
            relay_state=args.get("RelayState"), sigalg=args.get("SigAlg"), signature=args.get("Signature"),
        )
        if parsed is None:
            raise ValueError("the AuthnRequest did not verify")
        answer = server.response_args(parsed.message, [BINDING_HTTP_POST])
        if answer["sp_entity_id"] != self._sp_entity_id:
            raise ValueError(f"AuthnRequest from an unknown SP {answer['sp_entity_id']!r}")
        return {"id": answer["in_response_to"], "acs": answer["destination"], "RelayState": args.get("RelayState")}

    def answer(self, user_id: str, request: dict, knobs) -> dict:
        """The SAMLResponse to an AuthnRequest: the roles of the tile with the request's RelayState,
        or all of the user's without one."""
        user = self.world["users"][user_id]
        relay = request.get("RelayState")
        tile = next((t for t in self.world["tiles"] if t["relay_state"] == relay), None) if relay else None
        roles = [role for role in (tile["roles"] if tile else user["roles"]) if role in user["roles"]]
        if not roles:
            raise KeyError(f"{user_id} has no role for {relay!r}")
        return self._respond(user_id, roles, knobs, relay, in_response_to=request["id"], acs=request["acs"])

    def _respond(self, user_id: str, roles: list[str], knobs, relay_state: str | None,
                 in_response_to: str | None, acs: str | None = None) -> dict:
        user = self.world["users"][user_id]
        subject = knobs.get("subject")
        if subject:   # test knob: someone the world does not list, with `user`'s groups and roles
            domain = user["name_id"].partition("@")[2]
            user_id, user = subject, {**user, "name": subject, "name_id": f"{subject}@{domain}"}
        server = self.server()
        acs = acs or self._acs_url
        sign_assertion, sign_response = SIGNINGS[knobs.get("sign") or "assertion"]
        lifetime = float(knobs.get("lifetime_minutes") or 5)
        # The Recipient is the broker's ACS URL (from its metadata), as the IdP guides set it up.
        recipient = knobs.get("recipient") or self.world.get("recipient") or acs
        identity = self.attributes(user_id, roles, int(knobs.get("session_duration") or self.world["session_duration"]), user)
        name_id = NameID(format=NAMEID_FORMAT_EMAILADDRESS, text=user["name_id"])
        policy = {"default": {"lifetime": {"minutes": lifetime}, "attribute_restrictions": None, "name_form": NAME_FORMAT_URI}}
        response = server.create_authn_response(
            identity,
            in_response_to=in_response_to,
            destination=acs,
            sp_entity_id=knobs.get("audience") or self._sp_entity_id,
            name_id=name_id,
            authn={"class_ref": saml.AUTHN_PASSWORD_PROTECTED, "authn_auth": self.world["entity_id"]},
            sign_assertion=sign_assertion,
            sign_response=sign_response,
            sign_alg=SIG_RSA_SHA256,
            digest_alg=DIGEST_SHA256,
            release_policy=Policy(policy, server.metadata),
            # The bearer Recipient (STS's SAML:aud) and the Destination: the broker's ACS URL.
            farg={"assertion": {"subject": {"subject_confirmation": {
                "method": saml.SCM_BEARER,
                "subject_confirmation_data": {"recipient": recipient, "in_response_to": in_response_to},
            }}}},
        )
        encoded = base64.b64encode(str(response).encode()).decode()
        return {"acs": acs, "SAMLResponse": encoded, "RelayState": relay_state}

    # ----- WSGI
    def __call__(self, environ, start_response):
        request = Request(environ)
        try:
            response = self.route(request)
        except (KeyError, StopIteration, ValueError) as error:
            response = _page("Unknown user, tile or option", f"<p>{html.escape(repr(error))}</p>", 400)
        return response(environ, start_response)

    def route(self, request: Request) -> Response:
        if request.method == "GET" and request.path == "/":
            return self.tiles_page(request.args.get("user") or next(iter(self.world["users"])))
        if request.method == "POST" and request.path == "/sso":
            form = request.form
            return self._post(self.sign_in(form["user"], form["tile"], form), form)
        if request.method == "GET" and request.path == "/sso":
            try:
                pending = self.read_request(request.args)
            except Exception as error:   # pysaml2 refuses with many exception types
                return _page("AuthnRequest refused", f"<h1>AuthnRequest refused</h1><p id=\"refused\">{html.escape(type(error).__name__)}: {html.escape(str(error))}</p>", 400)
            if request.args.get("user"):
                return self._post(self.answer(request.args["user"], pending, request.args), request.args)
            return self.request_page(pending)
        if request.method == "POST" and request.path == "/sso/answer":
            with self._lock:
                pending = self._pending.pop(request.form["token"])
            return self._post(self.answer(request.form["user"], pending, request.form), request.form)
        if request.method == "GET" and request.path == "/metadata":
            return Response(self.metadata_xml(), headers={"Content-Type": "application/samlmetadata+xml"})
        return _page("Not found", "<p>Nothing here.</p>", 404)

    @staticmethod
    def _post(posted: dict, knobs) -> Response:
        if knobs.get("format") == "json":
            return Response(json.dumps(posted), headers={"Content-Type": "application/json", "Cache-Control": "no-store"})
        return _auto_post(posted)

    def request_page(self, pending: dict) -> Response:
        """The sign-in page an AuthnRequest lands on: one button per user."""
        token = secrets.token_urlsafe(16)
        with self._lock:
            self._pending[token] = pending
        buttons = "".join(
            f'<li><form method="post" action="/sso/answer"><input type="hidden" name="token" value="{token}">'
            f'<input type="hidden" name="user" value="{html.escape(uid)}">'
            f'<button type="submit" id="answer-{html.escape(uid)}"><strong>{html.escape(u["name"])}</strong>'
            f'<span>{html.escape(u["name_id"])}</span></button></form></li>'
            for uid, u in self.world["users"].items()
        )
        target = pending.get("RelayState") or "(no target: the broker chooses)"
        body = (
            f"<h1>Sign in to studiogate</h1><p>The broker asks who you are, for <strong id=\"target\">{html.escape(target)}</strong>. "
            f"Choose a user:</p><ul class=\"tiles\">{buttons}</ul>"
        )
        return _page("Sign in", body)

    def tiles_page(self, user_id: str) -> Response:
        user = self.world["users"][user_id]
        switch = " · ".join(
            f'<a href="/?user={html.escape(uid)}"{" aria-current=page" if uid == user_id else ""}>{html.escape(u["name"])}</a>'
            for uid, u in self.world["users"].items()
        )
        tiles = []
        for tile in self.world["tiles"]:
            if not any(role in user["roles"] for role in tile["roles"]):
                continue
            tiles.append(
                f'<li><form method="post" action="/sso"><input type="hidden" name="user" value="{html.escape(user_id)}">'
                f'<input type="hidden" name="tile" value="{html.escape(tile["id"])}">'
                f'<button type="submit" id="tile-{html.escape(tile["id"])}"><strong>{html.escape(tile["label"])}</strong>'
                f'<span>{html.escape(tile["detail"])}</span></button></form></li>'
            )
        body = (
            f"<h1>Your apps</h1><p>Signed in as <strong>{html.escape(user['name'])}</strong> ({html.escape(user['name_id'])}). "
            f"Switch user: {switch}</p><ul class=\"tiles\">{''.join(tiles)}</ul>"
        )
        return _page("Local IdP", body)


def _auto_post(posted: dict) -> Response:
    relay = f'<input type="hidden" name="RelayState" value="{html.escape(posted["RelayState"])}">' if posted["RelayState"] else ""
    body = (
        f'<form id="saml" method="post" action="{html.escape(posted["acs"])}">'
        f'<input type="hidden" name="SAMLResponse" value="{html.escape(posted["SAMLResponse"])}">{relay}'
        "<noscript><button type=\"submit\">Continue</button></noscript></form>"
        "<p>Signing you in…</p><script>document.getElementById('saml').submit()</script>"
    )
    return _page("Signing in", body, headers={"Cache-Control": "no-store"})


STYLE = (
    "body{font:16px/1.5 system-ui,sans-serif;margin:0;background:#eef1f5;color:#1b1f24}"
    "main{max-width:46rem;margin:2rem auto;padding:0 1rem}h1{font-size:1.5rem}"
    ".tiles{list-style:none;padding:0;display:grid;grid-template-columns:repeat(auto-fill,minmax(13rem,1fr));gap:1rem}"
    ".tiles button{width:100%;height:100%;text-align:left;font:inherit;background:#fff;border:1px solid #c9d1d9;border-radius:10px;padding:1rem;cursor:pointer}"
    ".tiles button:hover{border-color:#0b5cad}.tiles span{display:block;color:#59636e;font-size:.9rem;margin-top:.25rem}"
    "header{background:#24292f;color:#fff;padding:.75rem 1rem}a{color:#0b5cad}"
)


def _page(title: str, body: str, status: int = 200, headers: dict | None = None) -> Response:
    document = (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>'
        f"<style>{STYLE}</style></head><body><header>Local IdP (pysaml2) · {html.escape(title)}</header><main>{body}</main></body></html>"
    )
    return Response(document, status=status, headers={"Content-Type": "text/html; charset=utf-8", **(headers or {})})
