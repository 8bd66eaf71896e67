import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Tlp(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    TLP_UNSPECIFIED: _ClassVar[Tlp]
    TLP_CLEAR: _ClassVar[Tlp]
    TLP_GREEN: _ClassVar[Tlp]
    TLP_AMBER: _ClassVar[Tlp]
    TLP_AMBER_STRICT: _ClassVar[Tlp]
    TLP_RED: _ClassVar[Tlp]

class SourceEvaluation(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SOURCE_UNSPECIFIED: _ClassVar[SourceEvaluation]
    SOURCE_RELIABLE: _ClassVar[SourceEvaluation]
    SOURCE_UNTESTED: _ClassVar[SourceEvaluation]
    SOURCE_NOT_RELIABLE: _ClassVar[SourceEvaluation]

class IntelligenceAssessment(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ASSESSMENT_UNSPECIFIED: _ClassVar[IntelligenceAssessment]
    ASSESSMENT_A: _ClassVar[IntelligenceAssessment]
    ASSESSMENT_B: _ClassVar[IntelligenceAssessment]
    ASSESSMENT_C: _ClassVar[IntelligenceAssessment]
    ASSESSMENT_D: _ClassVar[IntelligenceAssessment]
    ASSESSMENT_E: _ClassVar[IntelligenceAssessment]

class HandlingCode(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    HANDLING_UNSPECIFIED: _ClassVar[HandlingCode]
    HANDLING_P: _ClassVar[HandlingCode]
    HANDLING_C: _ClassVar[HandlingCode]

class MatchChange(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    MATCH_CHANGE_UNSPECIFIED: _ClassVar[MatchChange]
    MATCH_CHANGE_NEW: _ClassVar[MatchChange]
    MATCH_CHANGE_UPDATED: _ClassVar[MatchChange]
    MATCH_CHANGE_REMOVED: _ClassVar[MatchChange]

class ActionOutcome(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ACTION_OUTCOME_UNSPECIFIED: _ClassVar[ActionOutcome]
    ACTION_INVESTIGATED: _ClassVar[ActionOutcome]
    ACTION_REMEDIATED_WITH_SUPPLIER: _ClassVar[ActionOutcome]
    ACTION_REFERRED_TO_LAW_ENFORCEMENT: _ClassVar[ActionOutcome]
    ACTION_REFERRED_TO_GLAA: _ClassVar[ActionOutcome]
    ACTION_VICTIMS_SUPPORTED: _ClassVar[ActionOutcome]
    ACTION_NO_FURTHER_ACTION: _ClassVar[ActionOutcome]
TLP_UNSPECIFIED: Tlp
TLP_CLEAR: Tlp
TLP_GREEN: Tlp
TLP_AMBER: Tlp
TLP_AMBER_STRICT: Tlp
TLP_RED: Tlp
SOURCE_UNSPECIFIED: SourceEvaluation
SOURCE_RELIABLE: SourceEvaluation
SOURCE_UNTESTED: SourceEvaluation
SOURCE_NOT_RELIABLE: SourceEvaluation
ASSESSMENT_UNSPECIFIED: IntelligenceAssessment
ASSESSMENT_A: IntelligenceAssessment
ASSESSMENT_B: IntelligenceAssessment
ASSESSMENT_C: IntelligenceAssessment
ASSESSMENT_D: IntelligenceAssessment
ASSESSMENT_E: IntelligenceAssessment
HANDLING_UNSPECIFIED: HandlingCode
HANDLING_P: HandlingCode
HANDLING_C: HandlingCode
MATCH_CHANGE_UNSPECIFIED: MatchChange
MATCH_CHANGE_NEW: MatchChange
MATCH_CHANGE_UPDATED: MatchChange
MATCH_CHANGE_REMOVED: MatchChange
ACTION_OUTCOME_UNSPECIFIED: ActionOutcome
ACTION_INVESTIGATED: ActionOutcome
ACTION_REMEDIATED_WITH_SUPPLIER: ActionOutcome
ACTION_REFERRED_TO_LAW_ENFORCEMENT: ActionOutcome
ACTION_REFERRED_TO_GLAA: ActionOutcome
ACTION_VICTIMS_SUPPORTED: ActionOutcome
ACTION_NO_FURTHER_ACTION: ActionOutcome

class Grade(_message.Message):
    __slots__ = ("source", "assessment", "handling")
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    ASSESSMENT_FIELD_NUMBER: _ClassVar[int]
    HANDLING_FIELD_NUMBER: _ClassVar[int]
    source: SourceEvaluation
    assessment: IntelligenceAssessment
    handling: HandlingCode
    def __init__(self, source: _Optional[_Union[SourceEvaluation, str]] = ..., assessment: _Optional[_Union[IntelligenceAssessment, str]] = ..., handling: _Optional[_Union[HandlingCode, str]] = ...) -> None: ...

class Token(_message.Message):
    __slots__ = ("kind", "value", "epoch")
    KIND_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    EPOCH_FIELD_NUMBER: _ClassVar[int]
    kind: str
    value: bytes
    epoch: int
    def __init__(self, kind: _Optional[str] = ..., value: _Optional[bytes] = ..., epoch: _Optional[int] = ...) -> None: ...

class SharedRecord(_message.Message):
    __slots__ = ("record_id", "member_id", "narrative", "tokens", "region", "sector", "exploitation_type", "indicators", "month", "victims_band", "grade", "tlp", "time_sensitive", "shared_at")
    RECORD_ID_FIELD_NUMBER: _ClassVar[int]
    MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    NARRATIVE_FIELD_NUMBER: _ClassVar[int]
    TOKENS_FIELD_NUMBER: _ClassVar[int]
    REGION_FIELD_NUMBER: _ClassVar[int]
    SECTOR_FIELD_NUMBER: _ClassVar[int]
    EXPLOITATION_TYPE_FIELD_NUMBER: _ClassVar[int]
    INDICATORS_FIELD_NUMBER: _ClassVar[int]
    MONTH_FIELD_NUMBER: _ClassVar[int]
    VICTIMS_BAND_FIELD_NUMBER: _ClassVar[int]
    GRADE_FIELD_NUMBER: _ClassVar[int]
    TLP_FIELD_NUMBER: _ClassVar[int]
    TIME_SENSITIVE_FIELD_NUMBER: _ClassVar[int]
    SHARED_AT_FIELD_NUMBER: _ClassVar[int]
    record_id: str
    member_id: str
    narrative: str
    tokens: _containers.RepeatedCompositeFieldContainer[Token]
    region: str
    sector: str
    exploitation_type: str
    indicators: _containers.RepeatedScalarFieldContainer[str]
    month: str
    victims_band: str
    grade: Grade
    tlp: Tlp
    time_sensitive: bool
    shared_at: _timestamp_pb2.Timestamp
    def __init__(self, record_id: _Optional[str] = ..., member_id: _Optional[str] = ..., narrative: _Optional[str] = ..., tokens: _Optional[_Iterable[_Union[Token, _Mapping]]] = ..., region: _Optional[str] = ..., sector: _Optional[str] = ..., exploitation_type: _Optional[str] = ..., indicators: _Optional[_Iterable[str]] = ..., month: _Optional[str] = ..., victims_band: _Optional[str] = ..., grade: _Optional[_Union[Grade, _Mapping]] = ..., tlp: _Optional[_Union[Tlp, str]] = ..., time_sensitive: _Optional[bool] = ..., shared_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class Submission(_message.Message):
    __slots__ = ("submission_id", "record")
    SUBMISSION_ID_FIELD_NUMBER: _ClassVar[int]
    RECORD_FIELD_NUMBER: _ClassVar[int]
    submission_id: str
    record: bytes
    def __init__(self, submission_id: _Optional[str] = ..., record: _Optional[bytes] = ...) -> None: ...

class SubmitBatchRequest(_message.Message):
    __slots__ = ("submissions", "signature")
    SUBMISSIONS_FIELD_NUMBER: _ClassVar[int]
    SIGNATURE_FIELD_NUMBER: _ClassVar[int]
    submissions: _containers.RepeatedCompositeFieldContainer[Submission]
    signature: bytes
    def __init__(self, submissions: _Optional[_Iterable[_Union[Submission, _Mapping]]] = ..., signature: _Optional[bytes] = ...) -> None: ...

class Ack(_message.Message):
    __slots__ = ("submission_id", "record_id", "duplicate")
    SUBMISSION_ID_FIELD_NUMBER: _ClassVar[int]
    RECORD_ID_FIELD_NUMBER: _ClassVar[int]
    DUPLICATE_FIELD_NUMBER: _ClassVar[int]
    submission_id: str
    record_id: str
    duplicate: bool
    def __init__(self, submission_id: _Optional[str] = ..., record_id: _Optional[str] = ..., duplicate: _Optional[bool] = ...) -> None: ...

class SubmitBatchResponse(_message.Message):
    __slots__ = ("acks",)
    ACKS_FIELD_NUMBER: _ClassVar[int]
    acks: _containers.RepeatedCompositeFieldContainer[Ack]
    def __init__(self, acks: _Optional[_Iterable[_Union[Ack, _Mapping]]] = ...) -> None: ...

class WithdrawRequest(_message.Message):
    __slots__ = ("record_id",)
    RECORD_ID_FIELD_NUMBER: _ClassVar[int]
    record_id: str
    def __init__(self, record_id: _Optional[str] = ...) -> None: ...

class WithdrawResponse(_message.Message):
    __slots__ = ("withdrawn",)
    WITHDRAWN_FIELD_NUMBER: _ClassVar[int]
    withdrawn: bool
    def __init__(self, withdrawn: _Optional[bool] = ...) -> None: ...

class SubscribeRequest(_message.Message):
    __slots__ = ("after_cursor",)
    AFTER_CURSOR_FIELD_NUMBER: _ClassVar[int]
    after_cursor: int
    def __init__(self, after_cursor: _Optional[int] = ...) -> None: ...

class MatchEvent(_message.Message):
    __slots__ = ("record_id", "cluster_id", "other_members", "matched_kinds", "score", "change", "other_member_ids")
    RECORD_ID_FIELD_NUMBER: _ClassVar[int]
    CLUSTER_ID_FIELD_NUMBER: _ClassVar[int]
    OTHER_MEMBERS_FIELD_NUMBER: _ClassVar[int]
    MATCHED_KINDS_FIELD_NUMBER: _ClassVar[int]
    SCORE_FIELD_NUMBER: _ClassVar[int]
    CHANGE_FIELD_NUMBER: _ClassVar[int]
    OTHER_MEMBER_IDS_FIELD_NUMBER: _ClassVar[int]
    record_id: str
    cluster_id: str
    other_members: int
    matched_kinds: _containers.RepeatedScalarFieldContainer[str]
    score: float
    change: MatchChange
    other_member_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, record_id: _Optional[str] = ..., cluster_id: _Optional[str] = ..., other_members: _Optional[int] = ..., matched_kinds: _Optional[_Iterable[str]] = ..., score: _Optional[float] = ..., change: _Optional[_Union[MatchChange, str]] = ..., other_member_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class AlertEvent(_message.Message):
    __slots__ = ("alert_id", "summary", "region", "sector", "exploitation_type", "grade", "tlp", "raised_by_role", "own_record_id")
    ALERT_ID_FIELD_NUMBER: _ClassVar[int]
    SUMMARY_FIELD_NUMBER: _ClassVar[int]
    REGION_FIELD_NUMBER: _ClassVar[int]
    SECTOR_FIELD_NUMBER: _ClassVar[int]
    EXPLOITATION_TYPE_FIELD_NUMBER: _ClassVar[int]
    GRADE_FIELD_NUMBER: _ClassVar[int]
    TLP_FIELD_NUMBER: _ClassVar[int]
    RAISED_BY_ROLE_FIELD_NUMBER: _ClassVar[int]
    OWN_RECORD_ID_FIELD_NUMBER: _ClassVar[int]
    alert_id: str
    summary: str
    region: str
    sector: str
    exploitation_type: str
    grade: Grade
    tlp: Tlp
    raised_by_role: str
    own_record_id: str
    def __init__(self, alert_id: _Optional[str] = ..., summary: _Optional[str] = ..., region: _Optional[str] = ..., sector: _Optional[str] = ..., exploitation_type: _Optional[str] = ..., grade: _Optional[_Union[Grade, _Mapping]] = ..., tlp: _Optional[_Union[Tlp, str]] = ..., raised_by_role: _Optional[str] = ..., own_record_id: _Optional[str] = ...) -> None: ...

class Event(_message.Message):
    __slots__ = ("cursor", "created_at", "match", "alert", "checkpoint", "case")
    CURSOR_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    MATCH_FIELD_NUMBER: _ClassVar[int]
    ALERT_FIELD_NUMBER: _ClassVar[int]
    CHECKPOINT_FIELD_NUMBER: _ClassVar[int]
    CASE_FIELD_NUMBER: _ClassVar[int]
    cursor: int
    created_at: _timestamp_pb2.Timestamp
    match: MatchEvent
    alert: AlertEvent
    checkpoint: AuditCheckpoint
    case: CaseEvent
    def __init__(self, cursor: _Optional[int] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., match: _Optional[_Union[MatchEvent, _Mapping]] = ..., alert: _Optional[_Union[AlertEvent, _Mapping]] = ..., checkpoint: _Optional[_Union[AuditCheckpoint, _Mapping]] = ..., case: _Optional[_Union[CaseEvent, _Mapping]] = ...) -> None: ...

class AuditCheckpoint(_message.Message):
    __slots__ = ("number", "entry_seq", "head_hash", "signed_at", "key", "signature")
    NUMBER_FIELD_NUMBER: _ClassVar[int]
    ENTRY_SEQ_FIELD_NUMBER: _ClassVar[int]
    HEAD_HASH_FIELD_NUMBER: _ClassVar[int]
    SIGNED_AT_FIELD_NUMBER: _ClassVar[int]
    KEY_FIELD_NUMBER: _ClassVar[int]
    SIGNATURE_FIELD_NUMBER: _ClassVar[int]
    number: int
    entry_seq: int
    head_hash: bytes
    signed_at: _timestamp_pb2.Timestamp
    key: bytes
    signature: bytes
    def __init__(self, number: _Optional[int] = ..., entry_seq: _Optional[int] = ..., head_hash: _Optional[bytes] = ..., signed_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., key: _Optional[bytes] = ..., signature: _Optional[bytes] = ...) -> None: ...

class RaiseAlertRequest(_message.Message):
    __slots__ = ("record_id", "summary")
    RECORD_ID_FIELD_NUMBER: _ClassVar[int]
    SUMMARY_FIELD_NUMBER: _ClassVar[int]
    record_id: str
    summary: str
    def __init__(self, record_id: _Optional[str] = ..., summary: _Optional[str] = ...) -> None: ...

class RaiseAlertResponse(_message.Message):
    __slots__ = ("alert_id",)
    ALERT_ID_FIELD_NUMBER: _ClassVar[int]
    alert_id: str
    def __init__(self, alert_id: _Optional[str] = ...) -> None: ...

class ListMatchesRequest(_message.Message):
    __slots__ = ("record_id",)
    RECORD_ID_FIELD_NUMBER: _ClassVar[int]
    record_id: str
    def __init__(self, record_id: _Optional[str] = ...) -> None: ...

class ListMatchesResponse(_message.Message):
    __slots__ = ("matches",)
    MATCHES_FIELD_NUMBER: _ClassVar[int]
    matches: _containers.RepeatedCompositeFieldContainer[MatchEvent]
    def __init__(self, matches: _Optional[_Iterable[_Union[MatchEvent, _Mapping]]] = ...) -> None: ...

class ListClustersRequest(_message.Message):
    __slots__ = ("limit", "kind", "region", "sector", "exploitation_type", "min_members", "since_month", "matched_kind")
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    REGION_FIELD_NUMBER: _ClassVar[int]
    SECTOR_FIELD_NUMBER: _ClassVar[int]
    EXPLOITATION_TYPE_FIELD_NUMBER: _ClassVar[int]
    MIN_MEMBERS_FIELD_NUMBER: _ClassVar[int]
    SINCE_MONTH_FIELD_NUMBER: _ClassVar[int]
    MATCHED_KIND_FIELD_NUMBER: _ClassVar[int]
    limit: int
    kind: str
    region: str
    sector: str
    exploitation_type: str
    min_members: int
    since_month: str
    matched_kind: str
    def __init__(self, limit: _Optional[int] = ..., kind: _Optional[str] = ..., region: _Optional[str] = ..., sector: _Optional[str] = ..., exploitation_type: _Optional[str] = ..., min_members: _Optional[int] = ..., since_month: _Optional[str] = ..., matched_kind: _Optional[str] = ...) -> None: ...

class ClusterRecord(_message.Message):
    __slots__ = ("record_id", "member_id", "narrative", "region", "sector", "exploitation_type", "month", "grade", "tlp", "shared_at", "received_at", "time_sensitive", "indicators", "victims_band")
    RECORD_ID_FIELD_NUMBER: _ClassVar[int]
    MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    NARRATIVE_FIELD_NUMBER: _ClassVar[int]
    REGION_FIELD_NUMBER: _ClassVar[int]
    SECTOR_FIELD_NUMBER: _ClassVar[int]
    EXPLOITATION_TYPE_FIELD_NUMBER: _ClassVar[int]
    MONTH_FIELD_NUMBER: _ClassVar[int]
    GRADE_FIELD_NUMBER: _ClassVar[int]
    TLP_FIELD_NUMBER: _ClassVar[int]
    SHARED_AT_FIELD_NUMBER: _ClassVar[int]
    RECEIVED_AT_FIELD_NUMBER: _ClassVar[int]
    TIME_SENSITIVE_FIELD_NUMBER: _ClassVar[int]
    INDICATORS_FIELD_NUMBER: _ClassVar[int]
    VICTIMS_BAND_FIELD_NUMBER: _ClassVar[int]
    record_id: str
    member_id: str
    narrative: str
    region: str
    sector: str
    exploitation_type: str
    month: str
    grade: Grade
    tlp: Tlp
    shared_at: _timestamp_pb2.Timestamp
    received_at: _timestamp_pb2.Timestamp
    time_sensitive: bool
    indicators: _containers.RepeatedScalarFieldContainer[str]
    victims_band: str
    def __init__(self, record_id: _Optional[str] = ..., member_id: _Optional[str] = ..., narrative: _Optional[str] = ..., region: _Optional[str] = ..., sector: _Optional[str] = ..., exploitation_type: _Optional[str] = ..., month: _Optional[str] = ..., grade: _Optional[_Union[Grade, _Mapping]] = ..., tlp: _Optional[_Union[Tlp, str]] = ..., shared_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., received_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., time_sensitive: _Optional[bool] = ..., indicators: _Optional[_Iterable[str]] = ..., victims_band: _Optional[str] = ...) -> None: ...

class Cluster(_message.Message):
    __slots__ = ("cluster_id", "kind", "records", "matched_kinds", "members", "first_month", "last_month")
    CLUSTER_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    RECORDS_FIELD_NUMBER: _ClassVar[int]
    MATCHED_KINDS_FIELD_NUMBER: _ClassVar[int]
    MEMBERS_FIELD_NUMBER: _ClassVar[int]
    FIRST_MONTH_FIELD_NUMBER: _ClassVar[int]
    LAST_MONTH_FIELD_NUMBER: _ClassVar[int]
    cluster_id: str
    kind: str
    records: _containers.RepeatedCompositeFieldContainer[ClusterRecord]
    matched_kinds: _containers.RepeatedScalarFieldContainer[str]
    members: int
    first_month: str
    last_month: str
    def __init__(self, cluster_id: _Optional[str] = ..., kind: _Optional[str] = ..., records: _Optional[_Iterable[_Union[ClusterRecord, _Mapping]]] = ..., matched_kinds: _Optional[_Iterable[str]] = ..., members: _Optional[int] = ..., first_month: _Optional[str] = ..., last_month: _Optional[str] = ...) -> None: ...

class ListClustersResponse(_message.Message):
    __slots__ = ("clusters",)
    CLUSTERS_FIELD_NUMBER: _ClassVar[int]
    clusters: _containers.RepeatedCompositeFieldContainer[Cluster]
    def __init__(self, clusters: _Optional[_Iterable[_Union[Cluster, _Mapping]]] = ...) -> None: ...

class RecordActionRequest(_message.Message):
    __slots__ = ("record_id", "alert_id", "outcome", "date")
    RECORD_ID_FIELD_NUMBER: _ClassVar[int]
    ALERT_ID_FIELD_NUMBER: _ClassVar[int]
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    DATE_FIELD_NUMBER: _ClassVar[int]
    record_id: str
    alert_id: str
    outcome: ActionOutcome
    date: str
    def __init__(self, record_id: _Optional[str] = ..., alert_id: _Optional[str] = ..., outcome: _Optional[_Union[ActionOutcome, str]] = ..., date: _Optional[str] = ...) -> None: ...

class RecordActionResponse(_message.Message):
    __slots__ = ("action_id",)
    ACTION_ID_FIELD_NUMBER: _ClassVar[int]
    action_id: str
    def __init__(self, action_id: _Optional[str] = ...) -> None: ...

class GetClusterRequest(_message.Message):
    __slots__ = ("cluster_id",)
    CLUSTER_ID_FIELD_NUMBER: _ClassVar[int]
    cluster_id: str
    def __init__(self, cluster_id: _Optional[str] = ...) -> None: ...

class AlertInfo(_message.Message):
    __slots__ = ("alert_id", "record_id", "summary", "raised_by_role", "created_at", "region", "sector", "exploitation_type", "grade", "tlp")
    ALERT_ID_FIELD_NUMBER: _ClassVar[int]
    RECORD_ID_FIELD_NUMBER: _ClassVar[int]
    SUMMARY_FIELD_NUMBER: _ClassVar[int]
    RAISED_BY_ROLE_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    REGION_FIELD_NUMBER: _ClassVar[int]
    SECTOR_FIELD_NUMBER: _ClassVar[int]
    EXPLOITATION_TYPE_FIELD_NUMBER: _ClassVar[int]
    GRADE_FIELD_NUMBER: _ClassVar[int]
    TLP_FIELD_NUMBER: _ClassVar[int]
    alert_id: str
    record_id: str
    summary: str
    raised_by_role: str
    created_at: _timestamp_pb2.Timestamp
    region: str
    sector: str
    exploitation_type: str
    grade: Grade
    tlp: Tlp
    def __init__(self, alert_id: _Optional[str] = ..., record_id: _Optional[str] = ..., summary: _Optional[str] = ..., raised_by_role: _Optional[str] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., region: _Optional[str] = ..., sector: _Optional[str] = ..., exploitation_type: _Optional[str] = ..., grade: _Optional[_Union[Grade, _Mapping]] = ..., tlp: _Optional[_Union[Tlp, str]] = ...) -> None: ...

class ActionInfo(_message.Message):
    __slots__ = ("action_id", "recorded_by", "record_id", "alert_id", "outcome", "date", "recorded_at")
    ACTION_ID_FIELD_NUMBER: _ClassVar[int]
    RECORDED_BY_FIELD_NUMBER: _ClassVar[int]
    RECORD_ID_FIELD_NUMBER: _ClassVar[int]
    ALERT_ID_FIELD_NUMBER: _ClassVar[int]
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    DATE_FIELD_NUMBER: _ClassVar[int]
    RECORDED_AT_FIELD_NUMBER: _ClassVar[int]
    action_id: str
    recorded_by: str
    record_id: str
    alert_id: str
    outcome: ActionOutcome
    date: str
    recorded_at: _timestamp_pb2.Timestamp
    def __init__(self, action_id: _Optional[str] = ..., recorded_by: _Optional[str] = ..., record_id: _Optional[str] = ..., alert_id: _Optional[str] = ..., outcome: _Optional[_Union[ActionOutcome, str]] = ..., date: _Optional[str] = ..., recorded_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class GetClusterResponse(_message.Message):
    __slots__ = ("cluster", "alerts", "actions")
    CLUSTER_FIELD_NUMBER: _ClassVar[int]
    ALERTS_FIELD_NUMBER: _ClassVar[int]
    ACTIONS_FIELD_NUMBER: _ClassVar[int]
    cluster: Cluster
    alerts: _containers.RepeatedCompositeFieldContainer[AlertInfo]
    actions: _containers.RepeatedCompositeFieldContainer[ActionInfo]
    def __init__(self, cluster: _Optional[_Union[Cluster, _Mapping]] = ..., alerts: _Optional[_Iterable[_Union[AlertInfo, _Mapping]]] = ..., actions: _Optional[_Iterable[_Union[ActionInfo, _Mapping]]] = ...) -> None: ...

class ListAlertsRequest(_message.Message):
    __slots__ = ("limit", "record_id")
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    RECORD_ID_FIELD_NUMBER: _ClassVar[int]
    limit: int
    record_id: str
    def __init__(self, limit: _Optional[int] = ..., record_id: _Optional[str] = ...) -> None: ...

class ListAlertsResponse(_message.Message):
    __slots__ = ("alerts",)
    ALERTS_FIELD_NUMBER: _ClassVar[int]
    alerts: _containers.RepeatedCompositeFieldContainer[AlertInfo]
    def __init__(self, alerts: _Optional[_Iterable[_Union[AlertInfo, _Mapping]]] = ...) -> None: ...

class ListActionsRequest(_message.Message):
    __slots__ = ("limit", "record_id", "alert_id")
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    RECORD_ID_FIELD_NUMBER: _ClassVar[int]
    ALERT_ID_FIELD_NUMBER: _ClassVar[int]
    limit: int
    record_id: str
    alert_id: str
    def __init__(self, limit: _Optional[int] = ..., record_id: _Optional[str] = ..., alert_id: _Optional[str] = ...) -> None: ...

class ListActionsResponse(_message.Message):
    __slots__ = ("actions",)
    ACTIONS_FIELD_NUMBER: _ClassVar[int]
    actions: _containers.RepeatedCompositeFieldContainer[ActionInfo]
    def __init__(self, actions: _Optional[_Iterable[_Union[ActionInfo, _Mapping]]] = ...) -> None: ...

class GetAuditRequest(_message.Message):
    __slots__ = ("after_seq", "limit")
    AFTER_SEQ_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    after_seq: int
    limit: int
    def __init__(self, after_seq: _Optional[int] = ..., limit: _Optional[int] = ...) -> None: ...

class AuditEntry(_message.Message):
    __slots__ = ("seq", "at", "actor_role", "actor", "action", "detail", "hash")
    SEQ_FIELD_NUMBER: _ClassVar[int]
    AT_FIELD_NUMBER: _ClassVar[int]
    ACTOR_ROLE_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    ACTION_FIELD_NUMBER: _ClassVar[int]
    DETAIL_FIELD_NUMBER: _ClassVar[int]
    HASH_FIELD_NUMBER: _ClassVar[int]
    seq: int
    at: str
    actor_role: str
    actor: str
    action: str
    detail: str
    hash: str
    def __init__(self, seq: _Optional[int] = ..., at: _Optional[str] = ..., actor_role: _Optional[str] = ..., actor: _Optional[str] = ..., action: _Optional[str] = ..., detail: _Optional[str] = ..., hash: _Optional[str] = ...) -> None: ...

class AuditVerification(_message.Message):
    __slots__ = ("ok", "entries", "problem", "seq", "anchors")
    OK_FIELD_NUMBER: _ClassVar[int]
    ENTRIES_FIELD_NUMBER: _ClassVar[int]
    PROBLEM_FIELD_NUMBER: _ClassVar[int]
    SEQ_FIELD_NUMBER: _ClassVar[int]
    ANCHORS_FIELD_NUMBER: _ClassVar[int]
    ok: bool
    entries: int
    problem: str
    seq: int
    anchors: str
    def __init__(self, ok: _Optional[bool] = ..., entries: _Optional[int] = ..., problem: _Optional[str] = ..., seq: _Optional[int] = ..., anchors: _Optional[str] = ...) -> None: ...

class GetAuditResponse(_message.Message):
    __slots__ = ("entries", "verification", "head_seq")
    ENTRIES_FIELD_NUMBER: _ClassVar[int]
    VERIFICATION_FIELD_NUMBER: _ClassVar[int]
    HEAD_SEQ_FIELD_NUMBER: _ClassVar[int]
    entries: _containers.RepeatedCompositeFieldContainer[AuditEntry]
    verification: AuditVerification
    head_seq: int
    def __init__(self, entries: _Optional[_Iterable[_Union[AuditEntry, _Mapping]]] = ..., verification: _Optional[_Union[AuditVerification, _Mapping]] = ..., head_seq: _Optional[int] = ...) -> None: ...

class GetInsightsRequest(_message.Message):
    __slots__ = ("month", "window_months")
    MONTH_FIELD_NUMBER: _ClassVar[int]
    WINDOW_MONTHS_FIELD_NUMBER: _ClassVar[int]
    month: str
    window_months: int
    def __init__(self, month: _Optional[str] = ..., window_months: _Optional[int] = ...) -> None: ...

class InsightCount(_message.Message):
    __slots__ = ("suppressed", "value")
    SUPPRESSED_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    suppressed: bool
    value: int
    def __init__(self, suppressed: _Optional[bool] = ..., value: _Optional[int] = ...) -> None: ...

class InsightTable(_message.Message):
    __slots__ = ("name", "title", "row_title", "row_codes", "row_labels", "col_codes", "col_labels", "values", "has_margins", "row_totals", "col_totals", "has_total", "total")
    NAME_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    ROW_TITLE_FIELD_NUMBER: _ClassVar[int]
    ROW_CODES_FIELD_NUMBER: _ClassVar[int]
    ROW_LABELS_FIELD_NUMBER: _ClassVar[int]
    COL_CODES_FIELD_NUMBER: _ClassVar[int]
    COL_LABELS_FIELD_NUMBER: _ClassVar[int]
    VALUES_FIELD_NUMBER: _ClassVar[int]
    HAS_MARGINS_FIELD_NUMBER: _ClassVar[int]
    ROW_TOTALS_FIELD_NUMBER: _ClassVar[int]
    COL_TOTALS_FIELD_NUMBER: _ClassVar[int]
    HAS_TOTAL_FIELD_NUMBER: _ClassVar[int]
    TOTAL_FIELD_NUMBER: _ClassVar[int]
    name: str
    title: str
    row_title: str
    row_codes: _containers.RepeatedScalarFieldContainer[str]
    row_labels: _containers.RepeatedScalarFieldContainer[str]
    col_codes: _containers.RepeatedScalarFieldContainer[str]
    col_labels: _containers.RepeatedScalarFieldContainer[str]
    values: _containers.RepeatedCompositeFieldContainer[InsightCount]
    has_margins: bool
    row_totals: _containers.RepeatedCompositeFieldContainer[InsightCount]
    col_totals: _containers.RepeatedCompositeFieldContainer[InsightCount]
    has_total: bool
    total: InsightCount
    def __init__(self, name: _Optional[str] = ..., title: _Optional[str] = ..., row_title: _Optional[str] = ..., row_codes: _Optional[_Iterable[str]] = ..., row_labels: _Optional[_Iterable[str]] = ..., col_codes: _Optional[_Iterable[str]] = ..., col_labels: _Optional[_Iterable[str]] = ..., values: _Optional[_Iterable[_Union[InsightCount, _Mapping]]] = ..., has_margins: _Optional[bool] = ..., row_totals: _Optional[_Iterable[_Union[InsightCount, _Mapping]]] = ..., col_totals: _Optional[_Iterable[_Union[InsightCount, _Mapping]]] = ..., has_total: _Optional[bool] = ..., total: _Optional[_Union[InsightCount, _Mapping]] = ...) -> None: ...

class InsightCluster(_message.Message):
    __slots__ = ("label", "members", "regions", "months", "records", "first_month", "last_month")
    LABEL_FIELD_NUMBER: _ClassVar[int]
    MEMBERS_FIELD_NUMBER: _ClassVar[int]
    REGIONS_FIELD_NUMBER: _ClassVar[int]
    MONTHS_FIELD_NUMBER: _ClassVar[int]
    RECORDS_FIELD_NUMBER: _ClassVar[int]
    FIRST_MONTH_FIELD_NUMBER: _ClassVar[int]
    LAST_MONTH_FIELD_NUMBER: _ClassVar[int]
    label: str
    members: int
    regions: int
    months: int
    records: int
    first_month: str
    last_month: str
    def __init__(self, label: _Optional[str] = ..., members: _Optional[int] = ..., regions: _Optional[int] = ..., months: _Optional[int] = ..., records: _Optional[int] = ..., first_month: _Optional[str] = ..., last_month: _Optional[str] = ...) -> None: ...

class InsightMedian(_message.Message):
    __slots__ = ("outcome", "shown", "days")
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    SHOWN_FIELD_NUMBER: _ClassVar[int]
    DAYS_FIELD_NUMBER: _ClassVar[int]
    outcome: str
    shown: bool
    days: float
    def __init__(self, outcome: _Optional[str] = ..., shown: _Optional[bool] = ..., days: _Optional[float] = ...) -> None: ...

class InsightAlert(_message.Message):
    __slots__ = ("summary", "tlp", "region", "sector", "exploitation_type", "date")
    SUMMARY_FIELD_NUMBER: _ClassVar[int]
    TLP_FIELD_NUMBER: _ClassVar[int]
    REGION_FIELD_NUMBER: _ClassVar[int]
    SECTOR_FIELD_NUMBER: _ClassVar[int]
    EXPLOITATION_TYPE_FIELD_NUMBER: _ClassVar[int]
    DATE_FIELD_NUMBER: _ClassVar[int]
    summary: str
    tlp: Tlp
    region: str
    sector: str
    exploitation_type: str
    date: str
    def __init__(self, summary: _Optional[str] = ..., tlp: _Optional[_Union[Tlp, str]] = ..., region: _Optional[str] = ..., sector: _Optional[str] = ..., exploitation_type: _Optional[str] = ..., date: _Optional[str] = ...) -> None: ...

class GetInsightsResponse(_message.Message):
    __slots__ = ("month", "window", "min_records", "min_members", "network_name", "tables", "clusters", "clusters_unpublished", "growth_months", "growth_new", "growth_cumulative", "median_days", "overall_median", "clusters_total", "clusters_without_action", "alerts", "lessons", "tlp", "records_excluded_by_tlp", "member_lessons", "member_lessons_written")
    MONTH_FIELD_NUMBER: _ClassVar[int]
    WINDOW_FIELD_NUMBER: _ClassVar[int]
    MIN_RECORDS_FIELD_NUMBER: _ClassVar[int]
    MIN_MEMBERS_FIELD_NUMBER: _ClassVar[int]
    NETWORK_NAME_FIELD_NUMBER: _ClassVar[int]
    TABLES_FIELD_NUMBER: _ClassVar[int]
    CLUSTERS_FIELD_NUMBER: _ClassVar[int]
    CLUSTERS_UNPUBLISHED_FIELD_NUMBER: _ClassVar[int]
    GROWTH_MONTHS_FIELD_NUMBER: _ClassVar[int]
    GROWTH_NEW_FIELD_NUMBER: _ClassVar[int]
    GROWTH_CUMULATIVE_FIELD_NUMBER: _ClassVar[int]
    MEDIAN_DAYS_FIELD_NUMBER: _ClassVar[int]
    OVERALL_MEDIAN_FIELD_NUMBER: _ClassVar[int]
    CLUSTERS_TOTAL_FIELD_NUMBER: _ClassVar[int]
    CLUSTERS_WITHOUT_ACTION_FIELD_NUMBER: _ClassVar[int]
    ALERTS_FIELD_NUMBER: _ClassVar[int]
    LESSONS_FIELD_NUMBER: _ClassVar[int]
    TLP_FIELD_NUMBER: _ClassVar[int]
    RECORDS_EXCLUDED_BY_TLP_FIELD_NUMBER: _ClassVar[int]
    MEMBER_LESSONS_FIELD_NUMBER: _ClassVar[int]
    MEMBER_LESSONS_WRITTEN_FIELD_NUMBER: _ClassVar[int]
    month: str
    window: _containers.RepeatedScalarFieldContainer[str]
    min_records: int
    min_members: int
    network_name: str
    tables: _containers.RepeatedCompositeFieldContainer[InsightTable]
    clusters: _containers.RepeatedCompositeFieldContainer[InsightCluster]
    clusters_unpublished: int
    growth_months: _containers.RepeatedScalarFieldContainer[str]
    growth_new: _containers.RepeatedScalarFieldContainer[int]
    growth_cumulative: _containers.RepeatedScalarFieldContainer[int]
    median_days: _containers.RepeatedCompositeFieldContainer[InsightMedian]
    overall_median: InsightMedian
    clusters_total: int
    clusters_without_action: int
    alerts: _containers.RepeatedCompositeFieldContainer[InsightAlert]
    lessons: _containers.RepeatedScalarFieldContainer[str]
    tlp: Tlp
    records_excluded_by_tlp: int
    member_lessons: _containers.RepeatedScalarFieldContainer[str]
    member_lessons_written: int
    def __init__(self, month: _Optional[str] = ..., window: _Optional[_Iterable[str]] = ..., min_records: _Optional[int] = ..., min_members: _Optional[int] = ..., network_name: _Optional[str] = ..., tables: _Optional[_Iterable[_Union[InsightTable, _Mapping]]] = ..., clusters: _Optional[_Iterable[_Union[InsightCluster, _Mapping]]] = ..., clusters_unpublished: _Optional[int] = ..., growth_months: _Optional[_Iterable[str]] = ..., growth_new: _Optional[_Iterable[int]] = ..., growth_cumulative: _Optional[_Iterable[int]] = ..., median_days: _Optional[_Iterable[_Union[InsightMedian, _Mapping]]] = ..., overall_median: _Optional[_Union[InsightMedian, _Mapping]] = ..., clusters_total: _Optional[int] = ..., clusters_without_action: _Optional[int] = ..., alerts: _Optional[_Iterable[_Union[InsightAlert, _Mapping]]] = ..., lessons: _Optional[_Iterable[str]] = ..., tlp: _Optional[_Union[Tlp, str]] = ..., records_excluded_by_tlp: _Optional[int] = ..., member_lessons: _Optional[_Iterable[str]] = ..., member_lessons_written: _Optional[int] = ...) -> None: ...

class CaseEvent(_message.Message):
    __slots__ = ("case_id", "kind", "state", "ref", "peer_key", "sealed")
    CASE_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    REF_FIELD_NUMBER: _ClassVar[int]
    PEER_KEY_FIELD_NUMBER: _ClassVar[int]
    SEALED_FIELD_NUMBER: _ClassVar[int]
    case_id: str
    kind: str
    state: str
    ref: str
    peer_key: bytes
    sealed: bytes
    def __init__(self, case_id: _Optional[str] = ..., kind: _Optional[str] = ..., state: _Optional[str] = ..., ref: _Optional[str] = ..., peer_key: _Optional[bytes] = ..., sealed: _Optional[bytes] = ...) -> None: ...

class OpenCaseRequest(_message.Message):
    __slots__ = ("cluster_id", "record_id", "title")
    CLUSTER_ID_FIELD_NUMBER: _ClassVar[int]
    RECORD_ID_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    cluster_id: str
    record_id: str
    title: str
    def __init__(self, cluster_id: _Optional[str] = ..., record_id: _Optional[str] = ..., title: _Optional[str] = ...) -> None: ...

class CaseRecord(_message.Message):
    __slots__ = ("record_id", "member", "narrative", "region", "sector", "exploitation_type", "month", "grade", "tlp")
    RECORD_ID_FIELD_NUMBER: _ClassVar[int]
    MEMBER_FIELD_NUMBER: _ClassVar[int]
    NARRATIVE_FIELD_NUMBER: _ClassVar[int]
    REGION_FIELD_NUMBER: _ClassVar[int]
    SECTOR_FIELD_NUMBER: _ClassVar[int]
    EXPLOITATION_TYPE_FIELD_NUMBER: _ClassVar[int]
    MONTH_FIELD_NUMBER: _ClassVar[int]
    GRADE_FIELD_NUMBER: _ClassVar[int]
    TLP_FIELD_NUMBER: _ClassVar[int]
    record_id: str
    member: str
    narrative: str
    region: str
    sector: str
    exploitation_type: str
    month: str
    grade: Grade
    tlp: Tlp
    def __init__(self, record_id: _Optional[str] = ..., member: _Optional[str] = ..., narrative: _Optional[str] = ..., region: _Optional[str] = ..., sector: _Optional[str] = ..., exploitation_type: _Optional[str] = ..., month: _Optional[str] = ..., grade: _Optional[_Union[Grade, _Mapping]] = ..., tlp: _Optional[_Union[Tlp, str]] = ...) -> None: ...

class CaseEntry(_message.Message):
    __slots__ = ("at", "kind", "actor", "text", "ref")
    AT_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    REF_FIELD_NUMBER: _ClassVar[int]
    at: _timestamp_pb2.Timestamp
    kind: str
    actor: str
    text: str
    ref: str
    def __init__(self, at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., kind: _Optional[str] = ..., actor: _Optional[str] = ..., text: _Optional[str] = ..., ref: _Optional[str] = ...) -> None: ...

class Proposal(_message.Message):
    __slots__ = ("proposal_id", "state", "members", "you_consented", "note", "you_revealed")
    PROPOSAL_ID_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    MEMBERS_FIELD_NUMBER: _ClassVar[int]
    YOU_CONSENTED_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    YOU_REVEALED_FIELD_NUMBER: _ClassVar[int]
    proposal_id: str
    state: str
    members: _containers.RepeatedScalarFieldContainer[str]
    you_consented: bool
    note: str
    you_revealed: bool
    def __init__(self, proposal_id: _Optional[str] = ..., state: _Optional[str] = ..., members: _Optional[_Iterable[str]] = ..., you_consented: _Optional[bool] = ..., note: _Optional[str] = ..., you_revealed: _Optional[bool] = ...) -> None: ...

class Recommendation(_message.Message):
    __slots__ = ("recommendation_id", "text", "agreed", "recorded")
    RECOMMENDATION_ID_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    AGREED_FIELD_NUMBER: _ClassVar[int]
    RECORDED_FIELD_NUMBER: _ClassVar[int]
    recommendation_id: str
    text: str
    agreed: _containers.RepeatedScalarFieldContainer[str]
    recorded: bool
    def __init__(self, recommendation_id: _Optional[str] = ..., text: _Optional[str] = ..., agreed: _Optional[_Iterable[str]] = ..., recorded: _Optional[bool] = ...) -> None: ...

class CaseAction(_message.Message):
    __slots__ = ("action_id", "kind", "outcome", "date", "member", "lessons")
    ACTION_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    DATE_FIELD_NUMBER: _ClassVar[int]
    MEMBER_FIELD_NUMBER: _ClassVar[int]
    LESSONS_FIELD_NUMBER: _ClassVar[int]
    action_id: str
    kind: str
    outcome: str
    date: str
    member: str
    lessons: str
    def __init__(self, action_id: _Optional[str] = ..., kind: _Optional[str] = ..., outcome: _Optional[str] = ..., date: _Optional[str] = ..., member: _Optional[str] = ..., lessons: _Optional[str] = ...) -> None: ...

class Escalation(_message.Message):
    __slots__ = ("reason", "note", "agency", "decided_by", "decided_at")
    REASON_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    AGENCY_FIELD_NUMBER: _ClassVar[int]
    DECIDED_BY_FIELD_NUMBER: _ClassVar[int]
    DECIDED_AT_FIELD_NUMBER: _ClassVar[int]
    reason: str
    note: str
    agency: str
    decided_by: str
    decided_at: _timestamp_pb2.Timestamp
    def __init__(self, reason: _Optional[str] = ..., note: _Optional[str] = ..., agency: _Optional[str] = ..., decided_by: _Optional[str] = ..., decided_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class CaseView(_message.Message):
    __slots__ = ("case_id", "state", "title", "outcome", "cluster_id", "records", "participants", "timeline", "proposals", "recommendations", "actions", "escalation", "analyst_key", "member_keys", "opened_at")
    class MemberKeysEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: bytes
        def __init__(self, key: _Optional[str] = ..., value: _Optional[bytes] = ...) -> None: ...
    CASE_ID_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    CLUSTER_ID_FIELD_NUMBER: _ClassVar[int]
    RECORDS_FIELD_NUMBER: _ClassVar[int]
    PARTICIPANTS_FIELD_NUMBER: _ClassVar[int]
    TIMELINE_FIELD_NUMBER: _ClassVar[int]
    PROPOSALS_FIELD_NUMBER: _ClassVar[int]
    RECOMMENDATIONS_FIELD_NUMBER: _ClassVar[int]
    ACTIONS_FIELD_NUMBER: _ClassVar[int]
    ESCALATION_FIELD_NUMBER: _ClassVar[int]
    ANALYST_KEY_FIELD_NUMBER: _ClassVar[int]
    MEMBER_KEYS_FIELD_NUMBER: _ClassVar[int]
    OPENED_AT_FIELD_NUMBER: _ClassVar[int]
    case_id: str
    state: str
    title: str
    outcome: str
    cluster_id: str
    records: _containers.RepeatedCompositeFieldContainer[CaseRecord]
    participants: _containers.RepeatedScalarFieldContainer[str]
    timeline: _containers.RepeatedCompositeFieldContainer[CaseEntry]
    proposals: _containers.RepeatedCompositeFieldContainer[Proposal]
    recommendations: _containers.RepeatedCompositeFieldContainer[Recommendation]
    actions: _containers.RepeatedCompositeFieldContainer[CaseAction]
    escalation: Escalation
    analyst_key: bytes
    member_keys: _containers.ScalarMap[str, bytes]
    opened_at: _timestamp_pb2.Timestamp
    def __init__(self, case_id: _Optional[str] = ..., state: _Optional[str] = ..., title: _Optional[str] = ..., outcome: _Optional[str] = ..., cluster_id: _Optional[str] = ..., records: _Optional[_Iterable[_Union[CaseRecord, _Mapping]]] = ..., participants: _Optional[_Iterable[str]] = ..., timeline: _Optional[_Iterable[_Union[CaseEntry, _Mapping]]] = ..., proposals: _Optional[_Iterable[_Union[Proposal, _Mapping]]] = ..., recommendations: _Optional[_Iterable[_Union[Recommendation, _Mapping]]] = ..., actions: _Optional[_Iterable[_Union[CaseAction, _Mapping]]] = ..., escalation: _Optional[_Union[Escalation, _Mapping]] = ..., analyst_key: _Optional[bytes] = ..., member_keys: _Optional[_Mapping[str, bytes]] = ..., opened_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ListCasesRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ListCasesResponse(_message.Message):
    __slots__ = ("cases",)
    CASES_FIELD_NUMBER: _ClassVar[int]
    cases: _containers.RepeatedCompositeFieldContainer[CaseView]
    def __init__(self, cases: _Optional[_Iterable[_Union[CaseView, _Mapping]]] = ...) -> None: ...

class GetCaseRequest(_message.Message):
    __slots__ = ("case_id",)
    CASE_ID_FIELD_NUMBER: _ClassVar[int]
    case_id: str
    def __init__(self, case_id: _Optional[str] = ...) -> None: ...

class PostMessageRequest(_message.Message):
    __slots__ = ("case_id", "to_member", "sealed")
    CASE_ID_FIELD_NUMBER: _ClassVar[int]
    TO_MEMBER_FIELD_NUMBER: _ClassVar[int]
    SEALED_FIELD_NUMBER: _ClassVar[int]
    case_id: str
    to_member: str
    sealed: bytes
    def __init__(self, case_id: _Optional[str] = ..., to_member: _Optional[str] = ..., sealed: _Optional[bytes] = ...) -> None: ...

class PostMessageResponse(_message.Message):
    __slots__ = ("message_id",)
    MESSAGE_ID_FIELD_NUMBER: _ClassVar[int]
    message_id: str
    def __init__(self, message_id: _Optional[str] = ...) -> None: ...

class ListMessagesRequest(_message.Message):
    __slots__ = ("case_id",)
    CASE_ID_FIELD_NUMBER: _ClassVar[int]
    case_id: str
    def __init__(self, case_id: _Optional[str] = ...) -> None: ...

class SealedMessage(_message.Message):
    __slots__ = ("message_id", "from_role", "member", "sender_key", "recipient_key", "sealed", "at")
    MESSAGE_ID_FIELD_NUMBER: _ClassVar[int]
    FROM_ROLE_FIELD_NUMBER: _ClassVar[int]
    MEMBER_FIELD_NUMBER: _ClassVar[int]
    SENDER_KEY_FIELD_NUMBER: _ClassVar[int]
    RECIPIENT_KEY_FIELD_NUMBER: _ClassVar[int]
    SEALED_FIELD_NUMBER: _ClassVar[int]
    AT_FIELD_NUMBER: _ClassVar[int]
    message_id: str
    from_role: str
    member: str
    sender_key: bytes
    recipient_key: bytes
    sealed: bytes
    at: _timestamp_pb2.Timestamp
    def __init__(self, message_id: _Optional[str] = ..., from_role: _Optional[str] = ..., member: _Optional[str] = ..., sender_key: _Optional[bytes] = ..., recipient_key: _Optional[bytes] = ..., sealed: _Optional[bytes] = ..., at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ListMessagesResponse(_message.Message):
    __slots__ = ("messages",)
    MESSAGES_FIELD_NUMBER: _ClassVar[int]
    messages: _containers.RepeatedCompositeFieldContainer[SealedMessage]
    def __init__(self, messages: _Optional[_Iterable[_Union[SealedMessage, _Mapping]]] = ...) -> None: ...

class BrokerRequest(_message.Message):
    __slots__ = ("case_id", "member_a", "member_b", "note")
    CASE_ID_FIELD_NUMBER: _ClassVar[int]
    MEMBER_A_FIELD_NUMBER: _ClassVar[int]
    MEMBER_B_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    case_id: str
    member_a: str
    member_b: str
    note: str
    def __init__(self, case_id: _Optional[str] = ..., member_a: _Optional[str] = ..., member_b: _Optional[str] = ..., note: _Optional[str] = ...) -> None: ...

class BrokerResponse(_message.Message):
    __slots__ = ("proposal_id",)
    PROPOSAL_ID_FIELD_NUMBER: _ClassVar[int]
    proposal_id: str
    def __init__(self, proposal_id: _Optional[str] = ...) -> None: ...

class ConsentRequest(_message.Message):
    __slots__ = ("proposal_id", "self_sealed")
    PROPOSAL_ID_FIELD_NUMBER: _ClassVar[int]
    SELF_SEALED_FIELD_NUMBER: _ClassVar[int]
    proposal_id: str
    self_sealed: bytes
    def __init__(self, proposal_id: _Optional[str] = ..., self_sealed: _Optional[bytes] = ...) -> None: ...

class ConsentResponse(_message.Message):
    __slots__ = ("agreed", "peer_key")
    AGREED_FIELD_NUMBER: _ClassVar[int]
    PEER_KEY_FIELD_NUMBER: _ClassVar[int]
    agreed: bool
    peer_key: bytes
    def __init__(self, agreed: _Optional[bool] = ..., peer_key: _Optional[bytes] = ...) -> None: ...

class DeclineRequest(_message.Message):
    __slots__ = ("proposal_id",)
    PROPOSAL_ID_FIELD_NUMBER: _ClassVar[int]
    proposal_id: str
    def __init__(self, proposal_id: _Optional[str] = ...) -> None: ...

class DeclineResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class RevealRequest(_message.Message):
    __slots__ = ("proposal_id", "sealed")
    PROPOSAL_ID_FIELD_NUMBER: _ClassVar[int]
    SEALED_FIELD_NUMBER: _ClassVar[int]
    proposal_id: str
    sealed: bytes
    def __init__(self, proposal_id: _Optional[str] = ..., sealed: _Optional[bytes] = ...) -> None: ...

class RevealResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ReferRequest(_message.Message):
    __slots__ = ("case_id", "position")
    CASE_ID_FIELD_NUMBER: _ClassVar[int]
    POSITION_FIELD_NUMBER: _ClassVar[int]
    case_id: str
    position: str
    def __init__(self, case_id: _Optional[str] = ..., position: _Optional[str] = ...) -> None: ...

class ReferResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class AddNoteRequest(_message.Message):
    __slots__ = ("case_id", "text")
    CASE_ID_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    case_id: str
    text: str
    def __init__(self, case_id: _Optional[str] = ..., text: _Optional[str] = ...) -> None: ...

class AddNoteResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class RecommendRequest(_message.Message):
    __slots__ = ("case_id", "text", "recommendation_id")
    CASE_ID_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    RECOMMENDATION_ID_FIELD_NUMBER: _ClassVar[int]
    case_id: str
    text: str
    recommendation_id: str
    def __init__(self, case_id: _Optional[str] = ..., text: _Optional[str] = ..., recommendation_id: _Optional[str] = ...) -> None: ...

class RecommendResponse(_message.Message):
    __slots__ = ("recommendation", "quorum")
    RECOMMENDATION_FIELD_NUMBER: _ClassVar[int]
    QUORUM_FIELD_NUMBER: _ClassVar[int]
    recommendation: Recommendation
    quorum: int
    def __init__(self, recommendation: _Optional[_Union[Recommendation, _Mapping]] = ..., quorum: _Optional[int] = ...) -> None: ...

class EscalateRequest(_message.Message):
    __slots__ = ("case_id", "reason", "note", "agency")
    CASE_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    AGENCY_FIELD_NUMBER: _ClassVar[int]
    case_id: str
    reason: str
    note: str
    agency: str
    def __init__(self, case_id: _Optional[str] = ..., reason: _Optional[str] = ..., note: _Optional[str] = ..., agency: _Optional[str] = ...) -> None: ...

class EscalateResponse(_message.Message):
    __slots__ = ("stix_bundle",)
    STIX_BUNDLE_FIELD_NUMBER: _ClassVar[int]
    stix_bundle: str
    def __init__(self, stix_bundle: _Optional[str] = ...) -> None: ...

class GetCaseStixRequest(_message.Message):
    __slots__ = ("case_id",)
    CASE_ID_FIELD_NUMBER: _ClassVar[int]
    case_id: str
    def __init__(self, case_id: _Optional[str] = ...) -> None: ...

class GetCaseStixResponse(_message.Message):
    __slots__ = ("stix_bundle",)
    STIX_BUNDLE_FIELD_NUMBER: _ClassVar[int]
    stix_bundle: str
    def __init__(self, stix_bundle: _Optional[str] = ...) -> None: ...

class RecordCaseActionRequest(_message.Message):
    __slots__ = ("case_id", "kind", "outcome", "date", "lessons")
    CASE_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    DATE_FIELD_NUMBER: _ClassVar[int]
    LESSONS_FIELD_NUMBER: _ClassVar[int]
    case_id: str
    kind: str
    outcome: str
    date: str
    lessons: str
    def __init__(self, case_id: _Optional[str] = ..., kind: _Optional[str] = ..., outcome: _Optional[str] = ..., date: _Optional[str] = ..., lessons: _Optional[str] = ...) -> None: ...

class RecordCaseActionResponse(_message.Message):
    __slots__ = ("action_id",)
    ACTION_ID_FIELD_NUMBER: _ClassVar[int]
    action_id: str
    def __init__(self, action_id: _Optional[str] = ...) -> None: ...

class CloseCaseRequest(_message.Message):
    __slots__ = ("case_id", "outcome")
    CASE_ID_FIELD_NUMBER: _ClassVar[int]
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    case_id: str
    outcome: str
    def __init__(self, case_id: _Optional[str] = ..., outcome: _Optional[str] = ...) -> None: ...
