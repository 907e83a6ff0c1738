"""Production files (issue #10): the systemd units of deploy/systemd pass
`systemd-analyze verify` and keep their hardening, and deploy/nginx-site.conf
passes `nginx -t` with a self-signed certificate and, run for real in front
of the test stack's workers, speaks only TLS 1.2/1.3 with forward-secret
AEAD suites, sends HSTS and the security headers, redirects HTTP, limits
sign-in attempts per address with a JSON 429, and serves metrics to this
host only. A check whose tool is missing here is skipped, saying why."""
import http.client
import json
import os
import re
import shutil
import socket
import ssl
import subprocess
import tempfile
import time
import unittest

from lib import ROOT, TEST_DIR

UNITS = os.path.join(ROOT, "deploy", "systemd")
SITE = os.path.join(ROOT, "deploy", "nginx-site.conf")


def need(tool):
    path = shutil.which(tool)
    if path is None:
        raise unittest.SkipTest("%s is not installed here" % tool)
    return path


def unit_lines(name):
    """The (section, key, value) lines of a unit file, in order."""
    out, section = [], None
    with open(os.path.join(UNITS, name)) as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            m = re.match(r"^\[(\w+)\]$", line)
            if m:
                section = m.group(1)
                continue
            k, _, v = line.partition("=")
            out.append((section, k, v))
    return out


def unit(name):
    """{(section, key): [values]} of a unit file."""
    d = {}
    for s, k, v in unit_lines(name):
        d.setdefault((s, k), []).append(v)
    return d


def units_for_verify(tmp):
    """Copies of the units whose ExecStart points at stand-ins in tmp/bin
    (systemd-analyze verify checks that the programs exist and are
    executable, and the build folder may be rebuilt meanwhile); nothing else
    changes."""
    bindir = os.path.join(tmp, "bin")
    os.makedirs(bindir)
    for prog in ("reifegrad-fcgi", "reifegrad-admin"):
        with open(os.path.join(bindir, prog), "w") as f:
            f.write("#!/bin/sh\nexit 0\n")
        os.chmod(os.path.join(bindir, prog), 0o755)
    names = sorted(os.listdir(UNITS))
    for name in names:
        with open(os.path.join(UNITS, name)) as f:
            text = f.read()
        assert "/usr/local/bin/" in text or name.endswith((".socket", ".timer")), name
        with open(os.path.join(tmp, name), "w") as f:
            f.write(text.replace("/usr/local/bin/", bindir + "/"))
    return [os.path.join(tmp, n) for n in names]


def tmp_units(tmp):
    d = os.path.join(tmp, "units")
    os.makedirs(d)
    return d


def test_units_say_what_the_deployment_needs():
    # The workers' socket and the write pool's, each named as the master
    # looks for it (MAIN_WRITE_FDNAME in cgi/main.c).
    write_name = re.search(r'#define MAIN_WRITE_FDNAME "([^"]+)"',
                           open(os.path.join(ROOT, "cgi", "main.c")).read()).group(1)
    for name, path, fdname in (("reifegrad-fcgi.socket", "/run/reifegrad/fcgi.sock", "fcgi"),
                               ("reifegrad-fcgi-write.socket", "/run/reifegrad/fcgi-write.sock",
                                write_name)):
        sock = unit(name)
        assert sock[("Socket", "ListenStream")] == [path]
        assert sock[("Socket", "SocketMode")] == ["0660"]
        assert sock[("Socket", "SocketGroup")] == ["www-data"]
        assert sock[("Socket", "Accept")] == ["no"]
        assert sock[("Socket", "FileDescriptorName")] == [fdname]
        assert sock[("Socket", "Service")] == ["reifegrad-fcgi.service"]
    svc = unit("reifegrad-fcgi.service")
    start = svc[("Service", "ExecStart")]
    assert len(start) == 1 and re.match(
        r"^/usr/local/bin/reifegrad-fcgi --workers \d+ --write-workers \d+$", start[0])
    # The master takes both sockets by the sd_listen_fds protocol.
    assert svc[("Service", "Sockets")] == ["reifegrad-fcgi.socket reifegrad-fcgi-write.socket"]
    assert ("Service", "StandardInput") not in svc
    assert svc[("Service", "EnvironmentFile")] == ["/etc/reifegrad/env"]
    assert svc[("Unit", "Requires")] == ["reifegrad-fcgi.socket reifegrad-fcgi-write.socket"]
    want = {"NoNewPrivileges": "yes", "ProtectSystem": "strict", "ProtectHome": "yes",
            "PrivateTmp": "yes", "PrivateDevices": "yes",
            "RestrictAddressFamilies": "AF_UNIX AF_INET AF_INET6",
            "MemoryDenyWriteExecute": "yes", "LockPersonality": "yes",
            "RestrictNamespaces": "yes", "CapabilityBoundingSet": "",
            "Restart": "on-failure", "KillSignal": "SIGTERM", "DynamicUser": "yes"}
    for k, v in want.items():
        assert svc.get(("Service", k)) == [v], (k, svc.get(("Service", k)))
    assert svc[("Service", "SystemCallFilter")][0] == "@system-service"
    # The write pool's SCHED_BATCH (cgi/main.c) is let back in after the
    # deny list that takes @resources out; real-time policies stay out.
    calls = svc[("Service", "SystemCallFilter")]
    assert calls.index("sched_setscheduler") > calls.index("~@privileged @resources")
    assert svc[("Service", "RestrictRealtime")] == ["yes"]
    assert "SCHED_BATCH" in open(os.path.join(ROOT, "cgi", "main.c")).read()
    # Longer than the master's own grace (MAIN_STOP_GRACE in cgi/main.c).
    grace = int(re.search(r"#define MAIN_STOP_GRACE (\d+)",
                          open(os.path.join(ROOT, "cgi", "main.c")).read()).group(1))
    assert int(svc[("Service", "TimeoutStopSec")][0]) > grace
    hk = unit("reifegrad-housekeeping.service")
    assert hk[("Service", "Type")] == ["oneshot"]
    assert hk[("Service", "ExecStart")] == ["/usr/local/bin/reifegrad-admin housekeeping"]
    timer = unit("reifegrad-housekeeping.timer")
    assert re.match(r"^(daily|\*-\*-\* \d\d:\d\d:\d\d)$", timer[("Timer", "OnCalendar")][0])
    assert timer[("Timer", "Persistent")] == ["true"]


def test_systemd_analyze_verify():
    tool = need("systemd-analyze")
    with tempfile.TemporaryDirectory() as tmp:
        # Can it verify at all here? A unit that is certainly right.
        probe = os.path.join(tmp, "probe", "probe.service")
        os.makedirs(os.path.dirname(probe))
        with open(probe, "w") as f:
            f.write("[Service]\nType=oneshot\nExecStart=/bin/true\n")
        r = subprocess.run([tool, "verify", probe], capture_output=True, text=True, cwd=tmp)
        if r.returncode != 0 or r.stderr.strip():
            raise unittest.SkipTest("systemd-analyze verify cannot run here: %s"
                                    % (r.stderr.strip().splitlines() or ["?"])[0])
        files = units_for_verify(tmp_units(tmp))
        r = subprocess.run([tool, "verify"] + files, capture_output=True, text=True, cwd=tmp)
        # Unknown keys and bad values are only warnings: any output fails.
        assert r.returncode == 0 and r.stderr.strip() == "" and r.stdout.strip() == "", \
            r.stdout + r.stderr


def test_services_are_hardened():
    tool = need("systemd-analyze")
    with tempfile.TemporaryDirectory() as tmp:
        files = units_for_verify(tmp_units(tmp))
        for f in files:
            if not f.endswith(".service"):
                continue
            r = subprocess.run([tool, "security", "--offline=yes", "--threshold=20", f],
                               capture_output=True, text=True, cwd=tmp)
            if "--offline" in r.stderr or "Unknown option" in r.stderr:
                raise unittest.SkipTest("systemd-analyze security --offline is not available")
            m = re.search(r"Overall exposure level for \S+: (\d+\.\d)", r.stdout)
            assert m, r.stdout[-500:] + r.stderr
            # systemd's scale: 0 (safe) .. 10 (exposed); 2.0 and below is "OK".
            assert r.returncode == 0 and float(m.group(1)) <= 2.0, (f, m.group(0))


# ------------------------------------------------------------------ nginx

def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Nginx:
    """deploy/nginx-site.conf inside a minimal nginx.conf, in tmp: with a
    self-signed certificate for localhost, on free ports of 127.0.0.1, its
    logs in tmp, the test stack's FastCGI socket and site folder."""

    def __init__(self, tmp):
        self.tmp = tmp
        self.nginx = need("nginx")
        openssl = need("openssl")
        self.cert = os.path.join(tmp, "cert.pem")
        key = os.path.join(tmp, "key.pem")
        r = subprocess.run([openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes",
                            "-keyout", key, "-out", self.cert, "-days", "2",
                            "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost"],
                           capture_output=True, text=True)
        assert r.returncode == 0, r.stderr
        self.http_port, self.https_port = free_port(), free_port()
        with open(SITE) as f:
            site = f.read()
        sock = os.path.join(TEST_DIR, "run", "fcgi.sock") if TEST_DIR else "/run/reifegrad/fcgi.sock"
        wsock = (os.path.join(TEST_DIR, "run", "fcgi-write.sock") if TEST_DIR
                 else "/run/reifegrad/fcgi-write.sock")
        for old, new in (("/etc/reifegrad/tls/fullchain.pem", self.cert),
                         ("/etc/reifegrad/tls/privkey.pem", key),
                         ("/var/log/nginx/", tmp + "/"),
                         ("/run/reifegrad/fcgi.sock", sock),
                         ("/run/reifegrad/fcgi-write.sock", wsock),
                         ("/usr/share/reifegrad/site", os.path.join(ROOT, "site")),
                         ("reifegrad.example.org", "localhost"),
                         ("listen 80;", "listen 127.0.0.1:%d;" % self.http_port),
                         ("listen 443 ssl http2;", "listen 127.0.0.1:%d ssl http2;" % self.https_port)):
            assert old in site, old
            site = site.replace(old, new)
        site = "\n".join(line for line in site.splitlines() if "listen [::]" not in line)
        with open(os.path.join(tmp, "site.conf"), "w") as f:
            f.write(site)
        self.conf = os.path.join(tmp, "nginx.conf")
        with open(self.conf, "w") as f:
            f.write("""%(user)s
pid %(tmp)s/nginx.pid;
error_log %(tmp)s/error.log;
events { worker_connections 64; }
http {
	include /etc/nginx/mime.types;
	client_body_temp_path %(tmp)s/body;
	fastcgi_temp_path %(tmp)s/fastcgi;
	proxy_temp_path %(tmp)s/proxy;
	uwsgi_temp_path %(tmp)s/uwsgi;
	scgi_temp_path %(tmp)s/scgi;
	include %(tmp)s/site.conf;
}
""" % {"tmp": tmp, "user": "user root;" if os.geteuid() == 0 else ""})

    def run(self, *args):
        return subprocess.run([self.nginx, "-p", self.tmp, "-c", self.conf,
                               "-e", os.path.join(self.tmp, "error.log")] + list(args),
                              capture_output=True, text=True)

    def start(self):
        r = self.run()
        assert r.returncode == 0, r.stderr
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", self.https_port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.05)
        raise AssertionError("nginx did not listen")

    def stop(self):
        pidfile = os.path.join(self.tmp, "nginx.pid")
        if not os.path.exists(pidfile):
            return
        with open(pidfile) as f:
            pid = int(f.read().strip())
        os.kill(pid, 15)
        for _ in range(100):
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                return
            time.sleep(0.05)

    def tls(self, minimum=None, maximum=None, ciphers=None):
        ctx = ssl.create_default_context(cafile=self.cert)
        if minimum:
            ctx.minimum_version = minimum
        if maximum:
            ctx.maximum_version = maximum
        if ciphers:
            ctx.set_ciphers(ciphers)
        return ctx

    def https(self, method, path, body=None, headers=None, source=None, ctx=None):
        c = http.client.HTTPSConnection("localhost", self.https_port, timeout=10,
                                        context=ctx or self.tls(),
                                        source_address=(source, 0) if source else None)
        try:
            c.request(method, path, body=body, headers=headers or {})
            r = c.getresponse()
            return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read(), c.sock.version()
        finally:
            c.close()

    def handshake(self, ctx):
        """The protocol and cipher a handshake with ctx agrees on, or None
        when the server refuses it."""
        try:
            with socket.create_connection(("127.0.0.1", self.https_port), timeout=5) as raw:
                with ctx.wrap_socket(raw, server_hostname="localhost") as s:
                    return s.version(), s.cipher()[0]
        except (ssl.SSLError, ConnectionResetError):
            return None


def test_nginx_site_config_passes_nginx_t():
    with tempfile.TemporaryDirectory() as tmp:
        n = Nginx(tmp)
        r = n.run("-t")
        assert r.returncode == 0, r.stderr
        assert "test is successful" in r.stderr, r.stderr
        assert "[warn]" not in r.stderr and "[emerg]" not in r.stderr, r.stderr


def expect_json_error(status_body, status, code):
    st, h, body, _ = status_body
    assert st == status, (st, body)
    assert h["content-type"].startswith("application/json"), h
    e = json.loads(body)["error"]
    assert e["code"] == code and e["message"] and e["details"] == [], e
    return h


def test_nginx_site_serves_tls_headers_redirect_limits():
    if not TEST_DIR:
        raise unittest.SkipTest("needs the stack of tests/run")
    with tempfile.TemporaryDirectory() as tmp:
        os.chmod(tmp, 0o755)
        n = Nginx(tmp)
        n.start()
        try:
            # The API through TLS, with HSTS and the same headers as dev.
            st, h, body, version = n.https("GET", "/api/v1/health")
            assert st == 200 and b'"status":"ok"' in body, (st, body)
            assert version in ("TLSv1.2", "TLSv1.3"), version
            assert h["strict-transport-security"].startswith("max-age="), h
            assert int(h["strict-transport-security"].split("=")[1].split(";")[0]) >= 31536000
            for k in ("x-content-type-options", "referrer-policy", "x-frame-options",
                      "content-security-policy"):
                assert k in h, (k, h)
            st, h, body, _ = n.https("GET", "/")
            assert st == 200 and h["content-type"].startswith("text/html"), (st, h)
            assert "strict-transport-security" in h

            # TLS 1.2 and 1.3 only; for 1.2 only ECDHE with AEAD.
            assert n.handshake(n.tls(ssl.TLSVersion.TLSv1_3, ssl.TLSVersion.TLSv1_3))[0] == "TLSv1.3"
            v, cipher = n.handshake(n.tls(ssl.TLSVersion.TLSv1_2, ssl.TLSVersion.TLSv1_2))
            assert v == "TLSv1.2" and cipher.startswith("ECDHE-") and \
                ("GCM" in cipher or "CHACHA20" in cipher), cipher
            for weak in ("AES128-SHA", "AES256-SHA256", "ECDHE-RSA-AES128-SHA",
                         "ECDHE-RSA-AES256-SHA384", "AES128-GCM-SHA256"):
                ctx = n.tls(ssl.TLSVersion.TLSv1_2, ssl.TLSVersion.TLSv1_2, weak)
                assert n.handshake(ctx) is None, weak
            old = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
            old.check_hostname = False
            old.verify_mode = ssl.CERT_NONE
            try:
                old.set_ciphers("ALL:@SECLEVEL=0")
                old.minimum_version = ssl.TLSVersion.TLSv1
                old.maximum_version = ssl.TLSVersion.TLSv1_1
            except (ValueError, ssl.SSLError):
                pass
            else:
                assert n.handshake(old) is None, "TLS 1.0/1.1 accepted"

            # Plain HTTP redirects to HTTPS, path and query kept.
            c = http.client.HTTPConnection("127.0.0.1", n.http_port, timeout=5)
            c.request("GET", "/api/v1/health?x=1")
            r = c.getresponse()
            r.read()
            c.close()
            assert r.status == 301, r.status
            assert r.getheader("Location") == "https://localhost/api/v1/health?x=1"

            # Metrics for this host only, the JSON envelope for others.
            st, _, _, _ = n.https("GET", "/api/v1/metrics")
            assert st != 403, st
            expect_json_error(n.https("GET", "/api/v1/metrics", source="127.0.0.2"), 403,
                              "forbidden")

            # Sign-in attempts per address: 1 + a burst of 20, then 429
            # with the envelope and Retry-After; login shares the zone.
            body = b'{"token":"kein-gueltiges-token","name":"N","password":"ein-langes-passwort"}'
            hdr = {"Content-Type": "application/json"}
            got = [n.https("POST", "/api/v1/invitations/accept", body, hdr, source="127.0.0.3")
                   for _ in range(25)]
            statuses = [g[0] for g in got]
            passed = [s for s in statuses if s != 429]
            assert 21 <= len(passed) <= 22 and all(s in (400, 410, 422) for s in passed), statuses
            assert statuses[-1] == 429, statuses
            h = expect_json_error(got[-1], 429, "too_many_requests")
            assert int(h["retry-after"]) > 0 and "strict-transport-security" in h, h
            h = expect_json_error(n.https("POST", "/api/v1/login", b'{"email":"a@b.de",'
                                          b'"password":"x"}', hdr, source="127.0.0.3"),
                                  429, "too_many_requests")
            # Another address is not affected.
            st, _, _, _ = n.https("POST", "/api/v1/invitations/accept", body, hdr,
                                  source="127.0.0.4")
            assert st != 429, st
        finally:
            n.stop()
