"""Calls to a service reachable at several addresses (coordinator processes sharing one
database), moving to the next address when one is unavailable.

::

    stub = FailoverStub(["coord-a:50051", "coord-b:50051"], identity, role="coordinator", name="sttg")
    stub.SubmitBatch(request, timeout=30)      # as a CoordinatorStub; fails over on UNAVAILABLE

Every address must present the same server certificate name (checked in every handshake,
as for one address). A call that ends UNAVAILABLE is tried at the next address, each once,
starting from the one that answered last; only when all are unavailable does the error
reach the caller. That is safe for the coordinator's calls: submissions carry idempotent
ids (a batch stored just before its process died is acknowledged as a duplicate by the
next), withdrawals are idempotent and reads have no effect. A server stream that fails
before its first message is opened again elsewhere; one that fails later raises, and the
next call goes to the next address (the caller resumes from its cursor).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import grpc

from msin_fed import pki
from msin_fed.errors import ValidationError

__all__ = ["FailoverStub"]


class FailoverStub:
    """A stub over several addresses of one service (see the module docstring)."""

    def __init__(
        self,
        addresses: Sequence[str],
        identity: pki.Identity,
        *,
        role: str,
        name: str,
        stub_class: Callable[[grpc.Channel], Any] | None = None,
    ) -> None:
        if not addresses:
            raise ValidationError("addresses", "give at least one address")
        if stub_class is None:
            from msin_fed.proto import coordinator_pb2_grpc as pb_grpc

            stub_class = pb_grpc.CoordinatorStub
        self.addresses = tuple(addresses)
        self._channels = [pki.secure_channel(a, identity, role=role, name=name) for a in self.addresses]
        self._stubs = [stub_class(c) for c in self._channels]
        self._current = 0
        self._lock = threading.Lock()

    @property
    def current(self) -> str:
        """The address calls go to first."""
        return self.addresses[self._current]

    def close(self) -> None:
        """Close every channel."""
        for channel in self._channels:
            channel.close()

    def __getattr__(self, method: str) -> Callable[..., Any]:
        if method.startswith("_"):
            raise AttributeError(method)
        return lambda request, **kwargs: self._call(method, request, kwargs)

    def _failed(self, index: int) -> None:
        with self._lock:
            if self._current == index:  # not already moved on by another thread
                self._current = (index + 1) % len(self._stubs)

    def _call(self, method: str, request: Any, kwargs: dict[str, Any], budget: int | None = None) -> Any:
        """Call ``method`` at up to ``budget`` addresses (all by default), from the current one."""
        left = len(self._stubs) if budget is None else budget
        while True:
            index = self._current
            left -= 1
            try:
                result = getattr(self._stubs[index], method)(request, **kwargs)
            except grpc.RpcError as exc:
                if _code(exc) != grpc.StatusCode.UNAVAILABLE or left <= 0:
                    raise
                self._failed(index)
                continue
            if isinstance(result, grpc.Call) and hasattr(result, "__next__"):
                return _Stream(self, method, request, kwargs, index, left, result)
            return result


class _Stream:
    """A server stream that is opened elsewhere when it fails before its first message."""

    def __init__(
        self, owner: FailoverStub, method: str, request: Any, kwargs: dict[str, Any], index: int, left: int, call: Any
    ) -> None:
        self._owner, self._method, self._request, self._kwargs = owner, method, request, kwargs
        self._index, self._left, self._call = index, left, call
        self._started = False

    def __iter__(self) -> Iterator[Any]:
        return self

    def __next__(self) -> Any:
        while True:
            try:
                item = next(self._call)
            except grpc.RpcError as exc:
                if _code(exc) != grpc.StatusCode.UNAVAILABLE:
                    raise
                self._owner._failed(self._index)
                if self._started or self._left <= 0:
                    raise
                again = self._owner._call(self._method, self._request, self._kwargs, self._left)
                self._index, self._left, self._call = again._index, again._left, again._call
                continue
            self._started = True
            return item

    def cancel(self) -> bool:
        """Cancel the stream (as grpc's call objects do)."""
        return bool(self._call.cancel())

    def __getattr__(self, name: str) -> Any:
        return getattr(self._call, name)


def _code(exc: grpc.RpcError) -> grpc.StatusCode | None:
    code = getattr(exc, "code", None)
    return code() if callable(code) else None
