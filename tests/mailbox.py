"""What Cadence would have mailed: the .eml files written to var/mail/ (no SMTP_HOST)."""

import re
from email import message_from_bytes, policy
from email.message import EmailMessage

from server.config import Settings
from server.mail import mail_dir

LINK_RE = re.compile(r"https?://\S+/invitations/(\S+)")


def messages(settings: Settings) -> list[EmailMessage]:
    folder = mail_dir(settings)
    if not folder.exists():
        return []
    found = []
    for path in sorted(folder.glob("*.eml")):
        message = message_from_bytes(path.read_bytes(), policy=policy.default)
        assert isinstance(message, EmailMessage)
        found.append(message)
    return found


def body(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    assert part is not None
    return str(part.get_content())


def invitation_token(settings: Settings, to: str) -> str:
    """The token of the newest invitation mailed to `to`."""
    sent = [m for m in messages(settings) if m["To"] == to]
    assert sent, f"no mail to {to}"
    match = LINK_RE.search(body(sent[-1]))
    assert match, body(sent[-1])
    return match.group(1)
