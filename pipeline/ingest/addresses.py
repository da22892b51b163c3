"""Which IP addresses an article may be fetched from: loopback, link-local, multicast,
private and reserved addresses are refused (unless allowed by configuration), seen
through IPv4-mapped and NAT64 forms."""

from __future__ import annotations

import ipaddress

REFUSED_KINDS = [
    ("a loopback", "is_loopback"),
    ("a link-local", "is_link_local"),
    ("a multicast", "is_multicast"),
    ("an unspecified", "is_unspecified"),
    ("a private", "is_private"),
    ("a reserved", "is_reserved"),
    ("a site-local", "is_site_local"),
]


NAT64 = ipaddress.ip_network("64:ff9b::/96")


IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


def routable(ip: IPAddress) -> bool:
    """Globally routable, looking inside the IPv6 forms that carry an IPv4 address (Python's
    `is_global` calls ::7f00:1, 64:ff9b::7f00:1, 2002:7f00:1::, fec0::1 and ff02::1 global)."""
    embedded = _embedded_ipv4(ip)
    if embedded is not None:
        return routable(embedded)
    if isinstance(ip, ipaddress.IPv6Address) and (ip.is_site_local or ip.teredo is not None):
        return False
    return ip.is_global and not ip.is_multicast


def _embedded_ipv4(ip: IPAddress) -> ipaddress.IPv4Address | None:
    """The IPv4 address inside ::ffff:a.b.c.d, ::a.b.c.d, 64:ff9b::a.b.c.d (NAT64) or
    2002:aabb:ccdd:: (6to4); None for other addresses."""
    if not isinstance(ip, ipaddress.IPv6Address):
        return None
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if int(ip) < 2**32 or ip in NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return ip.sixtofour


def address_kind(ip: IPAddress) -> str:
    plain = ip if ip.is_loopback or ip.is_unspecified else _embedded_ipv4(ip) or ip
    if plain in ipaddress.ip_network("100.64.0.0/10"):
        return "a shared (carrier-grade NAT)"
    return next(
        (name for name, flag in REFUSED_KINDS if getattr(plain, flag, False)), "a non-public"
    )


def unmapped(ip: IPAddress) -> IPAddress:
    """::ffff:127.0.0.1 is 127.0.0.1."""
    mapped = ip.ipv4_mapped if isinstance(ip, ipaddress.IPv6Address) else None
    return mapped or ip
