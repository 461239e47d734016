"""One login without a browser, the way a browser would do it: open the IdP's tile page, click a
tile (post its form), post the auto-submitting SAML form to the ACS, follow the 302 into Studio,
then ask the emulator what the presigned URL opened."""

from __future__ import annotations

import html.parser
import http.client
import json
import sys
import time
import urllib.parse
import urllib.request


class Forms(html.parser.HTMLParser):
    """Every form of a page: action, method and its named inputs and buttons."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict] = []
        self._ids: dict[str, dict] = {}

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.forms.append({"action": attrs.get("action", ""), "method": attrs.get("method", "get"), "fields": {}, "buttons": []})
        elif self.forms and tag == "input" and attrs.get("name"):
            self.forms[-1]["fields"][attrs["name"]] = attrs.get("value", "")
        elif self.forms and tag == "button":
            self.forms[-1]["buttons"].append({"id": attrs.get("id"), "name": attrs.get("name"), "value": attrs.get("value")})


def forms_of(page: str) -> list[dict]:
    parser = Forms()
    parser.feed(page)
    return parser.forms


def request(method: str, url: str, fields: dict | None = None, cookie: str | None = None) -> tuple[int, dict, str]:
    """One HTTP request, redirects not followed. `*.localhost` goes to loopback (RFC 6761), as in
    browsers."""
    parts = urllib.parse.urlsplit(url)
    host = "127.0.0.1" if (parts.hostname or "").endswith(".localhost") else parts.hostname
    connection = http.client.HTTPConnection(host, parts.port or 80, timeout=120)
    body = urllib.parse.urlencode(fields).encode() if fields is not None else None
    headers = {"Host": parts.netloc, **({"Cookie": cookie} if cookie else {})}
    if body is not None:
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    connection.request(method, path or "/", body=body, headers=headers)
    answer = connection.getresponse()
    return answer.status, {k.lower(): v for k, v in answer.getheaders()}, answer.read().decode("utf-8", "replace")


def open_in_browser(url: str, hops: int = 5) -> tuple[int, str, str]:
    """GET `url` and follow its redirects with the cookies they set, as a browser does (Studio's
    landing sets its session cookie, then redirects to the app). Returns status, final URL, page."""
    cookies: dict[str, str] = {}
    for _ in range(hops):
        status, headers, page = request("GET", url, cookie="; ".join(f"{k}={v}" for k, v in cookies.items()) or None)
        if "set-cookie" in headers:
            name, _, value = headers["set-cookie"].split(";", 1)[0].partition("=")
            cookies[name.strip()] = value.strip()
        if status not in (301, 302, 303, 307, 308):
            return status, url, page
        url = urllib.parse.urljoin(url, headers["location"])
    raise RuntimeError(f"more than {hops} redirects from Studio")


def click_tile(idp: str, user: str, tile: str) -> dict:
    """The SAML form the IdP answers a click on `tile` with."""
    status, _, page = request("GET", f"{idp}/?user={urllib.parse.quote(user)}")
    if status != 200:
        raise RuntimeError(f"IdP tile page: HTTP {status}")
    for form in forms_of(page):
        if form["fields"].get("tile") == tile:
            status, _, posted = request("POST", urllib.parse.urljoin(idp + "/", form["action"]), form["fields"])
            (saml_form,) = forms_of(posted)
            return saml_form
    raise RuntimeError(f"the IdP shows no tile {tile!r} for {user}")


def drive_one_login(ready: dict, user: str = "alice", tile: str = "sagemaker-user") -> int:
    started = time.time()
    saml_form = click_tile(ready["idp"], user, tile)
    status, headers, page = request("POST", saml_form["action"], saml_form["fields"])
    if status != 302:
        print(f"--once: the ACS answered HTTP {status}, not a redirect:\n{page[:2000]}", file=sys.stderr)
        return 1
    location = headers["location"]
    studio_status, _, studio_page = open_in_browser(location)
    elapsed = time.time() - started
    query = urllib.parse.urlencode({"url": location})
    with urllib.request.urlopen(f"{ready['emulator']}/_emulator/sagemaker/presigned?{query}", timeout=30) as answer:
        opened = json.load(answer)
    ok = (studio_status == 200 and opened.get("user_profile_name") and opened.get("used")
          and f'<dd id="profile">{opened["user_profile_name"]}</dd>' in studio_page)
    print(
        f"--once: {user} clicked {tile!r}; the broker redirected into SageMaker Studio (HTTP {studio_status}).\n"
        f"        domain  {opened.get('domain_id')}\n"
        f"        profile {opened.get('user_profile_name')}\n"
        f"        signed by {(opened.get('signer') or {}).get('arn')}\n"
        f"        login took {elapsed * 1000:.0f} ms (IdP click to Studio page)",
        flush=True,
    )
    if not ok:
        print(f"--once: the Studio page did not open as expected:\n{studio_page[:1000]}", file=sys.stderr)
        return 1
    return 0
