"""The error types services raise when they refuse a request.

Field-level problems are Django `ValidationError`s (keyed by field); everything else a
service refuses is a `DomainError` whose `status` the API and the pages turn into a 4xx.
"""


class DomainError(Exception):
    status = 400
    code = "invalid"

    def __init__(self, message: str = "", *, code: str | None = None, status: int | None = None):
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        if status is not None:
            self.status = status


class NotAuthenticated(DomainError):
    status = 401
    code = "not_authenticated"


class NotAllowed(DomainError):
    status = 403
    code = "not_allowed"


class NotFound(DomainError):
    status = 404
    code = "not_found"


class Conflict(DomainError):
    status = 409
    code = "conflict"


class RateLimited(DomainError):
    """Too many attempts: try again in `retry_after` seconds (the views send Retry-After)."""

    status = 429
    code = "rate_limited"

    def __init__(self, message: str = "", *, retry_after: int):
        super().__init__(message)
        self.retry_after = retry_after
