"""An outbound HTTP POST that cannot be steered into the sender's own network (SSRF).

Checking a URL's host and then handing the URL to an HTTP library is not enough: the library
resolves the name again to connect, and a DNS-rebinding host answers the check with a public
address and the connection with 127.0.0.1. So the two steps here share one resolution:

- `vet()` resolves the host once, refuses it unless every address is public, and returns a
  `Target` that carries the address it vetted;
- `post()` connects to exactly that address and never looks the name up again. The name is
  still what goes in the Host header, in TLS SNI, and what the certificate must match.

Plain stdlib, no framework, no knowledge of who sends what: callers sign, retry and log.
"""

import contextlib
import http.client
import ipaddress
import re
import socket
import ssl
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

Resolver = Callable[[str, int], list[str]]
"""host, port -> the IP addresses (as strings) a connection to them could reach."""

DEFAULT_PORTS = {"http": 80, "https": 443}
_HOST_NAME = re.compile(r"[a-z0-9_.-]+", re.IGNORECASE)  # after IDNA encoding

# Not global, though Python 3.11's tables call them so: IANA lists the NAT64 local-use prefix
# as not globally reachable (and where its IPv4 sits depends on the local prefix length), and
# 3fff::/20 is the IPv6 documentation prefix added in 2024.
_NOT_GLOBAL = (ipaddress.ip_network("64:ff9b:1::/48"), ipaddress.ip_network("3fff::/20"))
# IPv6 ranges whose last 32 bits are an IPv4 address that a translator or the host itself
# will end up talking to.
_LAST_32_BITS_IPV4 = (
    ipaddress.ip_network("::/96"),  # IPv4-compatible (deprecated; ::1 and :: are in here)
    ipaddress.ip_network("::ffff:0:0:0/96"),  # IPv4-translated (SIIT)
    ipaddress.ip_network("64:ff9b::/96"),  # NAT64 well-known prefix
)


class UnsafeURL(ValueError):
    """The URL may not be posted to; the message says why, for the person who entered it."""


@dataclass(frozen=True)
class Target:
    """Where a vetted URL leads: `ip` is the address to connect to, `host` the name to ask."""

    scheme: str
    host: str
    port: int
    path_with_query: str
    ip: str

    def __post_init__(self) -> None:
        # A Target built by hand must not smuggle a name in, to be resolved at connect time.
        ipaddress.ip_address(self.ip)
        if self.scheme not in DEFAULT_PORTS:
            raise ValueError(f"Unsupported scheme {self.scheme!r}.")


@dataclass(frozen=True)
class Response:
    """The status of the answer, or why there was none."""

    status: int | None = None
    error: str | None = None


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    """IPv4 addresses that traffic to `ip` is delivered to, by a translator or a tunnel."""
    if ip.ipv4_mapped is not None:
        return [ip.ipv4_mapped]
    if ip.teredo is not None:  # (server, client); `teredo` undoes the client's XOR 0xffffffff
        return list(ip.teredo)
    if ip.sixtofour is not None:  # 2002:AABB:CCDD::/48 is AA.BB.CC.DD's
        return [ip.sixtofour]
    if any(ip in network for network in _LAST_32_BITS_IPV4):
        return [ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)]
    return []


def address_is_public(ip: IPAddress) -> bool:
    """True only for an address on the public internet, whichever way it is spelt.

    `is_global` alone is not enough: Python counts multicast and the old site-local range as
    global, and an IPv6 address can carry a private IPv4 address inside it.
    """
    if not ip.is_global or ip.is_multicast or ip.is_unspecified or ip.is_link_local:
        return False
    if isinstance(ip, ipaddress.IPv4Address):
        return True
    if ip.is_site_local or any(ip in network for network in _NOT_GLOBAL):
        return False
    return all(address_is_public(inner) for inner in _embedded_ipv4(ip))


def system_resolver(host: str, port: int) -> list[str]:
    """The operating system's answer, in its order, without repeats."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def _parse_ip(text: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def vet(url: str, *, resolver: Resolver = system_resolver, allow_private: bool = False) -> Target:
    """The Target `url` leads to, or UnsafeURL if it is malformed or reaches a private address.

    A name is resolved once, and every address it resolves to must be public: a name with one
    public and one private address would let the connection choose the private one.
    `allow_private` lifts only that rule (tests, closed deployments).
    """
    try:
        parts = urlsplit(url)
    except ValueError:  # an unclosed [ for one
        raise UnsafeURL("This is not a valid URL.") from None
    if parts.scheme not in DEFAULT_PORTS or not parts.hostname:
        raise UnsafeURL("Use an http or https URL.")
    if "@" in parts.netloc:
        raise UnsafeURL("Put no user name or password in the URL.")
    try:
        port = parts.port
    except ValueError:  # not a number, or above 65535
        port = -1
    if port is None:
        port = DEFAULT_PORTS[parts.scheme]
    if not 1 <= port <= 65535:
        raise UnsafeURL("Use a port between 1 and 65535.")
    path_with_query = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    if not path_with_query.isascii() or any(c <= " " or c == "\x7f" for c in path_with_query):
        raise UnsafeURL("Percent-encode spaces and other special characters in the URL.")

    literal = _parse_ip(parts.hostname)
    if literal is not None:
        host, addresses = str(literal), [literal]
    else:
        try:
            host = parts.hostname.encode("idna").decode("ascii")
        except UnicodeError:
            raise UnsafeURL("The host name is not valid.") from None
        if not _HOST_NAME.fullmatch(host):
            raise UnsafeURL("The host name is not valid.")
        try:
            answers = resolver(host, port)
        except (OSError, UnicodeError):
            answers = []
        addresses = [_parse_ip(answer) for answer in answers]
        if not addresses or None in addresses:
            raise UnsafeURL("The host name does not resolve.")
    if not allow_private and not all(address_is_public(a) for a in addresses):
        raise UnsafeURL("This address is not reachable from the internet.")
    return Target(parts.scheme, host, port, path_with_query, str(addresses[0]))


class _PinnedConnection(http.client.HTTPConnection):
    """HTTP, or HTTPS when given a TLS context, to the vetted IP whatever the name says now.

    `abort()`, from another thread, shuts the connection down so that whatever is blocked on
    it (the TLS handshake, a server sending its status a byte at a time) returns at once; the
    TCP connect has its own timeout, and an abort during it fails the connection after.
    """

    def __init__(self, target: Target, timeout: float, tls: ssl.SSLContext | None) -> None:
        super().__init__(target.host, target.port, timeout=timeout)
        self._ip = target.ip
        self._tls = tls
        self._lock = threading.Lock()
        self._aborted = False
        self._handle: socket.socket | None = None  # a duplicate descriptor, for abort()

    def connect(self) -> None:
        sock = socket.create_connection((self._ip, self.port), self.timeout)
        with self._lock:
            if self._aborted:
                sock.close()
                raise TimeoutError("timed out")
            self._handle = sock.dup()
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if self._tls is not None:
            # SNI and the certificate check are for the name, not for the IP we dialled.
            sock = self._tls.wrap_socket(sock, server_hostname=self.host)
        self.sock = sock

    def abort(self) -> None:
        with self._lock:
            self._aborted = True
            if self._handle is not None:
                with contextlib.suppress(OSError):  # already closed by the other side
                    self._handle.shutdown(socket.SHUT_RDWR)

    def close(self) -> None:
        super().close()
        with self._lock:
            if self._handle is not None:
                self._handle.close()
                self._handle = None


def _describe(error: Exception) -> str:
    if isinstance(error, TimeoutError):
        return "timed out"
    if isinstance(error, ssl.SSLCertVerificationError):
        return f"TLS certificate not accepted: {error.verify_message}"
    if isinstance(error, ssl.SSLError):
        return f"TLS error: {error.reason or error}"
    if isinstance(error, OSError) and error.strerror:
        return error.strerror
    return str(error) or type(error).__name__


def post(
    target: Target,
    body: bytes,
    headers: dict[str, str],
    *,
    timeout: float,
    ssl_context: ssl.SSLContext | None = None,
) -> Response:
    """POST `body` to `target`, in at most `timeout` seconds all told.

    A redirect is an answer, not an instruction: a 3xx comes back as its status, since
    following it would send the request to an address `vet()` never saw. Failures to connect
    or to get an answer come back as `Response(error=...)`, never as exceptions.
    """
    tls = None
    if target.scheme == "https":
        tls = ssl_context or ssl.create_default_context()
        if tls.verify_mode != ssl.CERT_REQUIRED or not tls.check_hostname:
            raise ValueError("post() verifies certificates: pass a context that does too.")
    host = f"[{target.host}]" if ":" in target.host else target.host
    if target.port != DEFAULT_PORTS[target.scheme]:
        host = f"{host}:{target.port}"

    deadline = time.monotonic() + timeout
    connection = _PinnedConnection(target, timeout, tls)
    # Socket timeouts bound each read and write; the watchdog bounds them all together.
    watchdog = threading.Timer(timeout, connection.abort)
    watchdog.daemon = True
    watchdog.start()
    try:
        sent = {name: value for name, value in headers.items() if name.lower() != "host"}
        connection.request("POST", target.path_with_query, body, {**sent, "Host": host})
        return Response(status=connection.getresponse().status)
    except (OSError, http.client.HTTPException, ValueError) as error:
        if time.monotonic() >= deadline:
            return Response(error="timed out")
        return Response(error=_describe(error)[:300])
    finally:
        watchdog.cancel()
        connection.close()
