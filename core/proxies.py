"""Which reverse proxies to believe: X-Forwarded-For and X-Forwarded-Proto are taken only from
the addresses in TRUSTED_PROXIES (CIDRs), never from a client that reaches the server directly.

A client can write any X-Forwarded-For it likes; each proxy appends the address it received
the request from. So the client is found by walking the chain from the right, past every
trusted proxy, to the first address that is not one.
"""

import ipaddress
from functools import cache, lru_cache

from django.conf import settings

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@cache
def _trusted(proxies: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(cidr.strip(), strict=False) for cidr in proxies if cidr)


def is_trusted(address: str) -> bool:
    return _is_trusted(address, tuple(settings.TRUSTED_PROXIES))


@lru_cache(maxsize=4096)
def _is_trusted(address: str, proxies: tuple[str, ...]) -> bool:
    """Kept per process (it depends on nothing else): every request asks it of its peer's
    address, and parsing one was 2.3% of the web processes' Python under signing load (README,
    Performance)."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    if ip.version == 6 and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return any(ip in network for network in _trusted(proxies))


def client_address(meta) -> str:
    """The client's address from a request's META."""
    remote = meta.get("REMOTE_ADDR", "")
    if not is_trusted(remote):
        return remote
    chain = [part.strip() for part in meta.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    for candidate in reversed([part for part in chain if part]):
        if is_trusted(candidate):
            continue
        try:
            return str(ipaddress.ip_address(candidate))
        except ValueError:
            return remote  # garbage where an address should be: believe none of it
    return remote


class ForwardedHeadersMiddleware:
    """First in the chain: a request that did not come through a trusted proxy loses every
    X-Forwarded-* header, so nothing below (Django's SECURE_PROXY_SSL_HEADER, the signing
    limit, the login lock) can be fooled by one the client wrote itself."""

    HEADERS = ("HTTP_X_FORWARDED_FOR", "HTTP_X_FORWARDED_PROTO", "HTTP_X_FORWARDED_HOST")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not is_trusted(request.META.get("REMOTE_ADDR", "")):
            for header in self.HEADERS:
                request.META.pop(header, None)
        return self.get_response(request)
