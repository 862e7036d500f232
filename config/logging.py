"""Log formatting that never writes a signer's email address in full."""

import logging
import re

# An address, also as a URL carries it ("juana%40example.org", "juana%2Bx%40example.org").
_LOCAL = r"([\w.+-])(?:[\w.+-]|%[0-9A-Fa-f]{2})*"
_DOMAIN = r"((?:[\w-]|%[0-9A-Fa-f]{2})+(?:\.[\w-]+)+)"
EMAIL = re.compile(_LOCAL + r"(@|%40)" + _DOMAIN)


def mask_emails(text: str) -> str:
    """juana.mamani@example.org -> j***@example.org (and j***%40example.org in a URL)"""
    if "@" not in text and "%40" not in text:
        return text
    return EMAIL.sub(r"\1***\2\3", text)


class MaskingFormatter(logging.Formatter):
    """Masks email addresses in the whole formatted record, tracebacks included."""

    def format(self, record: logging.LogRecord) -> str:
        return mask_emails(super().format(record))
