"""Renderers for reports a person opens in a spreadsheet: CSV and Excel (.xlsx).

They render what the view hands them, a `signatures.exports.Table` (a header and rows of
Python values); the view decides the rows. Errors are not tables: a view using these renderers
takes `ErrorsAsJSON`, so a 401, 403, 404 or 422 is answered in JSON like every other error of
the API, whatever the client asked for (a spreadsheet reading "not found" helps no one, and
refusing with 406 would hide the real answer).
"""

from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.response import Response

from signatures.exports import CSV_MEDIA_TYPE, XLSX_MEDIA_TYPE, Table, table_csv, table_xlsx


def _table(data, renderer: BaseRenderer) -> Table:
    if not isinstance(data, Table):
        raise TypeError(
            f"{type(renderer).__name__} renders a Table, not {type(data).__name__}; "
            "a view using it takes ErrorsAsJSON so that its errors are answered in JSON"
        )
    return data


class CSVRenderer(BaseRenderer):
    """UTF-8 with a byte order mark (so Excel keeps the accents), formula-like text
    neutralised. Rendered whole: a view with many rows streams its CSV itself."""

    media_type = CSV_MEDIA_TYPE
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None) -> bytes:
        return "".join(table_csv(_table(data, self))).encode(self.charset)


class XLSXRenderer(BaseRenderer):
    """One sheet, numbers as numbers, moments as Excel dates (UTC), text always as text."""

    media_type = XLSX_MEDIA_TYPE
    format = "xlsx"
    charset = None  # binary
    render_style = "binary"

    def render(self, data, accepted_media_type=None, renderer_context=None) -> bytes:
        return table_xlsx(_table(data, self))


class ErrorsAsJSON:
    """For an APIView whose renderers write files: an error response is rendered as JSON.

    DRF renders an exception's response with the renderer negotiated for the request (or,
    when negotiation itself failed, with the first one); here any 4xx or 5xx `Response`
    switches to JSON before DRF finalises it."""

    def finalize_response(self, request, response, *args, **kwargs):
        if isinstance(response, Response) and response.status_code >= 400:
            request.accepted_renderer = JSONRenderer()
            request.accepted_media_type = JSONRenderer.media_type
        return super().finalize_response(request, response, *args, **kwargs)
