"""The web consoles: pages for the people who use the network (see docs/console.md).

* :mod:`msin_fed.web.node_console`: ``msin node console``, beside a member's node, for its
  nominated users, and the staff concern form that needs no account; its case pages are
  :mod:`msin_fed.web.node_cases`;
* :mod:`msin_fed.web.analyst_console`: ``msin coordinator console``, STTG's analysts, a
  separate process calling the coordinator over gRPC with its own analyst certificate;
  its case pages are :mod:`msin_fed.web.analyst_cases`;
* :mod:`msin_fed.web.advisory_console`: ``msin advisory console``, one adviser of the
  Advisory Group, a separate process calling the coordinator with that adviser's own
  advisory certificate.

What they share: :mod:`~msin_fed.web.app` (templates, sessions, sign-in, CSRF-checked
forms), :mod:`~msin_fed.web.security` (headers, sessions, limits),
:mod:`~msin_fed.web.accounts` (Argon2id passwords and TOTP), :mod:`~msin_fed.web.text`
(stored text made safe to show), :mod:`~msin_fed.web.server` (HTTPS on the service's own
certificate). Pages use the GOV.UK Design System, whose built assets ship in
``static/govuk`` (MIT licence; rebuilt by ``scripts/build_web_assets.sh``).
"""

from .accounts import Account, AccountStore, NewAccount
from .server import start_console, wait_https
from .text import visible

__all__ = ["Account", "AccountStore", "NewAccount", "start_console", "visible", "wait_https"]
