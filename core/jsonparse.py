"""The one JSON reader of every request body: the API's parser and the signing hot path both
read through here, so what one refuses the other refuses too.

Python's json module raises RecursionError on a body of nothing but "[[[[…" (a 500 wherever
it was not caught), and it accepts a lone UTF-16 surrogate ("\\ud800"), which no UTF-8 column
can store (a 500 at the database). Both are the client's input: a clear error here.
"""

import json
import re

# A high surrogate escape not followed by a low one, or a low one not preceded by a high one.
_LONE_SURROGATE = re.compile(
    r"\\u[dD][89abAB][0-9a-fA-F]{2}(?!\\u[dD][c-fC-F][0-9a-fA-F]{2})"
    r"|(?<!\\u[dD][89abAB][0-9a-fA-F]{2})\\u[dD][c-fC-F][0-9a-fA-F]{2}"
)


class InvalidJSON(ValueError):
    """The body is not JSON we read; the message says why, in plain words."""


def loads(body: bytes | str):
    """Parse a request body. Raises InvalidJSON, never anything else."""
    try:
        text = body.decode("utf-8") if isinstance(body, bytes | bytearray) else body
    except UnicodeDecodeError:
        raise InvalidJSON("JSON parse error - the body is not UTF-8.") from None
    if "\\u" in text and _LONE_SURROGATE.search(text):
        raise InvalidJSON("JSON parse error - a lone surrogate (\\ud800-\\udfff) is no text.")
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise InvalidJSON(f"JSON parse error - {error}") from None
    except RecursionError:
        raise InvalidJSON("JSON parse error - nested too deeply.") from None
