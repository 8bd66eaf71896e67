"""The member node: secure store, sharing workflow, outbox and inbox (installed as ``msin_fed.node``).

The public surface is :class:`Node` (the embeddable API), its configuration and keys.
See docs/node.md for an example.
"""

from .api import Alert, ImportResult, LocalMatch, Node, SyncReport
from .cases import Contact, MemberCases
from .config import HolderAddress, NodeConfig, load_config
from .keys import KeyFile, Passphrase, write_key_file
from .share import SharePreview
from .store import SecureStore, ShareState
from .views import NodeStatus, OutboxEntry, ReportState, ShareOutcome

__all__ = [
    "Alert",
    "Contact",
    "HolderAddress",
    "ImportResult",
    "KeyFile",
    "LocalMatch",
    "MemberCases",
    "Node",
    "NodeConfig",
    "NodeStatus",
    "OutboxEntry",
    "Passphrase",
    "ReportState",
    "SecureStore",
    "ShareOutcome",
    "SharePreview",
    "ShareState",
    "SyncReport",
    "load_config",
    "write_key_file",
]
