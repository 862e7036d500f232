"""Log formatting that never writes a signer's email address in full."""

import logging
import re

EMAIL = re.compile(r"([A-Za-z0-9._%+-])[A-Za-z0-9._%+-]*@([A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)")


def mask_emails(text: str) -> str:
    """juana.mamani@example.org -> j***@example.org"""
    return EMAIL.sub(r"\1***@\2", text) if "@" in text else text


class MaskingFormatter(logging.Formatter):
    """Masks email addresses in the whole formatted record, tracebacks included."""

    def format(self, record: logging.LogRecord) -> str:
        return mask_emails(super().format(record))
