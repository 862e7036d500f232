"""Conditional GETs for the public figures, so browsers and CDNs absorb the polling."""

from django.utils.http import http_date, quote_etag
from rest_framework.response import Response


def cached_response(
    request, data, *, etag: str, last_modified=None, public: bool = True, max_age: int = 10
) -> Response:
    """200 with ETag/Last-Modified, or 304 when the client already has this version."""
    etag = quote_etag(etag)
    headers = {"ETag": etag}
    if last_modified is not None:
        headers["Last-Modified"] = http_date(last_modified.timestamp())
    if public:
        headers["Cache-Control"] = f"public, max-age={max_age}, stale-while-revalidate=60"
    else:
        headers["Cache-Control"] = "private, no-cache"
    if etag_matches(request, etag):
        return Response(status=304, headers=headers)
    return Response(data, headers=headers)


def etag_matches(request, etag: str) -> bool:
    """Whether the client already holds this version (If-None-Match)."""
    if_none_match = request.headers.get("If-None-Match", "")
    # Weak comparison (RFC 9110 13.1.2): GZipMiddleware hands a compressed answer's ETag out
    # weakened (W/"..."), and that is what the browser sends back.
    asked = [tag.strip().removeprefix("W/") for tag in if_none_match.split(",")]
    return etag in asked or if_none_match.strip() == "*"
