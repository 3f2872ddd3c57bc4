"""Who is at the other end of a request: the peer, or what a trusted proxy says it forwarded."""

from __future__ import annotations

import ipaddress
from functools import lru_cache
from typing import Any

from litestar import Request

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=8)
def trusted_networks(setting: str) -> tuple[Network, ...]:
    """PIPELINE_TRUSTED_PROXIES as networks; an entry that is no address raises ValueError."""
    return tuple(
        ipaddress.ip_network(part.strip(), strict=False) for part in setting.split(",") if part.strip()
    )


def _is_trusted(address: str, networks: tuple[Network, ...]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in networks)


def client_address(request: Request[Any, Any, Any], trusted_proxies: str) -> str:
    """The client's address. X-Forwarded-For counts only when the peer is a trusted proxy, and
    then only up to the first hop no trusted proxy vouches for (the rest a client can forge)."""
    peer = request.client.host if request.client else "unknown"
    networks = trusted_networks(trusted_proxies)
    if not networks or not _is_trusted(peer, networks):
        return peer
    forwarded = ",".join(request.headers.getall("x-forwarded-for", []))
    hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
    for hop in reversed(hops):
        if not _is_trusted(hop, networks):
            return hop
    return hops[0] if hops else peer
