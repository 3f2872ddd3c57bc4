"""Where a webhook may point: http(s), at most 2,000 characters, and (unless allowed for
development) never at this machine or a private network, against server-side request forgery.

The check resolves the host name itself and looks at every address it has; it is made when a
webhook is registered and again before every delivery (the name may point elsewhere by then),
always before any connection is attempted.
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

from pipeline.errors import Invalid

MAX_URL = 2000


def check_webhook_url(url: str, *, allow_private: bool, field: str = "url") -> str:
    """The URL if a webhook may call it; Invalid naming `field` and why if not."""
    if len(url) > MAX_URL:
        raise Invalid.one(field, f"A webhook address may be at most {MAX_URL} characters long.")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise Invalid.one(
            field, "A webhook address must be an http or https URL, like https://example.org/hook."
        )
    if parts.username or parts.password:
        raise Invalid.one(
            field, "Put no user name or password in a webhook address: check the signature instead."
        )
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise Invalid.one(field, "The port of the webhook address is not a number from 1 to 65535.") from None
    if not allow_private:
        for address in _addresses(parts.hostname, port, field):
            if not address.is_global or address.is_multicast:
                raise Invalid.one(
                    field,
                    f"The webhook address points at a private or local address ({address}): refused.",
                )
    return url


def _addresses(host: str, port: int, field: str) -> list[ipaddress.IPv4Address | ipaddress.IPv6Address]:
    try:
        literal = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        pass
    else:
        return [_unmapped(literal)]
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        raise Invalid.one(field, f"The host name '{host}' of the webhook address cannot be found.") from None
    return [_unmapped(ipaddress.ip_address(str(info[4][0]).split("%")[0])) for info in found]


def _unmapped(
    address: ipaddress.IPv4Address | ipaddress.IPv6Address,
) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
    """An IPv4 address written as IPv6 (::ffff:10.0.0.1) is judged as the IPv4 address it is."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address
