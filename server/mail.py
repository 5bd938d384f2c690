"""Sending mail: by SMTP when SMTP_HOST is set, else into var/mail/ as .eml files (one per
message), so development and tests read what would have been sent."""

import logging
import secrets
import smtplib
from email.message import EmailMessage
from pathlib import Path

from server.config import Settings
from server.db import utcnow

log = logging.getLogger("cadence.mail")


def mail_dir(settings: Settings) -> Path:
    return settings.var_dir / "mail"


def send(*, settings: Settings, to: str, subject: str, body: str) -> None:
    message = EmailMessage()
    message["From"] = settings.mail_from
    message["To"] = to
    message["Subject"] = subject
    message.set_content(body)
    if settings.smtp_host:
        with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=30) as smtp:
            if settings.smtp_starttls:
                smtp.starttls()
            if settings.smtp_username:
                smtp.login(settings.smtp_username, settings.smtp_password)
            smtp.send_message(message)
        return
    folder = mail_dir(settings)
    folder.mkdir(parents=True, exist_ok=True)
    name = f"{utcnow():%Y%m%dT%H%M%S%f}-{secrets.token_hex(4)}.eml"  # sorts in sending order
    (folder / name).write_bytes(bytes(message))
    # The address and subject only: the body can hold a one-time link.
    log.warning("mail to %s (%s) written to %s: no SMTP_HOST is set", to, subject, folder / name)
