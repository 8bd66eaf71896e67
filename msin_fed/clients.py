"""What every client of a service shares: ``with`` closes it, and per-call metadata.

:class:`Closing` gives a class with a ``close()`` the context-manager methods, so
:class:`~msin_fed.analyst.AnalystClient`, the cases clients and
:class:`~msin_fed.node.Node` do not each repeat them; :class:`ChannelClient` adds the
channel a client may share and the metadata it sends with every call
(:meth:`ChannelClient.with_person`). :data:`PERSON_METADATA` is the gRPC
metadata key with which a console names the signed-in person it acts for; the
coordinator accepts it from analyst and Advisory Group certificates only and writes it
into the audit entry (``sttg-analyst/ann``). It names who did something, never what may
be done: the certificate's role decides that.
"""

from __future__ import annotations

import copy
from types import TracebackType
from typing import Self

import grpc

__all__ = ["PERSON_METADATA", "ChannelClient", "Closing", "Metadata", "person_metadata"]

#: gRPC metadata key naming the person a console acts for (see the module docstring).
PERSON_METADATA = "msin-person"

#: gRPC call metadata: (key, value) pairs sent with every call of a client.
Metadata = tuple[tuple[str, str], ...]


def person_metadata(person: str) -> Metadata:
    """The metadata naming ``person`` (a console account name; the coordinator checks its form)."""
    if not person:
        raise ValueError("person: is empty (a console account name is expected)")
    return ((PERSON_METADATA, person),)


class Closing:
    """Mixin: ``with client:`` calls ``client.close()`` on the way out."""

    def close(self) -> None:
        """Release what the object holds (subclasses say what)."""
        raise NotImplementedError

    def __enter__(self) -> Self:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.close()


class ChannelClient(Closing):
    """A client over a gRPC channel it owns (closed with it) or shares, sending ``metadata``
    with every call."""

    def __init__(self, channel: grpc.Channel, *, own: bool, metadata: Metadata = ()) -> None:
        self._channel = channel
        self._own = own
        self._metadata = metadata

    def with_person(self, person: str) -> Self:
        """A client on this one's channel whose every call names ``person`` (``msin-person``
        metadata) for the coordinator's audit log. Closing it leaves the channel open."""
        other = copy.copy(self)
        other._metadata = person_metadata(person)
        other._own = False
        return other

    def close(self) -> None:
        """Close the channel if this client opened it."""
        if self._own:
            self._channel.close()
