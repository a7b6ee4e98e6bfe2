"""Peer addresses: whether one belongs to trusted networks, and who the client behind a
trusted proxy is."""

from __future__ import annotations

import functools
import ipaddress
import logging
from collections.abc import Sequence

logger = logging.getLogger(__name__)


@functools.lru_cache(maxsize=32)
def _parse_networks(
    networks: tuple[str, ...],
) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    parsed = []
    for network in networks:
        try:
            parsed.append(ipaddress.ip_network(network.strip(), strict=False))
        except ValueError:
            # Fail closed: a mistyped range trusts nobody, and says so.
            logger.warning("ignoring an invalid trusted network %r", network)
    return tuple(parsed)


def is_trusted_address(address: str, networks: Sequence[str]) -> bool:
    """Whether a peer address belongs to one of the networks (CIDRs or single addresses).

    IPv4-mapped IPv6 addresses (``::ffff:185.71.76.1``, as a dual-stack socket reports IPv4
    peers) are checked as the IPv4 address; anything unparsable is not trusted."""
    if not address:
        return False
    text = address.strip()
    if text.startswith("[") and text.endswith("]"):
        text = text[1:-1]
    try:
        ip = ipaddress.ip_address(text)
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            ip = ip.ipv4_mapped
        elif ip.scope_id is not None:
            ip = ipaddress.IPv6Address(text.split("%", 1)[0])
    return any(ip in network for network in _parse_networks(tuple(networks)))


def client_address(
    peer: str | None, forwarded_for: str | None, trusted_proxies: Sequence[str]
) -> str | None:
    """The client's address: the peer's own, unless the peer is a trusted proxy, in which case
    the nearest address in X-Forwarded-For that is not a trusted proxy itself (each proxy
    appends the address it got the request from; what the client wrote first may be forged)."""
    if peer is None or not trusted_proxies or not is_trusted_address(peer, trusted_proxies):
        return peer
    hops = [hop.strip() for hop in (forwarded_for or "").split(",") if hop.strip()]
    for hop in reversed(hops):
        if not is_trusted_address(hop, trusted_proxies):
            return hop
    return hops[0] if hops else peer
