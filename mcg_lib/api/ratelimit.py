"""Per-client rate limiting: a token bucket per client address.

Behind the Cloudflare Tunnel every request arrives from cloudflared's own
address, so the client is the address Cloudflare puts in CF-Connecting-IP.
The header is trusted as sent: the API must be reachable only through the
tunnel (bound to 127.0.0.1 or a cluster-internal Service), because a client
that reaches it directly can write any address there.
"""

from __future__ import annotations

import ipaddress
import math
import time
from collections import OrderedDict

CLIENT_HEADER = b"cf-connecting-ip"

# One IPv6 subscriber usually gets a whole /64, so it counts as one client.
_IPV6_PREFIX = 64

# Buckets kept at most; the least recently seen client is forgotten first,
# which at worst gives it a full bucket again.
MAX_CLIENTS = 100_000


def client_key(scope: dict) -> str:
    """Return the client address of an ASGI request: CF-Connecting-IP, else the peer address."""
    for name, value in scope.get("headers", ()):
        if name == CLIENT_HEADER:
            key = _normalise(value.decode("latin-1").strip())
            if key is not None:
                return key
            break
    client = scope.get("client")
    return client[0] if client else "unknown"


def _normalise(text: str) -> str | None:
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.ip_network(f"{address}/{_IPV6_PREFIX}", strict=False))
    return str(address)


class RateLimiter:
    """Token buckets: each client may send ``burst`` requests at once, then ``rate`` per second.

    Used from the event loop only, so it needs no lock. Each worker process
    has its own buckets.
    """

    def __init__(self, rate: float, burst: int, max_clients: int = MAX_CLIENTS) -> None:
        self.rate = rate
        self.burst = max(1, burst)
        self.max_clients = max_clients
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()

    @property
    def enabled(self) -> bool:
        return self.rate > 0

    def acquire(self, key: str, now: float | None = None) -> float:
        """Take a token for ``key``; return 0 when allowed, else the seconds until one is free."""
        if not self.enabled:
            return 0.0
        now = time.monotonic() if now is None else now
        tokens, last = self._buckets.pop(key, (float(self.burst), now))
        tokens = min(float(self.burst), tokens + (now - last) * self.rate)

        if tokens >= 1.0:
            self._buckets[key] = (tokens - 1.0, now)
            wait = 0.0
        else:
            self._buckets[key] = (tokens, now)
            wait = (1.0 - tokens) / self.rate

        while len(self._buckets) > self.max_clients:
            self._buckets.popitem(last=False)
        return wait


def retry_after(wait: float) -> str:
    """Return a Retry-After value in whole seconds, at least 1."""
    return str(max(1, math.ceil(wait)))
