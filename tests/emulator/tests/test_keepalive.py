"""The local services' HTTP/1.1 handler: several requests on one connection, as AWS's endpoints
allow, with bodies of either framing; `Connection: close` still closes."""

import http.client
import socket
import threading

import pytest
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from studiogate_emulator.keepalive import KeepAliveHandler


def echo(environ, start_response):
    request = Request(environ)
    if request.path == "/empty":
        return Response(status=204)(environ, start_response)
    if request.path == "/stream":
        # An answer in pieces and without a length: the handler must frame it.
        start_response("200 OK", [("Content-Type", "text/plain")])
        return iter([b"one ", b"two"])
    body = request.get_data()
    return Response(b"got " + body, headers={"X-Peer-Port": str(environ["REMOTE_PORT"])})(environ, start_response)


@pytest.fixture
def server():
    server = make_server("127.0.0.1", 0, echo, threaded=True, request_handler=KeepAliveHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server.server_port
    server.shutdown()


def test_one_connection_carries_many_requests_and_answers(server):
    connection = http.client.HTTPConnection("127.0.0.1", server, timeout=5)
    ports = set()
    for index in range(3):
        connection.request("POST", "/", body=f"body {index}".encode())
        answer = connection.getresponse()
        assert (answer.status, answer.read()) == (200, f"got body {index}".encode())
        assert answer.getheader("Connection") is None
        ports.add(answer.getheader("X-Peer-Port"))
    assert len(ports) == 1, "every request came on the same client connection"
    connection.request("GET", "/stream")
    answer = connection.getresponse()
    assert (answer.getheader("Content-Length"), answer.read()) == ("7", b"one two")
    connection.request("GET", "/empty")
    answer = connection.getresponse()
    assert (answer.status, answer.read()) == (204, b"")
    connection.close()


def test_a_chunked_body_is_read_whole_and_the_next_request_follows(server):
    with socket.create_connection(("127.0.0.1", server), timeout=5) as raw:
        raw.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                    b"5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n"
                    b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nConnection: close\r\n\r\nbye")
        received = b""
        while chunk := raw.recv(65536):
            received += chunk
    first, second = received.split(b"HTTP/1.1 200", 2)[1:]
    assert first.endswith(b"got hello world")
    assert b"Connection: close" in second and second.endswith(b"got bye")
