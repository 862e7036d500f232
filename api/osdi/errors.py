"""OSDI's error object, in English: what the OSDI views answer for every error, and what the
site-wide answers (config.middleware, config.views) give under /api/osdi/ for what fails
before an OSDI view runs (a body too large, the database away, a crash)."""

from django.http import JsonResponse


def is_osdi(path: str) -> bool:
    return path == "/api/osdi" or path.startswith("/api/osdi/")


def error_body(
    description: str, *, status: int, code: str, resource: str = "", properties=()
) -> dict:
    """The resource at fault, a code, a description and the properties concerned; with
    Action Network's `error` beside it, which its clients print."""
    description = str(description)
    return {
        "request_type": "atomic",
        "response_code": status,
        "resource_status": [
            {
                "resource": resource,
                "response_code": status,
                "errors": [
                    {"code": code, "description": description, "properties": list(properties)}
                ],
            }
        ],
        "error": description,
    }


def error_response(description: str, *, status: int, code: str) -> JsonResponse:
    response = JsonResponse(
        error_body(description, status=status, code=code),
        status=status,
        content_type="application/hal+json",
    )
    response["Content-Language"] = "en"
    return response
