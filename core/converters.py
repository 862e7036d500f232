"""URL path converters every app's URLs use."""


class IdConverter:
    """A row id: at most 18 digits, so it always fits a 64-bit integer. A longer number (a
    20-digit id) is simply no page (404), instead of an overflow in the database driver."""

    regex = "[0-9]{1,18}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value) -> str:
        return str(int(value))
