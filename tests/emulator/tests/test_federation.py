"""The console federation endpoint: getSigninToken, then login."""

import json
import urllib.error
import urllib.parse
import urllib.request

import pytest

import saml

DESTINATION = "https://console.aws.amazon.com/emr/home?region=us-east-1#studio/es-1/start"


def federation(emulator, **params):
    query = urllib.parse.urlencode(params)
    return urllib.request.urlopen(f"{emulator.endpoint}/federation?{query}", timeout=10)


def session(creds) -> str:
    return json.dumps({"sessionId": creds["AccessKeyId"], "sessionKey": creds["SecretAccessKey"], "sessionToken": creds["SessionToken"]})


def test_signin_token_then_login_once(emulator, world):
    creds = saml.assume(emulator, saml.response())["Credentials"]
    token = json.load(federation(emulator, Action="getSigninToken", SessionDuration="3600", Session=session(creds)))["SigninToken"]
    page = federation(emulator, Action="login", Issuer="https://sso.example.test", Destination=DESTINATION, SigninToken=token).read().decode()
    assert "assumed-role/StudioUser/alice" in page
    logins = emulator.control("GET", "/federation/logins")
    assert logins == [{"arn": "arn:aws:sts::123456789012:assumed-role/StudioUser/alice", "destination": DESTINATION,
                       "issuer": "https://sso.example.test", "session_seconds": 3600}]
    with pytest.raises(urllib.error.HTTPError) as again:
        federation(emulator, Action="login", Issuer="x", Destination=DESTINATION, SigninToken=token)
    assert again.value.code == 400


@pytest.mark.parametrize("mutate, duration", [
    (lambda c: {**c, "SecretAccessKey": "wrong"}, "3600"),
    (lambda c: c, "899"),
    (lambda c: c, "43201"),
])
def test_refuses_bad_credentials_and_durations(emulator, world, mutate, duration):
    creds = saml.assume(emulator, saml.response())["Credentials"]
    with pytest.raises(urllib.error.HTTPError) as excinfo:
        federation(emulator, Action="getSigninToken", SessionDuration=duration, Session=session(mutate(creds)))
    assert excinfo.value.code == 400


def test_refuses_an_unknown_signin_token(emulator, world):
    with pytest.raises(urllib.error.HTTPError) as excinfo:
        federation(emulator, Action="login", Issuer="x", Destination=DESTINATION, SigninToken="forged")
    assert excinfo.value.code == 400
