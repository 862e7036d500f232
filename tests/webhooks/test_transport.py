"""webhooks.transport: what vet() refuses, and that post() goes where vet() looked.

No database: local listeners on 127.0.0.1 stand in for webhook receivers, and injected
resolvers stand in for DNS (a rebinding one among them), so nothing here leaves the machine
except one attempt at a public address that must fail within half a second.
"""

import http.server
import ipaddress
import re
import socket
import ssl
import threading
import time

import pytest
import trustme

from webhooks.transport import Response, Target, UnsafeURL, address_is_public, post, vet

HOOK_HOST = "hooks.example.test"
PUBLIC_IP = "1.1.1.1"  # global unicast (documentation ranges like 203.0.113.0/24 are not)
NOT_REACHABLE = "This address is not reachable from the internet."


def resolve_to(*ips):
    """A resolver that answers every name with `ips`, and notes each question."""

    def resolver(host, port):
        resolver.calls.append((host, port))
        return list(ips)

    resolver.calls = []
    return resolver


class Rebinding:
    """DNS rebinding: a public address for the first question, loopback for every later one."""

    def __init__(self, first, later):
        self.first, self.later, self.calls = first, later, 0

    def __call__(self, host, port):
        self.calls += 1
        return [self.first] if self.calls == 1 else [self.later]


class _Handler(http.server.BaseHTTPRequestHandler):
    def setup(self):
        super().setup()
        if isinstance(self.request, ssl.SSLSocket):
            self.request.do_handshake()

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.server.received.append({"path": self.path, "headers": self.headers, "body": body})
        self.send_response(self.server.status)
        if 300 <= self.server.status < 400:
            self.send_header("Location", f"http://127.0.0.1:{self.server.server_port}/elsewhere")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format, *args):
        pass


class _Server(http.server.ThreadingHTTPServer):
    """Records every connection and every request; TLS when given a server context."""

    def __init__(self, status, tls):
        self.status, self.tls = status, tls
        self.connections, self.received, self.errors = 0, [], []
        super().__init__(("127.0.0.1", 0), _Handler)

    def get_request(self):
        sock, address = super().get_request()
        self.connections += 1
        if self.tls is not None:  # the handshake happens in the handler's thread
            sock = self.tls.wrap_socket(sock, server_side=True, do_handshake_on_connect=False)
        return sock, address

    def handle_error(self, request, client_address):
        self.errors.append(client_address)


@pytest.fixture(scope="module", autouse=True)
def _static_manifest():
    """Replaces the suite's collectstatic run (seconds): nothing here renders a page."""


@pytest.fixture
def serve():
    servers = []

    def start(status=200, tls=None):
        server = _Server(status, tls)
        threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def ca():
    return trustme.CA()


def server_tls(cert, seen_names):
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    cert.configure_cert(context)
    context.sni_callback = lambda sslobj, name, ctx: seen_names.append(name)
    return context


def client_tls(ca):
    context = ssl.create_default_context()
    ca.configure_trust(context)
    return context


# --- vet(): what is refused ---------------------------------------------------------------

LOOPBACK_IN_IPV6 = [
    "http://[::127.0.0.1]/",  # IPv4-compatible
    "http://[::ffff:0:7f00:1]/",  # IPv4-translated
    "http://[::ffff:127.0.0.1]/",  # IPv4-mapped
    "http://[64:ff9b::7f00:1]/",  # NAT64 well-known prefix
    "http://[64:ff9b:1::7f00:1]/",  # NAT64 local-use prefix
    "http://[2002:7f00:1::]/",  # 6to4
    "http://[2001:0:4136:e378:8000:63bf:80ff:fffe]/",  # Teredo, client 127.0.0.1 XOR ~0
    "http://[64:ff9b::a9fe:a9fe]/",  # NAT64 of the cloud metadata address
    "http://[2002:a00:1::1]/",  # 6to4 of 10.0.0.1
]
PRIVATE = [
    "http://127.0.0.1/",
    "http://10.0.0.1/",
    "http://169.254.169.254/latest/meta-data/",
    "http://0.0.0.0/",
    "http://100.64.0.1/",  # carrier-grade NAT
    "http://192.0.2.1/",  # documentation
    "http://224.0.0.1/",  # multicast
    "http://[::1]/",
    "http://[::]/",
    "http://[fc00::1]/",  # unique local
    "http://[fe80::1]/",  # link-local
    "http://[fec0::1]/",  # site-local
    "http://[ff0e::1]/",  # global-scope multicast
    "http://[2001:db8::1]/",  # documentation
    "http://[3fff::1]/",  # documentation (2024)
]


@pytest.mark.parametrize("url", LOOPBACK_IN_IPV6 + PRIVATE)
def test_vet_refuses_private_addresses_however_spelt(url):
    with pytest.raises(UnsafeURL, match=re.escape(NOT_REACHABLE)):
        vet(url)


@pytest.mark.parametrize("url", ["http://localhost/", "http://2130706433/"])
def test_vet_refuses_names_the_system_resolves_to_loopback(url):
    with pytest.raises(UnsafeURL, match=re.escape(NOT_REACHABLE)):
        vet(url)


def test_public_ipv4_inside_ipv6_is_judged_by_the_ipv4():
    assert address_is_public(ipaddress.ip_address("64:ff9b::808:808"))  # NAT64 of 8.8.8.8
    assert address_is_public(ipaddress.ip_address("2002:808:808::1"))  # 6to4 of 8.8.8.8
    assert not address_is_public(ipaddress.ip_address("64:ff9b::7f00:1"))


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("ftp://example.com/", "Use an http or https URL."),
        ("file:///etc/passwd", "Use an http or https URL."),
        ("http:///nohost", "Use an http or https URL."),
        ("example.com/hook", "Use an http or https URL."),
        ("http://user:pw@example.com/", "Put no user name or password in the URL."),
        ("http://user@example.com/", "Put no user name or password in the URL."),
        ("http://example.com:0/", "Use a port between 1 and 65535."),
        ("http://example.com:70000/", "Use a port between 1 and 65535."),
        ("http://example.com:http/", "Use a port between 1 and 65535."),
        ("http://[::1/", "This is not a valid URL."),
        ("http://example.com/a b", "Percent-encode"),
        ("http://example.com/é", "Percent-encode"),
        ("http://a..b/", "The host name is not valid."),
        ("http://exa%20mple.com/", "The host name is not valid."),
    ],
)
def test_vet_refuses_malformed_urls(url, message):
    with pytest.raises(UnsafeURL, match=re.escape(message)):
        vet(url, resolver=resolve_to(PUBLIC_IP))


def test_vet_refuses_names_that_do_not_resolve():
    def failing(host, port):
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    for resolver in (failing, resolve_to(), resolve_to("not-an-ip")):
        with pytest.raises(UnsafeURL, match=re.escape("The host name does not resolve.")):
            vet("https://nowhere.example.test/", resolver=resolver)


def test_vet_refuses_a_name_with_any_private_address():
    with pytest.raises(UnsafeURL, match=re.escape(NOT_REACHABLE)):
        vet("https://mixed.example.test/", resolver=resolve_to(PUBLIC_IP, "127.0.0.1"))


# --- vet(): what is accepted --------------------------------------------------------------


def test_vet_accepts_public_literals_without_resolving():
    resolver = resolve_to("127.0.0.1")
    assert vet("https://93.184.216.34/hook?a=1#frag", resolver=resolver) == Target(
        "https", "93.184.216.34", 443, "/hook?a=1", "93.184.216.34"
    )
    assert vet("http://[2606:4700::1111]:8080", resolver=resolver) == Target(
        "http", "2606:4700::1111", 8080, "/", "2606:4700::1111"
    )
    assert resolver.calls == []


def test_vet_resolves_a_name_once_and_keeps_the_first_address():
    resolver = resolve_to("8.8.8.8", "2001:4860:4860::8888")
    target = vet("https://Hooks.Example.TEST/in", resolver=resolver)
    assert target == Target("https", HOOK_HOST, 443, "/in", "8.8.8.8")
    assert resolver.calls == [(HOOK_HOST, 443)]


def test_allow_private_accepts_loopback_but_not_malformed_urls():
    assert vet("http://127.0.0.1:8000/", allow_private=True).ip == "127.0.0.1"
    assert vet("http://[::1]/", allow_private=True).ip == "::1"
    assert vet("http://local.test/", resolver=resolve_to("10.0.0.1"), allow_private=True).ip
    with pytest.raises(UnsafeURL):
        vet("http://user:pw@127.0.0.1/", allow_private=True)


def test_a_target_carries_an_ip_not_a_name():
    with pytest.raises(ValueError, match="does not appear to be an IPv4 or IPv6 address"):
        Target("http", HOOK_HOST, 80, "/", "localhost")


# --- post(): where it connects ------------------------------------------------------------


def test_rebinding_cannot_redirect_the_post_to_loopback(serve):
    """The name is `localhost`, so a post() that looked it up again (as urllib does) would
    reach the listener; the rebinding resolver plays the attacker's DNS, public at first."""
    listener = serve()
    url = f"http://localhost:{listener.server_port}/hook"
    rebinding = Rebinding(first=PUBLIC_IP, later="127.0.0.1")
    target = vet(url, resolver=rebinding)
    assert target.ip == PUBLIC_IP

    response = post(target, b"{}", {}, timeout=0.5)

    assert response.status is None
    assert response.error  # refused, unreachable or timed out: this machine has no route out
    assert listener.connections == 0
    assert rebinding.calls == 1  # post() did not ask again, where it would have got loopback:
    with pytest.raises(UnsafeURL, match=re.escape(NOT_REACHABLE)):
        vet(url, resolver=rebinding)


def test_plain_http_post_arrives_with_host_headers_and_body(serve):
    listener = serve(status=204)
    url = f"http://{HOOK_HOST}:{listener.server_port}/hook?org=a"
    target = vet(url, resolver=resolve_to("127.0.0.1"), allow_private=True)
    body = b'{"event": "milestone"}'

    response = post(
        target,
        body,
        {"Content-Type": "application/json", "X-Voces-Event": "milestone", "host": "evil"},
        timeout=2,
    )

    assert response == Response(status=204)
    [request] = listener.received
    assert request["path"] == "/hook?org=a"
    assert request["headers"].get_all("Host") == [f"{HOOK_HOST}:{listener.server_port}"]
    assert request["headers"]["Content-Type"] == "application/json"
    assert request["headers"]["X-Voces-Event"] == "milestone"
    assert request["headers"]["Content-Length"] == str(len(body))
    assert request["body"] == body


def test_a_redirect_is_reported_not_followed(serve):
    listener = serve(status=302)
    target = vet(f"http://127.0.0.1:{listener.server_port}/hook", allow_private=True)

    assert post(target, b"{}", {}, timeout=2) == Response(status=302)
    assert [r["path"] for r in listener.received] == ["/hook"]


def test_connection_refused_is_an_error_not_an_exception():
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    target = vet(f"http://127.0.0.1:{port}/", allow_private=True)

    response = post(target, b"{}", {}, timeout=2)

    assert response == Response(status=None, error="Connection refused")


def test_a_silent_server_times_out():
    with socket.socket() as silent:  # the kernel accepts; nobody ever answers
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        target = vet(f"http://127.0.0.1:{silent.getsockname()[1]}/", allow_private=True)
        started = time.monotonic()

        response = post(target, b"{}", {}, timeout=0.3)

    assert response == Response(status=None, error="timed out")
    assert time.monotonic() - started < 1.5


def test_the_timeout_bounds_the_whole_exchange_not_each_read():
    """A server that sends its status line a byte every 0.1 s never trips a 0.4 s read
    timeout, but it must not hold the sender for longer than 0.4 s all told."""
    with socket.socket() as dripping:
        dripping.bind(("127.0.0.1", 0))
        dripping.listen()

        def drip():
            connection, _ = dripping.accept()
            with connection:
                try:
                    for byte in b"HTTP/1.1 200 OK\r\nX-Slow: " + b"." * 100:
                        connection.sendall(bytes([byte]))
                        time.sleep(0.1)
                except OSError:
                    pass  # the sender gave up, as it should

        thread = threading.Thread(target=drip, daemon=True)
        thread.start()
        target = vet(f"http://127.0.0.1:{dripping.getsockname()[1]}/", allow_private=True)
        started = time.monotonic()

        response = post(target, b"{}", {}, timeout=0.4)

        elapsed = time.monotonic() - started
        thread.join(timeout=2)
    assert response == Response(status=None, error="timed out")
    assert elapsed < 1.0


# --- post(): HTTPS ------------------------------------------------------------------------


def test_https_sends_sni_and_verifies_the_host_name(serve, ca):
    names = []
    listener = serve(status=200, tls=server_tls(ca.issue_cert(HOOK_HOST), names))
    url = f"https://{HOOK_HOST}:{listener.server_port}/hook"
    target = vet(url, resolver=resolve_to("127.0.0.1"), allow_private=True)

    headers = {"X-Voces-Event": "signature"}
    response = post(target, b"signed", headers, timeout=2, ssl_context=client_tls(ca))

    assert response == Response(status=200)
    assert names == [HOOK_HOST]
    [request] = listener.received
    assert request["headers"]["Host"] == f"{HOOK_HOST}:{listener.server_port}"
    assert request["body"] == b"signed"


def test_https_refuses_a_certificate_for_another_name(serve, ca):
    names = []
    listener = serve(tls=server_tls(ca.issue_cert("other.example.test"), names))
    url = f"https://{HOOK_HOST}:{listener.server_port}/hook"
    target = vet(url, resolver=resolve_to("127.0.0.1"), allow_private=True)

    response = post(target, b"signed", {}, timeout=2, ssl_context=client_tls(ca))

    assert response.status is None
    assert "TLS certificate not accepted" in response.error
    assert "Hostname mismatch" in response.error
    assert names == [HOOK_HOST]
    assert listener.received == []


def test_https_by_default_trusts_only_the_system_authorities(serve, ca):
    listener = serve(tls=server_tls(ca.issue_cert(HOOK_HOST), []))
    url = f"https://{HOOK_HOST}:{listener.server_port}/hook"
    target = vet(url, resolver=resolve_to("127.0.0.1"), allow_private=True)

    response = post(target, b"signed", {}, timeout=2)

    assert response.status is None
    assert "certificate verify failed" in response.error or "not accepted" in response.error
    assert listener.received == []


def test_https_refuses_a_context_that_does_not_verify(ca):
    lax = client_tls(ca)
    lax.check_hostname = False
    lax.verify_mode = ssl.CERT_NONE
    target = Target("https", HOOK_HOST, 443, "/", "127.0.0.1")

    with pytest.raises(ValueError, match="verifies certificates"):
        post(target, b"", {}, timeout=1, ssl_context=lax)
