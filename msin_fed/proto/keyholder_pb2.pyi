from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable
from typing import ClassVar as _ClassVar, Optional as _Optional

DESCRIPTOR: _descriptor.FileDescriptor

class EvaluateRequest(_message.Message):
    __slots__ = ("epoch", "blinded_elements")
    EPOCH_FIELD_NUMBER: _ClassVar[int]
    BLINDED_ELEMENTS_FIELD_NUMBER: _ClassVar[int]
    epoch: int
    blinded_elements: _containers.RepeatedScalarFieldContainer[bytes]
    def __init__(self, epoch: _Optional[int] = ..., blinded_elements: _Optional[_Iterable[bytes]] = ...) -> None: ...

class EvaluateResponse(_message.Message):
    __slots__ = ("epoch", "share_index", "evaluated_elements", "proof")
    EPOCH_FIELD_NUMBER: _ClassVar[int]
    SHARE_INDEX_FIELD_NUMBER: _ClassVar[int]
    EVALUATED_ELEMENTS_FIELD_NUMBER: _ClassVar[int]
    PROOF_FIELD_NUMBER: _ClassVar[int]
    epoch: int
    share_index: int
    evaluated_elements: _containers.RepeatedScalarFieldContainer[bytes]
    proof: bytes
    def __init__(self, epoch: _Optional[int] = ..., share_index: _Optional[int] = ..., evaluated_elements: _Optional[_Iterable[bytes]] = ..., proof: _Optional[bytes] = ...) -> None: ...

class GetPublicKeyRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class PublicKeyInfo(_message.Message):
    __slots__ = ("epoch", "share_index", "public_share", "threshold", "holders")
    EPOCH_FIELD_NUMBER: _ClassVar[int]
    SHARE_INDEX_FIELD_NUMBER: _ClassVar[int]
    PUBLIC_SHARE_FIELD_NUMBER: _ClassVar[int]
    THRESHOLD_FIELD_NUMBER: _ClassVar[int]
    HOLDERS_FIELD_NUMBER: _ClassVar[int]
    epoch: int
    share_index: int
    public_share: bytes
    threshold: int
    holders: int
    def __init__(self, epoch: _Optional[int] = ..., share_index: _Optional[int] = ..., public_share: _Optional[bytes] = ..., threshold: _Optional[int] = ..., holders: _Optional[int] = ...) -> None: ...

class GetUsageRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class MemberUsage(_message.Message):
    __slots__ = ("member_id", "day", "used", "refused", "daily_budget", "resets_at", "roster_version", "network_daily_bound")
    MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    DAY_FIELD_NUMBER: _ClassVar[int]
    USED_FIELD_NUMBER: _ClassVar[int]
    REFUSED_FIELD_NUMBER: _ClassVar[int]
    DAILY_BUDGET_FIELD_NUMBER: _ClassVar[int]
    RESETS_AT_FIELD_NUMBER: _ClassVar[int]
    ROSTER_VERSION_FIELD_NUMBER: _ClassVar[int]
    NETWORK_DAILY_BOUND_FIELD_NUMBER: _ClassVar[int]
    member_id: str
    day: str
    used: int
    refused: int
    daily_budget: int
    resets_at: str
    roster_version: int
    network_daily_bound: int
    def __init__(self, member_id: _Optional[str] = ..., day: _Optional[str] = ..., used: _Optional[int] = ..., refused: _Optional[int] = ..., daily_budget: _Optional[int] = ..., resets_at: _Optional[str] = ..., roster_version: _Optional[int] = ..., network_daily_bound: _Optional[int] = ...) -> None: ...

class GetUsageTotalsRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class UsageTotals(_message.Message):
    __slots__ = ("day", "members_rostered", "members_active", "members_refused", "elements", "refusals", "roster_version")
    DAY_FIELD_NUMBER: _ClassVar[int]
    MEMBERS_ROSTERED_FIELD_NUMBER: _ClassVar[int]
    MEMBERS_ACTIVE_FIELD_NUMBER: _ClassVar[int]
    MEMBERS_REFUSED_FIELD_NUMBER: _ClassVar[int]
    ELEMENTS_FIELD_NUMBER: _ClassVar[int]
    REFUSALS_FIELD_NUMBER: _ClassVar[int]
    ROSTER_VERSION_FIELD_NUMBER: _ClassVar[int]
    day: str
    members_rostered: int
    members_active: int
    members_refused: int
    elements: int
    refusals: int
    roster_version: int
    def __init__(self, day: _Optional[str] = ..., members_rostered: _Optional[int] = ..., members_active: _Optional[int] = ..., members_refused: _Optional[int] = ..., elements: _Optional[int] = ..., refusals: _Optional[int] = ..., roster_version: _Optional[int] = ...) -> None: ...
