"""The signer's address: used for abuse limits and stored only as a keyed hash."""

import ipaddress

from django.conf import settings
from django.utils.crypto import salted_hmac


def client_address(request) -> str:
    """The client's IP address, trusting X-Forwarded-For only from TRUSTED_PROXY_COUNT proxies.

    Each trusted proxy appends the address it received the request from, so the client is the
    entry that the outermost trusted proxy wrote: counted from the right, not the left, which
    the client controls.
    """
    remote = request.META.get("REMOTE_ADDR", "")
    proxies = settings.TRUSTED_PROXY_COUNT
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if proxies and forwarded:
        chain = [part.strip() for part in forwarded.split(",") if part.strip()]
        if chain:
            candidate = chain[-min(proxies, len(chain))]
            try:
                return str(ipaddress.ip_address(candidate))
            except ValueError:
                pass
    return remote


def address_group(address: str) -> str:
    """IPv6 clients rotate addresses within their /64; one household is one /64."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    if ip.version == 6:
        if ip.ipv4_mapped:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False).network_address)
    return str(ip)


def address_hash(address: str) -> str:
    """HMAC-SHA256 keyed by SECRET_KEY: the same address gives the same hash, and the hash
    cannot be turned back into the address without the key."""
    if not address:
        return ""
    return salted_hmac("voces.client-address", address, algorithm="sha256").hexdigest()[:32]
