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
