"""Optional e-mail of alerts through SMTP (:mod:`smtplib`).

The message holds exactly what every member's AlertEvent holds: the redacted summary
and coarse facts (region, sector, exploitation type, grade, TLP). No record id.
"""

from __future__ import annotations

import smtplib
from email.message import EmailMessage

from msin_fed.model.events import AlertEvent

from .config import SmtpConfig

__all__ = ["AlertMailer"]


class AlertMailer:
    """Sends one e-mail per alert to the configured recipients."""

    def __init__(self, config: SmtpConfig) -> None:
        self.config = config

    def message(self, alert: AlertEvent) -> EmailMessage:
        """The e-mail for an alert."""
        tlp = alert.tlp.value if alert.tlp is not None else "UNKNOWN"
        msg = EmailMessage()
        msg["From"] = self.config.sender
        msg["To"] = ", ".join(self.config.recipients)
        msg["Subject"] = f"[TLP:{tlp}] MSIN alert: {alert.exploitation_type} in {alert.region}"
        msg.set_content(
            "\n".join(
                [
                    f"TLP:{tlp}",
                    f"Alert: {alert.alert_id}",
                    f"Raised by: {alert.raised_by_role}",
                    f"Region: {alert.region}",
                    f"Sector: {alert.sector}",
                    f"Exploitation type: {alert.exploitation_type}",
                    "",
                    alert.summary,
                    "",
                    "Subscribe to the coordinator for details shared with your organisation.",
                ]
            )
        )
        return msg

    def __call__(self, alert: AlertEvent) -> None:
        """Send the alert's e-mail."""
        with smtplib.SMTP(self.config.host, self.config.port, timeout=self.config.timeout) as smtp:
            smtp.send_message(self.message(alert))
