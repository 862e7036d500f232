"""The one error type that services raise when they refuse a request.

Field-level problems are Django `ValidationError`s (keyed by field); everything else a
service refuses is a `DomainError` whose `status` the API and the pages turn into a 4xx.
"""


class DomainError(Exception):
    status = 400
    code = "invalid"

    def __init__(self, message: str, *, code: str | None = None, status: int | None = None):
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        if status is not None:
            self.status = status


class NotAllowed(DomainError):
    status = 403
    code = "not_allowed"


class Conflict(DomainError):
    status = 409
    code = "conflict"
