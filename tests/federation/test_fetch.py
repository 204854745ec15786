"""federation.fetching: SSRF-safe, hostile-server-safe fetching of remote documents.

Every server here is a real HTTP(S) server on 127.0.0.1 with an ephemeral port. "Public" host
names are mapped to loopback by monkeypatching socket.getaddrinfo (the outside world), and a
guard makes sure no test ever connects to a non-loopback address.
"""

from __future__ import annotations

import ast
import datetime
import http.server
import ipaddress
import json
import socket
import ssl
import threading
import time
from pathlib import Path
from types import SimpleNamespace

import pytest

from federation import fetching as F

AS_CT = "application/activity+json"
LD_CT = 'application/ld+json; profile="https://www.w3.org/ns/activitystreams"'
UA = "WeerbaarNL/9.9 (+https://node.test)"
MIB = 1024 * 1024


# --- the servers ----------------------------------------------------------------------------


def nested(levels: int):
    """A JSON value with `levels` nested containers (an object at the top counts as 1)."""
    value = []
    for _ in range(levels - 1):
        value = [value]
    return value


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    # helpers
    def base(self):
        return f"{self.server.scheme}://{self.headers['Host']}"

    def send(self, status=200, body=b"", ctype=AS_CT, headers=None, length=True):
        self.send_response(status)
        if ctype:
            self.send_header("Content-Type", ctype)
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        if length:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def doc(self, ctype=AS_CT, doc_id=None, **extra):
        body = {"@context": "https://www.w3.org/ns/activitystreams", "type": "Note",
                "id": doc_id if doc_id is not None else self.base() + self.path, **extra}
        self.send(body=json.dumps(body).encode(), ctype=ctype)

    def redirect(self, location, status=302):
        self.send(status, ctype=None, headers={"Location": location})

    def endless(self, chunked):
        """Up to 64 MiB, stopping when the client goes away; records how much was written."""
        self.send_response(200)
        self.send_header("Content-Type", AS_CT)
        self.send_header("Transfer-Encoding" if chunked else "Connection", "chunked" if chunked else "close")
        self.end_headers()
        piece, sent = b"[" + b"1," * 32767, 0
        try:
            while sent < 64 * MIB:
                self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece) if chunked else piece)
                sent += len(piece)
        except OSError:
            pass
        finally:
            self.server.sent[self.path] = sent
            self.close_connection = True

    def drip(self, data: bytes, interval: float, *, headers_done=True):
        try:
            for i in range(len(data)):
                self.wfile.write(data[i:i + 1])
                self.wfile.flush()
                time.sleep(interval)
        except OSError:
            pass
        self.close_connection = True

    def do_GET(self):
        self.server.requests.append((self.path, dict(self.headers)))
        path, _, query = self.path.partition("?")
        n = int(query.split("=")[1]) if query.startswith("n=") else 0
        port = self.server.server_address[1]
        routes = {
            "/good": lambda: self.doc(),
            "/good#frag": lambda: self.doc(),
            "/ld": lambda: self.doc(LD_CT),
            "/ld-plain": lambda: self.doc("application/ld+json"),
            "/ld-other-profile": lambda: self.doc('application/ld+json; profile="https://example.org/x"'),
            "/as-charset": lambda: self.doc("application/activity+json; charset=utf-8"),
            "/json": lambda: self.doc("application/json"),
            "/jrd": lambda: self.doc("application/jrd+json"),
            "/html": lambda: self.doc("text/html"),
            "/no-ctype": lambda: self.doc(None),
            "/other-id": lambda: self.doc(doc_id=self.base() + "/users/somebody-else"),
            "/other-origin": lambda: self.doc(doc_id=f"http://evil.example:{port}/other-origin"),
            "/other-port": lambda: self.doc(doc_id=f"http://127.0.0.1:{port + 1}/other-port"),
            "/userinfo-id": lambda: self.doc(doc_id=self.base().replace("//", "//x@") + "/userinfo-id"),
            "/no-id": lambda: self.doc(doc_id=""),
            "/fragment-id": lambda: self.doc(doc_id=self.base() + "/fragment-id#main-key"),
            "/redirect-other-host": lambda: self.redirect(f"http://localhost:{port}/good"),
            "/redirect-relative": lambda: self.redirect("/good", 301),
            "/redirect-keeps-old-id": lambda: self.redirect("/old-id-target"),
            "/old-id-target": lambda: self.doc(doc_id=self.base() + "/redirect-keeps-old-id"),
            "/r2": lambda: self.redirect("/r1"),
            "/r1": lambda: self.redirect("/good"),
            "/redirect-no-location": lambda: self.send(302, ctype=None),
            "/redirect-metadata": lambda: self.redirect("http://169.254.169.254/latest/meta-data/"),
            "/redirect-zero": lambda: self.redirect(f"http://0.0.0.0:{port}/good"),
            "/redirect-ftp": lambda: self.redirect("ftp://files.example/good"),
            "/redirect-to-name": lambda: self.redirect(f"http://rebind.example:{port}/good"),
            "/big-cl": lambda: self.send(body=b" " * (2 * MIB)),
            "/big-close": lambda: self.endless(chunked=False),
            "/big-chunked": lambda: self.endless(chunked=True),
            "/deep": lambda: self.doc(x=nested(n - 1)),  # the document object is level 1
            "/deep-huge": lambda: self.send(body=b"[" * 200_000 + b"]" * 200_000),
            "/array": lambda: self.doc(x=list(range(n))),
            "/array-nested": lambda: self.doc(x={"y": [{"z": list(range(n))}]}),
            "/invalid": lambda: self.send(body=b'{"id": "x", '),
            "/nan": lambda: self.send(body=b'{"id": "x", "v": NaN}'),
            "/not-utf8": lambda: self.send(body=b'{"id": "\xff\xfe"}'),
            "/array-top": lambda: self.send(body=b"[]"),
            "/gzip": lambda: self.send(body=b"\x1f\x8b", headers={"Content-Encoding": "gzip"}),
            "/404": lambda: self.send(404, b"not found", "text/plain"),
            "/410": lambda: self.send(410, b"gone", "text/plain"),
            "/500": lambda: self.send(500, b"oops", "text/plain"),
            "/bad-length": lambda: self.send(body=b"{}", headers={"Content-Length": "lots"}, length=False),
        }
        if path == "/slow-body":
            self.send_response(200)
            self.send_header("Content-Type", AS_CT)
            self.send_header("Content-Length", "200")
            self.end_headers()
            self.wfile.flush()
            return self.drip(b"x" * 200, 0.05)
        if path == "/slow-headers":
            self.wfile.write(b"HTTP/1.1 200 OK\r\n")
            return self.drip(b"X-Padding: " + b"a" * 200 + b"\r\n", 0.05)
        if path == "/stall":
            self.send_response(200)
            self.send_header("Content-Type", AS_CT)
            self.send_header("Content-Length", "100")
            self.end_headers()
            self.wfile.flush()
            time.sleep(3)
            self.close_connection = True
            return
        routes.get(path, lambda: self.send(404, b"no route", "text/plain"))()


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    scheme = "http"

    def __init__(self):
        super().__init__(("127.0.0.1", 0), Handler)
        self.requests: list = []
        self.connections: list = []
        self.sent: dict = {}

    def handle_error(self, request, client_address):
        pass  # clients hanging up on hostile endpoints is the point of many tests

    def process_request(self, request, client_address):
        self.connections.append(client_address)
        super().process_request(request, client_address)

    @property
    def port(self):
        return self.server_address[1]

    def url(self, path, host="127.0.0.1", scheme=None):
        return f"{scheme or self.scheme}://{host}:{self.port}{path}"

    def paths(self):
        return [p for p, _ in self.requests]


def run(server):
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    return thread


@pytest.fixture
def server():
    srv = Server()
    run(srv)
    yield srv
    srv.shutdown()
    srv.server_close()


@pytest.fixture(autouse=True)
def loopback_only(monkeypatch):
    """No test may connect anywhere but loopback: a connect elsewhere is refused and recorded."""
    attempts = []
    real_connect = socket.socket.connect

    def connect(self, address):
        if self.family in (socket.AF_INET, socket.AF_INET6):
            if not ipaddress.ip_address(address[0].split("%")[0]).is_loopback:
                attempts.append(address)
                raise ConnectionRefusedError(f"test guard: no traffic to {address}")
        return real_connect(self, address)

    monkeypatch.setattr(socket.socket, "connect", connect)
    yield attempts
    assert attempts == [], f"tried to connect outside loopback: {attempts}"


@pytest.fixture
def fake_dns(monkeypatch):
    """Host names in `table` resolve to the given addresses; calls are recorded."""
    real = socket.getaddrinfo
    dns = SimpleNamespace(table={}, calls=[])

    def getaddrinfo(host, port, family=0, type=0, proto=0, flags=0):
        dns.calls.append(host)
        if host in dns.table:
            out = []
            for ip in dns.table[host]:
                if ":" in ip:
                    out.append((socket.AF_INET6, socket.SOCK_STREAM, 6, "", (ip, port, 0, 0)))
                else:
                    out.append((socket.AF_INET, socket.SOCK_STREAM, 6, "", (ip, port)))
            return out
        if host.endswith((".example", ".org", ".test")):
            raise socket.gaierror(socket.EAI_NONAME, "test: unknown name")
        return real(host, port, family, type, proto, flags)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return dns


def get(url, **kw):
    kw.setdefault("user_agent", UA)
    return F.fetch_object(url, **kw)


def get_private(url, **kw):
    return get(url, allow_private=True, **kw)


# --- refused before any connection ----------------------------------------------------------


@pytest.mark.parametrize("host", [
    "127.0.0.1", "[::1]", "localhost", "sub.localhost", "10.0.0.1", "172.16.5.4", "192.168.1.1",
    "169.254.169.254", "100.64.0.1", "0.0.0.0", "[::]", "[::ffff:127.0.0.1]", "[::ffff:10.0.0.1]",
    "2130706433", "0x7f.1", "017700000001", "127.1", "[fe80::1]", "[fc00::1]", "[fd12:3456::1]",
    "224.0.0.1", "[ff02::1]", "255.255.255.255", "[2002:7f00:1::]", "[64:ff9b::a00:1]",
])
def test_private_hosts_are_refused_before_connecting(server, fake_dns, host):
    url = f"https://{host}:{server.port}/good"
    with pytest.raises(F.BlockedAddress) as excinfo:
        get(url)
    assert "refused" in str(excinfo.value)
    assert excinfo.value.url == url
    assert fake_dns.calls == []  # refused by the URL pre-check, before even resolving
    assert server.connections == [] and server.requests == []


def test_private_hosts_are_refused_over_http_too(server):
    with pytest.raises(F.SchemeNotAllowed):
        get(server.url("/good"))
    assert server.connections == []


@pytest.mark.parametrize("url", ["http://example.org/users/a", "ftp://example.org/x", "file:///etc/passwd",
                                 "gopher://example.org/", "//example.org/x", "example.org/x"])
def test_only_https_without_allow_private_and_no_network(fake_dns, url):
    with pytest.raises(F.SchemeNotAllowed):
        get(url)
    assert fake_dns.calls == []


@pytest.mark.parametrize("url", ["ftp://127.0.0.1/x", "file:///etc/passwd", "javascript:alert(1)"])
def test_allow_private_still_only_http_and_https(fake_dns, url):
    with pytest.raises(F.SchemeNotAllowed):
        get_private(url)
    assert fake_dns.calls == []


@pytest.mark.parametrize("url", ["https://", "https:///path", "https://user:pw@example.org/x",
                                 "https://example.org:99999/x", "https://exa mple.org/", "https://a.org/\r\nX: y",
                                 "https://example.org/" + "a" * 5000])
def test_malformed_urls(fake_dns, url):
    with pytest.raises(F.BadUrl):
        get(url)
    assert fake_dns.calls == []


def test_dns_rebinding_is_refused_at_connect_time(server, fake_dns):
    """A public-looking name passes the name pre-check, resolves to loopback, and is refused."""
    fake_dns.table["social.example.org"] = ["127.0.0.1"]
    url = server.url("/good", host="social.example.org", scheme="https")
    assert F.check_url(url) == "https"  # a naive check on the name passes
    with pytest.raises(F.BlockedAddress) as excinfo:
        get(url)
    assert "127.0.0.1" in str(excinfo.value)
    assert fake_dns.calls == ["social.example.org"]
    assert server.connections == []


@pytest.mark.parametrize("addresses", [["93.184.216.34", "127.0.0.1"], ["127.0.0.1", "93.184.216.34"],
                                       ["2606:2800:220:1::1", "::ffff:169.254.169.254"]])
def test_every_resolved_address_is_checked(server, fake_dns, loopback_only, addresses):
    fake_dns.table["mixed.example.org"] = addresses
    with pytest.raises(F.BlockedAddress):
        get(server.url("/good", host="mixed.example.org", scheme="https"))
    assert server.connections == []


@pytest.mark.parametrize("address", ["169.254.169.254", "0.0.0.0", "224.0.0.1", "fe80::1", "ff02::1", "::",
                                     "fd00:ec2::254", "::ffff:169.254.169.254", "255.255.255.255"])
def test_some_addresses_stay_blocked_with_allow_private(server, fake_dns, address):
    fake_dns.table["meta.example"] = [address]
    with pytest.raises(F.BlockedAddress):
        get_private(server.url("/good", host="meta.example"))
    assert server.connections == []


@pytest.mark.parametrize("address,public", [
    ("8.8.8.8", True), ("2606:4700::1111", True), ("64:ff9b::808:808", True), ("::ffff:8.8.8.8", True),
    ("127.0.0.1", False), ("10.1.2.3", False), ("192.168.0.1", False), ("172.31.255.255", False),
    ("100.100.100.100", False), ("fc00::1", False), ("::1", False), ("::ffff:10.0.0.1", False),
    ("198.18.0.1", False), ("192.0.2.1", False), ("2001:db8::1", False), ("::127.0.0.1", False),
])
def test_blocked_reason_table(address, public):
    """Public addresses pass; loopback/private/special ones pass only with allow_private."""
    assert (F.blocked_reason(address, allow_private=False) is None) is public
    assert F.blocked_reason(address, allow_private=True) is None


# --- connecting to the vetted address ----------------------------------------------------------


def test_connects_to_the_vetted_ip_with_the_original_host_name(server, fake_dns):
    fake_dns.table["node-a.example"] = ["127.0.0.1"]
    result = get_private(server.url("/good", host="node-a.example"))
    assert result.peer == ("127.0.0.1", server.port)
    assert result.data["id"] == f"http://node-a.example:{server.port}/good"
    assert server.requests[0][1]["Host"] == f"node-a.example:{server.port}"
    assert fake_dns.calls == ["node-a.example"]  # resolved once, by the guard, not again


def test_tries_the_next_vetted_address(server, fake_dns):
    fake_dns.table["node-b.example"] = ["127.0.0.2", "127.0.0.1"]  # nothing listens on .2
    result = get_private(server.url("/good", host="node-b.example"))
    assert result.peer == ("127.0.0.1", server.port)


def test_environment_proxies_are_ignored(server, monkeypatch):
    """A proxy would connect on our behalf, past the address check: never use one."""
    for var in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.setenv(var, "http://127.0.0.1:9")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    assert get_private(server.url("/good")).peer == ("127.0.0.1", server.port)


def test_unresolvable_name(fake_dns):
    with pytest.raises(F.ConnectionFailed, match="cannot resolve"):
        get("https://nowhere.example/x")


def test_connection_refused():
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    with pytest.raises(F.ConnectionFailed):
        get_private(f"http://127.0.0.1:{port}/good")


# --- TLS: SNI and certificate checked for the original name while connecting to the vetted IP ---


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    x509 = pytest.importorskip("cryptography.x509")
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    tmp = tmp_path_factory.mktemp("pki")
    now = datetime.datetime.now(datetime.timezone.utc)

    def name(cn):
        return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])

    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = (x509.CertificateBuilder().subject_name(name("test ca")).issuer_name(name("test ca"))
          .public_key(ca_key.public_key()).serial_number(1)
          .not_valid_before(now - datetime.timedelta(days=1)).not_valid_after(now + datetime.timedelta(days=1))
          .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
          .sign(ca_key, hashes.SHA256()))
    (tmp / "ca.pem").write_bytes(ca.public_bytes(serialization.Encoding.PEM))

    def leaf(host):
        key = ec.generate_private_key(ec.SECP256R1())
        cert = (x509.CertificateBuilder().subject_name(name(host)).issuer_name(ca.subject)
                .public_key(key.public_key()).serial_number(x509.random_serial_number())
                .not_valid_before(now - datetime.timedelta(days=1)).not_valid_after(now + datetime.timedelta(days=1))
                .add_extension(x509.SubjectAlternativeName([x509.DNSName(host)]), critical=False)
                .sign(ca_key, hashes.SHA256()))
        path = tmp / f"{host}.pem"
        path.write_bytes(cert.public_bytes(serialization.Encoding.PEM) + key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
        return str(path)

    return SimpleNamespace(ca=str(tmp / "ca.pem"), leaf=leaf)


@pytest.fixture
def tls_server(pki):
    servers = []

    def start(cert_host):
        srv = Server()
        srv.scheme = "https"
        srv.sni = []
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(pki.leaf(cert_host))
        ctx.sni_callback = lambda sslsock, server_name, context: srv.sni.append(server_name)
        srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
        run(srv)
        servers.append(srv)
        return srv

    yield start
    for srv in servers:
        srv.shutdown()
        srv.server_close()


def test_tls_uses_the_original_name_for_sni_and_certificate(tls_server, pki, fake_dns):
    srv = tls_server("fed.example")
    fake_dns.table["fed.example"] = ["127.0.0.1"]
    result = get_private(srv.url("/good", host="fed.example"), verify=pki.ca)
    assert result.data["id"] == f"https://fed.example:{srv.port}/good"
    assert result.peer == ("127.0.0.1", srv.port)
    assert srv.sni == ["fed.example"]


def test_tls_certificate_for_another_name_is_rejected(tls_server, pki, fake_dns):
    srv = tls_server("other.example")
    fake_dns.table["fed.example"] = ["127.0.0.1"]
    with pytest.raises(F.ConnectionFailed, match="TLS"):
        get_private(srv.url("/good", host="fed.example"), verify=pki.ca)
    assert srv.requests == []


def test_tls_verification_cannot_be_disabled():
    with pytest.raises(ValueError):
        get_private("https://fed.example/good", verify=False)


# --- redirects ------------------------------------------------------------------------------


def test_redirect_to_another_host_is_followed_once(server):
    result = get_private(server.url("/redirect-other-host"))
    assert result.url == server.url("/good", host="localhost")
    assert result.data["id"] == result.url
    assert result.redirected_from == server.url("/redirect-other-host")
    assert server.paths() == ["/redirect-other-host", "/good"]


def test_relative_redirect(server):
    assert get_private(server.url("/redirect-relative")).url == server.url("/good")


def test_id_must_equal_the_final_url_after_a_redirect(server):
    with pytest.raises(F.IdMismatch, match="not the fetched URL"):
        get_private(server.url("/redirect-keeps-old-id"))


def test_a_chain_of_two_redirects_is_refused(server):
    with pytest.raises(F.TooManyRedirects):
        get_private(server.url("/r2"))
    assert server.paths() == ["/r2", "/r1"]


def test_redirect_without_location(server):
    with pytest.raises(F.TooManyRedirects, match="without Location"):
        get_private(server.url("/redirect-no-location"))


@pytest.mark.parametrize("path,error", [("/redirect-metadata", F.BlockedAddress),
                                        ("/redirect-zero", F.BlockedAddress),
                                        ("/redirect-ftp", F.SchemeNotAllowed)])
def test_redirect_target_is_checked(server, path, error):
    with pytest.raises(error):
        get_private(server.url(path))
    assert server.paths() == [path]


def test_redirect_target_is_checked_at_connect_time(server, fake_dns):
    fake_dns.table["rebind.example"] = ["169.254.169.254"]
    with pytest.raises(F.BlockedAddress, match="169.254.169.254"):
        get_private(server.url("/redirect-to-name"))
    assert fake_dns.calls == ["127.0.0.1", "rebind.example"]  # each hop resolved by the guard
    assert server.paths() == ["/redirect-to-name"]


# --- ids ------------------------------------------------------------------------------------


def test_good_document(server):
    result = get_private(server.url("/good"))
    assert result.status == 200 and result.content_type == AS_CT
    assert result.data["id"] == server.url("/good") == result.url
    assert result.peer == ("127.0.0.1", server.port)


@pytest.mark.parametrize("path,message", [("/other-id", "not the fetched URL"),
                                          ("/other-origin", "origin"), ("/other-port", "origin"),
                                          ("/userinfo-id", "credentials"), ("/no-id", "no id")])
def test_id_mismatch(server, path, message):
    with pytest.raises(F.IdMismatch, match=message):
        get_private(server.url(path))


def test_fragment_is_ignored_when_comparing_ids(server):
    assert get_private(server.url("/good#main-key")).url == server.url("/good")
    assert get_private(server.url("/fragment-id")).data["id"].endswith("#main-key")
    assert server.paths() == ["/good", "/fragment-id"]  # the fragment is never sent


def test_check_id_unit():
    F.check_id({"id": "https://A.example:443/u/x"}, "https://a.example/u/x#k")
    with pytest.raises(F.IdMismatch):
        F.check_id({"id": "https://a.example/u/x/"}, "https://a.example/u/x")
    with pytest.raises(F.IdMismatch):
        F.check_id({"id": "http://a.example/u/x"}, "https://a.example/u/x")
    with pytest.raises(F.IdMismatch):
        F.check_id({"id": ["https://a.example/u/x"]}, "https://a.example/u/x")


# --- content types --------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/good", "/ld", "/ld-plain", "/as-charset"])
def test_activitystreams_content_types_accepted(server, path):
    assert get_private(server.url(path)).data["type"] == "Note"


@pytest.mark.parametrize("path", ["/json", "/jrd", "/html", "/no-ctype", "/ld-other-profile"])
def test_other_content_types_rejected(server, path):
    with pytest.raises(F.BadContentType):
        get_private(server.url(path))


def test_content_encoding_rejected(server):
    with pytest.raises(F.BadContentType, match="encoding"):
        get_private(server.url("/gzip"))
    assert server.requests[0][1]["Accept-Encoding"] == "identity"


def test_fetch_json_accepts_json_and_jrd_but_not_html(server):
    result = F.fetch_json(server.url("/json"), user_agent=UA, allow_private=True)
    assert result.data["type"] == "Note"
    assert F.fetch_json(server.url("/jrd"), user_agent=UA, allow_private=True).content_type == "application/jrd+json"
    with pytest.raises(F.BadContentType):
        F.fetch_json(server.url("/html"), user_agent=UA, allow_private=True)
    with pytest.raises(F.BadContentType):  # only the media types asked for
        F.fetch_json(server.url("/jrd"), user_agent=UA, allow_private=True, accept="application/json")
    assert server.requests[0][1]["Accept"] == F.JSON_ACCEPT
    assert server.requests[-1][1]["Accept"] == "application/json"


def test_fetch_json_has_the_same_safety(server, fake_dns):
    fake_dns.table["webfinger.example.org"] = ["127.0.0.1"]
    with pytest.raises(F.BlockedAddress):
        F.fetch_json(server.url("/jrd", host="webfinger.example.org", scheme="https"), user_agent=UA)
    with pytest.raises(F.TooLarge):
        F.fetch_json(server.url("/big-chunked"), user_agent=UA, allow_private=True, accept=AS_CT)
    assert server.connections and server.paths() == ["/big-chunked"]


# --- size -----------------------------------------------------------------------------------


def test_too_large_by_content_length_is_rejected_early(server):
    with pytest.raises(F.TooLarge, match="Content-Length 2097152"):
        get_private(server.url("/big-cl"))


@pytest.mark.parametrize("path", ["/big-close", "/big-chunked"])
def test_too_large_without_content_length_aborts_while_streaming(server, path):
    start = time.monotonic()
    with pytest.raises(F.TooLarge, match="body exceeds the 1048576-byte cap"):
        get_private(server.url(path))
    assert time.monotonic() - start < 10
    deadline = time.monotonic() + 10
    while path not in server.sent and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.sent[path] < 16 * MIB  # the client hung up; it did not read 64 MiB


def test_size_cap_boundary(server):
    size = len(get_private(server.url("/good")).body)
    assert get_private(server.url("/good"), limits=F.Limits(max_bytes=size)).body
    with pytest.raises(F.TooLarge):
        get_private(server.url("/good"), limits=F.Limits(max_bytes=size - 1))


def test_invalid_content_length(server):
    with pytest.raises(F.FetchError):
        get_private(server.url("/bad-length"))


# --- time -----------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/slow-body", "/slow-headers"])
def test_total_deadline_against_dripping_servers(server, path):
    start = time.monotonic()
    with pytest.raises(F.FetchTimeout):
        get_private(server.url(path), limits=F.Limits(total_timeout=1.0))
    elapsed = time.monotonic() - start
    assert 0.9 <= elapsed < 3, elapsed  # each byte comes well within the read timeout


def test_read_timeout(server):
    start = time.monotonic()
    with pytest.raises(F.FetchTimeout):
        get_private(server.url("/stall"), limits=F.Limits(read_timeout=0.3, total_timeout=5))
    assert time.monotonic() - start < 2


def test_default_limits():
    assert F.DEFAULT_LIMITS == F.Limits(connect_timeout=5.0, read_timeout=10.0, total_timeout=30.0,
                                        max_bytes=MIB, max_depth=32, max_items=500)


# --- JSON -----------------------------------------------------------------------------------


def test_depth_limit(server):
    assert get_private(server.url("/deep?n=32")).data["x"]
    with pytest.raises(F.BadJson, match="deeper than 32"):
        get_private(server.url("/deep?n=33"))
    with pytest.raises(F.BadJson, match="deeper than 32"):
        get_private(server.url("/deep-huge"))


def test_array_limit(server):
    assert len(get_private(server.url("/array?n=500")).data["x"]) == 500
    with pytest.raises(F.BadJson, match="501 items"):
        get_private(server.url("/array?n=501"))
    with pytest.raises(F.BadJson, match="501 items"):
        get_private(server.url("/array-nested?n=501"))


@pytest.mark.parametrize("path", ["/invalid", "/nan", "/not-utf8", "/array-top"])
def test_bad_json(server, path):
    with pytest.raises(F.BadJson):
        get_private(server.url(path))


def test_check_json_unit():
    F.check_json({"a": [{"b": nested(29)}]})
    with pytest.raises(F.BadJson):
        F.check_json({"a": [{"b": nested(30)}]})
    F.check_json(nested(32))
    with pytest.raises(F.BadJson):
        F.check_json(nested(33))
    with pytest.raises(F.BadJson):
        F.check_json({"k": {"k": [0] * 501}})
    deep = []
    for _ in range(100_000):  # the walk is iterative: no RecursionError
        deep = [deep]
    with pytest.raises(F.BadJson):
        F.check_json(deep)


# --- HTTP status ----------------------------------------------------------------------------


@pytest.mark.parametrize("status", [404, 410, 500])
def test_http_errors_carry_the_status(server, status):
    with pytest.raises(F.HttpError) as excinfo:
        get_private(server.url(f"/{status}"))
    assert excinfo.value.status == status
    assert str(status) in str(excinfo.value)


# --- headers, signer, budget ----------------------------------------------------------------


def test_request_headers_and_signer(server):
    calls = []

    def signer(method, url, headers):
        calls.append((method, url, dict(headers)))
        return {"Signature": f'keyId="k",url="{url}"', "Date": "Mon, 01 Jan 2024 00:00:00 GMT"}

    get_private(server.url("/redirect-relative"), signer=signer)
    first, second = (headers for _, headers in server.requests)
    assert first["Accept"] == 'application/activity+json, application/ld+json; profile="https://www.w3.org/ns/activitystreams"'
    assert first["User-Agent"] == UA
    assert first["Signature"] == f'keyId="k",url="{server.url("/redirect-relative")}"'
    assert second["Signature"] == f'keyId="k",url="{server.url("/good")}"'  # signed again for the target
    assert [(m, u) for m, u, _ in calls] == [("GET", server.url("/redirect-relative")), ("GET", server.url("/good"))]
    assert calls[0][2]["Accept"] == F.AS_ACCEPT and calls[0][2]["User-Agent"] == UA
    assert "Cookie" not in first


def test_budget(server):
    budget = F.FetchBudget(max_fetches=3)
    get_private(server.url("/good"), budget=budget)
    get_private(server.url("/redirect-relative"), budget=budget)  # a redirect costs two
    assert budget.remaining == 0
    with pytest.raises(F.BudgetExceeded, match="3"):
        get_private(server.url("/good"), budget=budget)
    assert len(server.requests) == 3
    assert F.FetchBudget().max_fetches == 20


def test_budget_is_not_spent_on_refused_urls(fake_dns):
    budget = F.FetchBudget(max_fetches=1)
    with pytest.raises(F.SchemeNotAllowed):
        get("http://example.org/x", budget=budget)
    assert budget.remaining == 1


def test_exception_hierarchy():
    for cls in (F.BlockedAddress, F.SchemeNotAllowed, F.TooLarge, F.TooManyRedirects, F.FetchTimeout,
                F.BadContentType, F.BadJson, F.IdMismatch, F.BudgetExceeded, F.HttpError, F.BadUrl,
                F.ConnectionFailed):
        assert issubclass(cls, F.FetchError)
        assert not issubclass(cls, OSError)  # urllib3/requests must not swallow them


# --- the node wrappers ----------------------------------------------------------------------


def test_fetch_document_reads_settings_lazily(server, settings):
    from server import __version__

    settings.FEDERATION_ALLOW_PRIVATE = False
    with pytest.raises(F.SchemeNotAllowed):
        F.fetch_document(server.url("/good"))
    settings.FEDERATION_ALLOW_PRIVATE = True
    assert F.fetch_document(server.url("/good"))["id"] == server.url("/good")
    assert server.requests[0][1]["User-Agent"] == f"WeerbaarNL/{__version__} (+{settings.WEERBAAR_URL})"
    assert F.fetch_node_json(server.url("/jrd"))["type"] == "Note"


def test_package_imports_neither_toolkit_nor_orm_nor_settings_at_import():
    files = sorted(Path(F.__file__).parent.glob("*.py"))
    assert len(files) > 1
    for path in files:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        everywhere, top_level = set(), set()
        for node in ast.walk(tree):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else (
                [node.module] if isinstance(node, ast.ImportFrom) and node.module and not node.level else [])
            everywhere.update(names)
            if node in tree.body:
                top_level.update(names)
        assert not any(m.split(".")[0] == "activitypub" for m in everywhere), path
        assert not any(m.startswith("django.db") for m in everywhere), path
        assert not any(m.split(".")[0] == "django" for m in top_level), path
