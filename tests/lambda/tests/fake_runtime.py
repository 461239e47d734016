"""A tiny Lambda runtime client for the tests: speaks the Runtime API the way lambda_runtime does
(next -> response or error), and misbehaves on request.

FAKE_INIT (environment): "ok" (default), "error" (posts /init/error, exits 1), "exit" (exits 2
before asking for an event), "hang" (never asks), "slow:SECONDS" (sleeps, then serves).
Per event, the action is `event["action"]` (Invoke) or the function URL's rawPath ("/echo"...):
echo (the event, the `next` headers, pid and environment back), sleep (`seconds`, then echo),
error (a function error), crash (exits 3 mid-invocation), hang, respond (a function URL response
object with headers, multiValueHeaders, cookies and a base64 body), big (7 MB), log (a line to
stdout and to stderr, then echo).
"""

import base64
import json
import os
import sys
import time
import urllib.parse
import urllib.request

API = f"http://{os.environ['AWS_LAMBDA_RUNTIME_API']}/2018-06-01/runtime"


def post(path: str, body: bytes, headers: dict | None = None) -> int:
    request = urllib.request.Request(API + path, data=body, method="POST", headers=headers or {})
    try:
        with urllib.request.urlopen(request) as answer:
            return answer.status
    except urllib.error.HTTPError as error:
        return error.code


def respond(request_id: str, value) -> None:
    post(f"/invocation/{request_id}/response", value if isinstance(value, bytes) else json.dumps(value).encode())


def action_of(event) -> tuple[str, dict]:
    if isinstance(event, dict) and "rawPath" in event:
        query = dict(urllib.parse.parse_qsl(event.get("rawQueryString", "")))
        return event["rawPath"].strip("/") or "echo", query
    if isinstance(event, dict):
        return event.get("action", "echo"), event
    return "echo", {}


def main() -> None:
    init = os.environ.get("FAKE_INIT", "ok")
    if init == "error":
        post("/init/error", json.dumps({"errorMessage": "bad configuration", "errorType": "FakeInitError"}).encode(),
             {"Lambda-Runtime-Function-Error-Type": "FakeInitError"})
        sys.exit(1)
    if init == "exit":
        sys.exit(2)
    if init == "hang":
        time.sleep(3600)
    if init.startswith("slow:"):
        time.sleep(float(init.split(":", 1)[1]))
    count = 0
    while True:
        with urllib.request.urlopen(API + "/invocation/next") as answer:
            headers = {k.lower(): v for k, v in answer.headers.items()}
            event = json.loads(answer.read())
        request_id = headers["lambda-runtime-aws-request-id"]
        count += 1
        action, options = action_of(event)
        echo = {"event": event, "headers": headers, "pid": os.getpid(), "env": dict(os.environ), "count": count,
                "cwd": os.getcwd()}
        if action == "sleep":
            time.sleep(float(options.get("seconds", 1)))
            respond(request_id, echo)
        elif action == "error":
            post(f"/invocation/{request_id}/error",
                 json.dumps({"errorMessage": "boom", "errorType": "FakeError"}).encode(),
                 {"Lambda-Runtime-Function-Error-Type": "FakeError"})
        elif action == "crash":
            os._exit(3)
        elif action == "hang":
            time.sleep(3600)
        elif action == "respond":
            respond(request_id, {
                "statusCode": 201,
                "headers": {"content-type": "application/octet-stream", "x-one": "1"},
                "multiValueHeaders": {"x-multi": ["a", "b"]},
                "cookies": ["a=1; Path=/", "b=2; HttpOnly"],
                "body": base64.b64encode(b"binary\x00data").decode(),
                "isBase64Encoded": True,
            })
        elif action == "big":
            status = post(f"/invocation/{request_id}/response", b'"' + b"x" * (7 * 1024 * 1024) + b'"')
            print(json.dumps({"big_response_status": status}), flush=True)
        elif action == "log":
            print(json.dumps({"message": "to stdout", "request_id": request_id}), flush=True)
            print(json.dumps({"message": "to stderr", "request_id": request_id}), file=sys.stderr, flush=True)
            respond(request_id, echo)
        else:
            respond(request_id, echo)


if __name__ == "__main__":
    main()
