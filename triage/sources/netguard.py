"""The network layer under every fetch: which addresses may be reached, and until when.

httpcore's connection pool takes a network backend; Triage gives it one that

- resolves the host with the system resolver (getaddrinfo), refuses loopback, private,
  link-local, multicast, reserved and other non-global addresses (unless
  TRIAGE_FETCH_ALLOW_PRIVATE_ADDRESSES is on), and connects to the address it checked,
  so a second lookup cannot swap in another one. Each redirect is a new request and
  a new connection, so it is checked again;
- caps every connect, read and write by the time left before the fetch's total
  deadline, so a server trickling header lines cannot hold a fetch past it (httpx's
  own timeouts are per read).

The deadline is per thread: the fetcher sets it when the per-host slot is granted.
"""

from __future__ import annotations

import ipaddress
import socket
import ssl
import threading
import time
import typing

import httpcore
import httpx

_local = threading.local()


class AddressRefused(Exception):
    """The host resolves only to addresses a fetch may not reach."""


def set_deadline(deadline: float | None) -> None:
    _local.deadline = deadline


def _capped(timeout: float | None, exc: type[Exception]) -> float | None:
    deadline = getattr(_local, "deadline", None)
    if deadline is None:
        return timeout
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise exc("total timeout")
    return remaining if timeout is None else min(timeout, remaining)


def refusal(ip: str) -> str | None:
    """Why a fetch may not reach this address, or None when it may."""
    addr = ipaddress.ip_address(ip.split("%", 1)[0])
    if isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped is not None:
        addr = addr.ipv4_mapped
    for name in ("loopback", "link_local", "multicast", "private", "reserved", "unspecified"):
        if getattr(addr, f"is_{name}"):
            return name.replace("_", "-")
    if not addr.is_global:
        return "non-global"
    return None


class _Stream(httpcore.NetworkStream):
    def __init__(self, inner: httpcore.NetworkStream) -> None:
        self._inner = inner

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, _capped(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, _capped(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(self, ssl_context: ssl.SSLContext, server_hostname: str | None = None, timeout: float | None = None) -> httpcore.NetworkStream:
        return _Stream(self._inner.start_tls(ssl_context, server_hostname, _capped(timeout, httpcore.ConnectTimeout)))

    def get_extra_info(self, info: str) -> typing.Any:
        return self._inner.get_extra_info(info)


class GuardedBackend(httpcore.NetworkBackend):
    def __init__(self, allow_private: bool) -> None:
        self.allow_private = allow_private
        self._sync = httpcore.SyncBackend()

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: typing.Iterable[typing.Any] | None = None,
    ) -> httpcore.NetworkStream:
        timeout = _capped(timeout, httpcore.ConnectTimeout)
        target = host
        if not self.allow_private:
            try:
                infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
            except OSError as exc:
                raise httpcore.ConnectError(f"cannot resolve {host}: {exc}") from exc
            addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
            allowed = [a for a in addresses if refusal(a) is None]
            if not allowed:
                why = ", ".join(f"{a} ({refusal(a)})" for a in addresses)
                shown = why if host in addresses else f"{host} resolves to {why}"
                raise AddressRefused(f"address refused: {shown}, not a public address (TRIAGE_FETCH_ALLOW_PRIVATE_ADDRESSES=true allows it)")
            target = allowed[0]  # connect to the address that was checked
        return _Stream(self._sync.connect_tcp(target, port, timeout, local_address, socket_options))

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


class GuardedTransport(httpx.HTTPTransport):
    """httpx's transport over the guarded backend (no proxies: they would hide the address)."""

    def __init__(self, limits: httpx.Limits, allow_private: bool) -> None:
        super().__init__(limits=limits, trust_env=False)
        self._pool = httpcore.ConnectionPool(
            ssl_context=httpx.create_ssl_context(trust_env=False),
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            network_backend=GuardedBackend(allow_private),
        )
