"""The Invoke API and function URLs: names and ARNs, Lambda's errors, the payload 2.0 event a
function URL sends (compared with a captured one), and its response mapping."""

from __future__ import annotations

import base64
import json
import time
import urllib.parse

import requests

from conftest import REPO

CAPTURED = json.loads((REPO / "events/saml-validator-acs-function-url.json").read_text())


def test_invoke_takes_a_name_an_arn_a_partial_arn_and_latest(lambda_service):
    running = lambda_service({"name": "echo"})
    for name in ("echo", "arn:aws:lambda:us-east-1:123456789012:function:echo", "123456789012:function:echo",
                 "echo:$LATEST", urllib.parse.quote("arn:aws:lambda:us-east-1:123456789012:function:echo", safe="")):
        answer = running.invoke(name, {"hello": name})
        assert answer.status_code == 200 and answer.json()["event"] == {"hello": name}, name
        assert answer.headers["Content-Type"] == "application/json"


def test_invoke_errors_are_lambdas(lambda_service):
    running = lambda_service({"name": "echo"})
    missing = running.invoke("nope", {})
    assert missing.status_code == 404 and missing.headers["x-amzn-ErrorType"] == "ResourceNotFoundException"
    assert missing.json()["message"] == "Function not found: arn:aws:lambda:us-east-1:123456789012:function:nope"
    assert running.invoke("echo:prod", {}).status_code == 404, "no aliases"
    bad = running.invoke("echo", b"{not json")
    assert bad.status_code == 400 and bad.headers["x-amzn-ErrorType"] == "InvalidRequestContentException"
    assert running.invoke("echo", b"").json()["event"] == {}, "no payload is {}"
    before = running.stats("echo")["invocations"]
    dry = running.invoke("echo", {}, {"X-Amz-Invocation-Type": "DryRun"})
    assert dry.status_code == 204 and running.stats("echo")["invocations"] == before, "a dry run runs nothing"


def test_an_event_invocation_is_accepted_and_runs_in_the_background(lambda_service):
    running = lambda_service({"name": "echo"})
    answer = running.invoke("echo", {"action": "log"}, {"X-Amz-Invocation-Type": "Event"})
    assert answer.status_code == 202
    deadline = time.time() + 10
    while running.stats("echo")["invocations"] < 1 and time.time() < deadline:
        time.sleep(0.05)
    assert "to stdout" in running.log("echo")


def test_a_function_url_sends_the_payload_2_0_event_aws_sends(lambda_service):
    running = lambda_service({"name": "web"})
    body = "SAMLResponse=PD94bWw%2B&RelayState=sagemaker-ml"
    answer = requests.post(
        f"{running.url}/lambda-url/web/echo?a=1&b=two&a=3", data=body,
        headers={"Content-Type": "application/x-www-form-urlencoded", "User-Agent": "agent/1.0", "X-Custom": "v",
                 "Cookie": "one=1; two=2"}, timeout=10)
    assert answer.status_code == 200 and answer.headers["Content-Type"] == "application/json"
    event = answer.json()["event"]
    # The same keys as the captured event (plus cookies and query parameters, which it has none of).
    assert set(CAPTURED) <= set(event) and set(event) - set(CAPTURED) == {"cookies", "queryStringParameters"}
    assert set(CAPTURED["requestContext"]) == set(event["requestContext"])
    assert set(CAPTURED["requestContext"]["http"]) == set(event["requestContext"]["http"])
    assert (event["version"], event["routeKey"], event["rawPath"]) == ("2.0", "$default", "/echo")
    assert event["rawQueryString"] == "a=1&b=two&a=3"
    assert event["queryStringParameters"] == {"a": "1,3", "b": "two"}
    assert event["cookies"] == ["one=1", "two=2"] and "cookie" not in event["headers"]
    headers = event["headers"]
    assert all(name == name.lower() for name in headers)
    assert headers["x-custom"] == "v" and headers["content-type"] == "application/x-www-form-urlencoded"
    assert headers["x-forwarded-for"] == "127.0.0.1" and headers["x-forwarded-proto"] == "http"
    assert event["isBase64Encoded"] is True and base64.b64decode(event["body"]).decode() == body, "form bodies are base64"
    context = event["requestContext"]
    assert context["http"] == {"method": "POST", "path": "/echo", "protocol": "HTTP/1.1", "sourceIp": "127.0.0.1",
                               "userAgent": "agent/1.0"}
    assert (context["accountId"], context["stage"], context["routeKey"]) == ("anonymous", "$default", "$default")
    assert len(context["apiId"]) == 32 and context["domainName"] == headers["host"]
    assert abs(context["timeEpoch"] - time.time() * 1000) < 5000
    assert context["requestId"] == answer.headers["x-amzn-RequestId"]
    assert context["requestId"] != answer.json()["headers"]["lambda-runtime-aws-request-id"], "two IDs, as in AWS"


def test_a_function_url_passes_text_bodies_as_text_and_get_has_no_body(lambda_service):
    running = lambda_service({"name": "web"})
    event = requests.post(f"{running.url}/lambda-url/web/echo", json={"k": "v"}, timeout=10).json()["event"]
    assert event["isBase64Encoded"] is False and json.loads(event["body"]) == {"k": "v"}
    event = requests.get(f"{running.url}/lambda-url/web/", timeout=10).json()["event"]
    assert event["rawPath"] == "/" and "body" not in event and event["isBase64Encoded"] is False
    assert event["rawQueryString"] == "" and "queryStringParameters" not in event
    event = requests.get(f"{running.url}/lambda-url/web", timeout=10).json()["event"]
    assert event["rawPath"] == "/", "the URL's root"


def test_a_function_url_maps_the_response_object_back_to_http(lambda_service):
    running = lambda_service({"name": "web"})
    answer = requests.get(f"{running.url}/lambda-url/web/respond", timeout=10)
    assert answer.status_code == 201
    assert answer.content == b"binary\x00data", "the base64 body decoded"
    assert answer.headers["content-type"] == "application/octet-stream" and answer.headers["x-one"] == "1"
    assert answer.raw.headers.getlist("x-multi") == ["a", "b"]
    assert answer.raw.headers.getlist("Set-Cookie") == ["a=1; Path=/", "b=2; HttpOnly"]


def test_a_function_url_answers_502_for_a_function_error_and_403_for_no_such_function(lambda_service):
    running = lambda_service({"name": "web"})
    failed = requests.get(f"{running.url}/lambda-url/web/error", timeout=10)
    assert failed.status_code == 502 and failed.json() == {"Message": "Internal Server Error"}
    assert requests.get(f"{running.url}/lambda-url/other/x", timeout=10).status_code == 403


def test_the_url_id_is_stable_per_function():
    from studiogate_lambda.function_url import url_id

    assert url_id("saml-validator") == url_id("saml-validator") != url_id("presign")
