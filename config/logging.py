"""Log formatting that never writes a signer's email address or phone number in full."""

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


# A phone number in international form, as stored (+59171234567), typed (+591 7123-4567) or
# in a URL (%2B59171234567): a "+" and 7 to 15 digits. Dates, times and ids have no "+". The
# unbroken form is tried first, so a number followed by " 200" keeps its neighbour.
PHONE = re.compile(r"(\+|%2[Bb])(\d)(?:\d{5,13}(\d)(?!\d)|(?:[ \-.]?\d){5,13}(\d)(?!\d))")


def mask_phones(text: str) -> str:
    """+59171234567 -> +5***7"""
    if "+" not in text and "%2" not in text:
        return text
    return PHONE.sub(lambda m: f"{m[1]}{m[2]}***{m[3] or m[4]}", text)


def mask_personal(text: str) -> str:
    return mask_phones(mask_emails(text))


class MaskingFormatter(logging.Formatter):
    """Masks email addresses and phone numbers in the whole formatted record, tracebacks
    included."""

    def format(self, record: logging.LogRecord) -> str:
        return mask_personal(super().format(record))
