"""HTTP/1.1 with persistent connections, as AWS's endpoints keep them.

werkzeug's development server answers every request with `Connection: close` (it cannot drain a
request body the application left unread without risking the next request on the connection), so
on the local stack every SDK call opened a new TCP connection, which AWS's endpoints do not make a
client do: the kernel's and the HTTP client's share of a login's CPU was mostly those connections
(BENCHMARKS.md, "Login: studiogate against the Python way"). This handler reads the whole request
body before the application runs and answers with a Content-Length, so the next request on the
connection starts exactly where this one ended; a client that asks for `Connection: close` (or
speaks HTTP/1.0) still gets it.
"""

from __future__ import annotations

import io
import socket
import sys
import traceback

from werkzeug.serving import WSGIRequestHandler

NO_BODY = {204, 304}


class KeepAliveHandler(WSGIRequestHandler):
    protocol_version = "HTTP/1.1"

    def setup(self) -> None:
        super().setup()
        # Without it, a small answer written after its headers waits for the client's delayed ACK
        # (Nagle's algorithm): 40 ms a call.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_request(self, *args, **kwargs):
        pass

    def _read_body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";", 1)[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass   # trailers
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def run_wsgi(self) -> None:
        try:
            body = self._read_body()
        except (ValueError, ConnectionError):
            self.close_connection = True
            return
        environ = self.make_environ()
        environ["wsgi.input"] = io.BytesIO(body)
        environ["wsgi.input_terminated"] = False
        environ["CONTENT_LENGTH"] = str(len(body))
        environ.pop("HTTP_TRANSFER_ENCODING", None)
        started: list = []
        written: list[bytes] = []

        def start_response(status, headers, exc_info=None):
            if exc_info and started:
                raise exc_info[1].with_traceback(exc_info[2])
            started[:] = [status, headers]
            return written.append

        try:
            result = self.server.app(environ, start_response)
            try:
                written.extend(result)
            finally:
                if hasattr(result, "close"):
                    result.close()
        except ConnectionError:
            # The application dropped the connection on purpose (the emulator's fault book).
            self.close_connection = True
            return
        except Exception:
            traceback.print_exc(file=sys.stderr)
            started[:] = ["500 INTERNAL SERVER ERROR", [("Content-Type", "text/plain")]]
            written[:] = [b"internal error in the local server\n"]
        status, headers = started
        code, _, reason = status.partition(" ")
        data = b"" if int(code) in NO_BODY else b"".join(written)
        self.send_response(int(code), reason)
        for name, value in headers:
            if name.lower() not in ("content-length", "connection", "transfer-encoding"):
                self.send_header(name, value)
        if int(code) not in NO_BODY:
            self.send_header("Content-Length", str(len(data)))
        if self.close_connection:
            self.send_header("Connection", "close")
        # The head and the body in one write (end_headers would send the head alone).
        self._headers_buffer.append(b"\r\n")
        if self.command != "HEAD":
            self._headers_buffer.append(data)
        self.flush_headers()
