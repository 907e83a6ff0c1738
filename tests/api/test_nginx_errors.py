"""Errors that nginx answers itself, before any worker sees the request,
carry the JSON envelope of API.md too: 400 (a %00 or a /../ above the
root in the path, a bad Content-Length, a malformed request line or
header line), 494 (a header line above 8k, sent as 400), 414 (a request
line above 8k), 405 (TRACE, CONNECT, a write to a static file, with
Allow), 501 (an unknown Transfer-Encoding) and 505 (HTTP/2.0 or later in
a request line). Raw sockets, because no HTTP client sends such requests; for the
statuses after which nginx closes the connection, the whole body must
still arrive before the close.

The development configuration (deploy/nginx-dev.conf.in, the stack of
tests/run) is checked in full; deploy/nginx-site.conf, started over TLS
like test_deploy does, with a sample of the same requests."""
import json
import os
import socket
import ssl
import tempfile
import unittest

from lib import HOST, PORT, TEST_DIR, request

ERRORS = {400: "bad_request", 405: "method_not_allowed", 413: "body_too_large",
          414: "uri_too_long", 501: "not_implemented", 505: "http_version_not_supported"}


def exchange(data, host=HOST, port=PORT, tls=None, timeout=10, watch_close=True):
    """Sends data on a fresh connection and reads one answer: returns
    (status, {header: value} in lower case, body, closed), where closed
    says that the server closed the connection after the answer (None
    unless watch_close: finding out costs a second on a kept
    connection)."""
    raw = socket.create_connection((host, port), timeout=timeout)
    s = tls.wrap_socket(raw, server_hostname="localhost") if tls else raw
    try:
        s.sendall(data)
        buf = b""
        while b"\r\n\r\n" not in buf:
            chunk = s.recv(65536)
            assert chunk, "connection closed before the headers: %r" % buf
            buf += chunk
        head, _, body = buf.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        headers = {}
        for line in lines[1:]:
            k, _, v = line.partition(":")
            headers[k.strip().lower()] = v.strip()
        length = int(headers.get("content-length", "0"))
        head_only = data.split(b" ", 1)[0] == b"HEAD"
        while not head_only and len(body) < length:
            chunk = s.recv(65536)
            assert chunk, "connection closed inside the body: %r" % body
            body += chunk
        # Does the server close the connection now? (A kept connection
        # times out here instead.)
        if not watch_close:
            return status, headers, body, None
        s.settimeout(1)
        try:
            closed = s.recv(1) == b""
        except (socket.timeout, ssl.SSLError):
            closed = False
        except ConnectionResetError:
            closed = True
        return status, headers, body, closed
    finally:
        s.close()


def expect_envelope(answer, status, code=None, closes=None):
    """Asserts the JSON error envelope with status and code (by default
    the code of ERRORS); closes: True/False when the connection must be
    closed or kept after it."""
    st, headers, body, closed = answer
    assert st == status, (st, status, body[:300])
    assert headers.get("content-type") == "application/json; charset=utf-8", headers
    assert int(headers["content-length"]) == len(body), (headers, body)
    e = json.loads(body)["error"]
    assert set(e) == {"code", "message", "details"}, e
    assert e["code"] == (code or ERRORS[status]) and e["message"] and e["details"] == [], e
    # The headers of every answer come with these too.
    assert headers.get("x-content-type-options") == "nosniff", headers
    if closes is not None:
        assert closed == closes, ("closed" if closed else "kept", headers)
        if closes:
            assert headers.get("connection") == "close", headers
    return headers


def get(path, extra=b"", method=b"GET"):
    return method + b" " + path + b" HTTP/1.1\r\nHost: x\r\n" + extra + b"\r\n"


BAD_PATHS = [b"/api/v1/health%00", b"/%00", b"/index.html%00.json", b"/../api/v1/health",
             b"/api/v1/../../../etc/passwd", b"/css/../../site.css", b"/api/v1/%2e%2e/%2e%2e/%2e%2e/x"]

BAD_FRAMING = [
    # Content-Length that is no number, negative, twice, or with chunked.
    b"PATCH /api/v1/waves/1 HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
    b"Content-Length: abc\r\n\r\n{}",
    b"PATCH /api/v1/waves/1 HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n{}",
    b"PATCH /api/v1/waves/1 HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}",
    b"POST /api/v1/login HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n"
    b"Transfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n",
    # Header lines that are not header lines, no Host in HTTP/1.1, two
    # Hosts.
    b"GET /api/v1/health HTTP/1.1\r\nHost: x\r\nNo colon here\r\n\r\n",
    b"GET /api/v1/health HTTP/1.1\r\nHost: x\r\n: empty name\r\n\r\n",
    b"GET /api/v1/health HTTP/1.1\r\n\r\n",
    b"GET /api/v1/health HTTP/1.1\r\nHost: x\r\nHost: y\r\n\r\n",
    # Request lines that are not request lines.
    b"FOO BAR\r\n\r\n",
    b"GET\x00 / HTTP/1.1\r\nHost: x\r\n\r\n",
    b"get /api/v1/health HTTP/1.1\r\nHost: x\r\n\r\n",
    b"CONNECT example.org:443 HTTP/1.1\r\nHost: example.org:443\r\n\r\n",
]


# ------------------------------------------------------------ the dev stack

def test_bad_paths_get_the_json_400_and_the_connection_closes():
    for p in BAD_PATHS:
        expect_envelope(exchange(get(p)), 400, closes=True)


def test_bad_framing_gets_the_json_400():
    for data in BAD_FRAMING:
        expect_envelope(exchange(data), 400, closes=True)


def test_unknown_transfer_codings_and_http_versions_get_501_and_505():
    for te in (b"gzip", b"chunked, gzip", b"identity"):
        data = (b"POST /api/v1/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                b"Transfer-Encoding: " + te + b"\r\n\r\n{}")
        expect_envelope(exchange(data), 501, closes=True)
    for version in (b"HTTP/2.0", b"HTTP/9.9"):
        expect_envelope(exchange(b"GET /api/v1/health " + version + b"\r\nHost: x\r\n\r\n"), 505,
                        closes=True)


def test_oversized_header_lines_get_the_json_400():
    # One header line above large_client_header_buffers (8k): nginx's
    # 494, sent as 400 with its own message.
    for extra in (b"X-Big: " + b"a" * 9000 + b"\r\n",
                  b"Cookie: rg_session=" + b"A" * 9000 + b"\r\n",
                  b"Authorization: Bearer " + b"A" * 9000 + b"\r\n"):
        expect_envelope(exchange(get(b"/api/v1/health", extra)), 400, closes=True)
    st, _, body, _ = exchange(get(b"/api/v1/health", b"X-Big: " + b"a" * 9000 + b"\r\n"))
    assert "header" in json.loads(body)["error"]["message"], body
    # Many header lines that each fit are fine up to 4 buffers of 8k.
    many = b"".join(b"X-H%d: %s\r\n" % (i, b"b" * 1000) for i in range(20))
    st, _, body, _ = exchange(get(b"/api/v1/health", many + b"Connection: close\r\n"))
    assert st == 200, (st, body)


def test_a_request_line_above_8k_gets_the_json_414():
    for p in (b"/api/v1/waves?x=" + b"a" * 9000, b"/" + b"b" * 9000):
        expect_envelope(exchange(get(p)), 414, closes=True)


def test_trace_and_connect_get_the_json_405_with_allow():
    for method in (b"TRACE", b"CONNECT"):
        h = expect_envelope(exchange(get(b"/api/v1/health", method=method)), 405)
        assert h.get("allow") == "GET, HEAD, POST, PUT, PATCH", h
        h = expect_envelope(exchange(get(b"/index.html", method=method)), 405)
        assert h.get("allow") == "GET, HEAD", h


def test_writes_to_static_files_get_the_json_405_with_allow():
    for method, path in ((b"POST", b"/index.html"), (b"PUT", b"/"), (b"DELETE", b"/css/site.css"),
                         (b"PATCH", b"/js/api.js"), (b"POST", b"/openapi.yaml")):
        data = (method + b" " + path + b" HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                b"Content-Length: 2\r\n\r\n{}")
        h = expect_envelope(exchange(data, watch_close=False), 405)
        assert h.get("allow") == "GET, HEAD", (path, h)
    # The worker's own 405 (a path of the API with a method it lacks) is
    # untouched: exact Allow.
    r = request("DELETE", "/api/v1/waves")
    assert r.status == 405 and r.header("Allow") == "GET, POST", r.headers


def test_head_gets_the_headers_only():
    st, h, body, _ = exchange(get(b"/api/v1/health%00", method=b"HEAD"))
    assert st == 400 and h["content-type"] == "application/json; charset=utf-8" and body == b"", (st, h)


def test_a_413_is_labelled_json_whatever_the_extension():
    for path in (b"/index.html", b"/api/v1/waves/1/export.csv", b"/api/v1/waves"):
        data = (b"POST " + path + b" HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                b"Content-Length: 2000000\r\nConnection: close\r\n\r\n{}")
        expect_envelope(exchange(data, watch_close=False), 413)


def test_the_error_pages_cannot_be_asked_for():
    for code in ("400", "405", "414", "494"):
        r = request("GET", "/_reifegrad/error/" + code)
        assert r.status == 404, (code, r)


def test_the_stack_answers_normally_afterwards():
    r = request("GET", "/api/v1/health")
    assert r.status == 200 and r.json["status"] == "ok", r
    r = request("GET", "/index.html")
    assert r.status == 200 and r.header("Content-Type").startswith("text/html"), r.headers


# ------------------------------------------------------------ the site conf

def test_the_production_site_answers_the_same_over_tls():
    if not TEST_DIR:
        raise unittest.SkipTest("needs the stack of tests/run")
    from test_deploy import Nginx
    with tempfile.TemporaryDirectory() as tmp:
        os.chmod(tmp, 0o755)
        n = Nginx(tmp)
        n.start()
        try:
            ctx = n.tls()

            def ask(data):
                return exchange(data, "127.0.0.1", n.https_port, tls=ctx)

            for p in BAD_PATHS[:4]:
                h = expect_envelope(ask(get(p)), 400, closes=True)
                assert h.get("strict-transport-security", "").startswith("max-age="), h
            for data in BAD_FRAMING[:4] + BAD_FRAMING[-5:]:
                expect_envelope(ask(data), 400, closes=True)
            expect_envelope(ask(get(b"/api/v1/health", b"X-Big: " + b"a" * 9000 + b"\r\n")), 400,
                            closes=True)
            expect_envelope(ask(get(b"/api/v1/waves?x=" + b"a" * 9000)), 414, closes=True)
            for method, path, allow in ((b"TRACE", b"/api/v1/health", "GET, HEAD, POST, PUT, PATCH"),
                                        (b"CONNECT", b"/index.html", "GET, HEAD"),
                                        (b"POST", b"/index.html", "GET, HEAD")):
                data = (method + b" " + path + b" HTTP/1.1\r\nHost: localhost\r\n"
                        b"Content-Length: 0\r\n\r\n")
                h = expect_envelope(ask(data), 405)
                assert h.get("allow") == allow, h
                assert h.get("strict-transport-security", "").startswith("max-age="), h
            data = (b"POST /index.html HTTP/1.1\r\nHost: localhost\r\nContent-Length: 2000000\r\n"
                    b"Connection: close\r\n\r\n{}")
            expect_envelope(ask(data), 413)
            st, _, _, _ = ask(b"GET /api/v1/health HTTP/1.1\r\nHost: localhost\r\n"
                              b"Connection: close\r\n\r\n")
            assert st == 200, st
        finally:
            n.stop()
