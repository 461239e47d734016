"""The AWS console federation endpoint: getSigninToken for valid session credentials, then login."""

from __future__ import annotations

import json
import secrets
import threading
import time
from urllib.parse import urlparse

from .sts import CredentialStore

SIGNIN_TOKEN_LIFETIME = 15 * 60


class FederationError(Exception):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


class Federation:
    def __init__(self, store: CredentialStore) -> None:
        self.store = store
        self._lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        with self._lock:
            self.tokens: dict[str, dict] = {}
            self.logins: list[dict] = []

    def get_signin_token(self, args: dict) -> dict:
        try:
            session = json.loads(args.get("Session", ""))
        except ValueError:
            raise FederationError(400, "Session is not JSON") from None
        creds = self.store.get(session.get("sessionId"))
        if creds is None or creds.secret_access_key != session.get("sessionKey") or creds.session_token != session.get("sessionToken"):
            raise FederationError(400, "The session credentials are not valid")
        if creds.expiration <= time.time():
            raise FederationError(400, "The session credentials have expired")
        duration = args.get("SessionDuration")
        if duration is not None:
            try:
                seconds = int(duration)
            except ValueError:
                raise FederationError(400, "SessionDuration must be a number of seconds") from None
            if not 900 <= seconds <= 43200:
                raise FederationError(400, "SessionDuration must be between 900 and 43200 seconds")
        else:
            seconds = 43200
        token = secrets.token_urlsafe(48)
        with self._lock:
            self.tokens[token] = {
                "access_key_id": creds.access_key_id,  # the console session acts as these credentials
                "arn": creds.assumed_role_arn,
                "session_seconds": seconds,
                "issued_at": time.time(),
                "used": False,
            }
        return {"SigninToken": token}

    def issued_tokens(self) -> list[str]:
        with self._lock:
            return list(self.tokens)

    def login(self, args: dict) -> dict:
        token = args.get("SigninToken", "")
        destination = args.get("Destination", "")
        with self._lock:
            entry = self.tokens.get(token)
            if entry is None:
                raise FederationError(400, "The sign-in token is not valid")
            if entry["used"]:
                raise FederationError(400, "The sign-in token was already used")
            if time.time() > entry["issued_at"] + SIGNIN_TOKEN_LIFETIME:
                raise FederationError(400, "The sign-in token has expired")
            if urlparse(destination).scheme not in ("https", "http"):
                raise FederationError(400, "Destination must be an absolute URL")
            entry["used"] = True
            login = {"arn": entry["arn"], "destination": destination, "issuer": args.get("Issuer"), "session_seconds": entry["session_seconds"]}
            self.logins.append(login)
            return {**login, "access_key_id": entry["access_key_id"]}
