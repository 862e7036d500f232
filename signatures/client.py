"""The signer's address: used for abuse limits and stored only as a keyed hash."""

import functools
import ipaddress

from django.utils.crypto import salted_hmac

from core import proxies


def client_address(request) -> str:
    """The client's IP address: X-Forwarded-For is believed only from the addresses in
    TRUSTED_PROXIES (core.proxies), walked from the right, which the client does not control."""
    return proxies.client_address(request.META)


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


@functools.lru_cache(maxsize=4096)
def client_key(address: str) -> str:
    """The one key of a client: the hash of its address group (IPv6 by /64). The signing limit
    counts by it and signatures store it, so the burst the limit saw is the burst organisers
    find in the list and reject (`signatures.review`). Kept per process (it depends on
    nothing else): a burst from one address, or a market behind one carrier address, hashes
    it once for both."""
    return address_hash(address_group(address)) if address else ""
