"""The export in the formats a spreadsheet opens: CSV that Excel reads with its accents, and
an .xlsx workbook with the same rows; negotiated from Accept and ?format=, errors in JSON."""

import csv
import io
from datetime import datetime

import pytest
from openpyxl import load_workbook
from openpyxl.worksheet import _writer as openpyxl_writer

from api.renderers import CSVRenderer, XLSXRenderer
from signatures import exports
from signatures.exports import BOM, HEADER, SHEET_HEADER, XLSX_MEDIA_TYPE
from tests.factories import sign

pytestmark = pytest.mark.django_db

CSV_ACCEPT = "text/csv"


def url(campaign) -> str:
    return f"/api/v1/campaigns/{campaign.slug}/signatures/export/"


def csv_rows(response) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(body)))


def sheet_rows(content: bytes) -> list[tuple]:
    workbook = load_workbook(io.BytesIO(content))
    assert workbook.sheetnames == ["Signatures"]
    return list(workbook["Signatures"].iter_rows(values_only=True))


@pytest.fixture
def signed(campaign_a):
    sign(campaign_a, name="María Ñusta", email="maria@example.org", postal_code="0201")
    sign(campaign_a, name="Conceição", email="conceicao@example.org", comment="Força!")
    return campaign_a


def test_accept_text_csv_answers_the_csv_where_it_used_to_answer_406(api, organiser_a, signed):
    """DRF negotiated only JSON for this view, so `Accept: text/csv` was refused with 406."""
    api.force_authenticate(organiser_a)
    response = api.get(url(signed), HTTP_ACCEPT=CSV_ACCEPT)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="campaign-a-signatures.csv"'
    assert response["Cache-Control"] == "private, no-store"
    assert "Accept" in response["Vary"]
    body = b"".join(response.streaming_content)
    assert body.startswith(BOM.encode("utf-8"))  # EF BB BF: Excel then reads UTF-8
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert rows[0] == HEADER
    assert [row[HEADER.index("name")] for row in rows[1:]] == ["María Ñusta", "Conceição"]


@pytest.mark.parametrize(
    ("accept", "query"),
    [
        (None, ""),
        ("*/*", ""),
        ("text/html,application/xhtml+xml,*/*;q=0.8", ""),  # a browser following a link
        (CSV_ACCEPT, "?format=csv"),
        (None, "?format=csv"),
    ],
)
def test_the_csv_is_the_default(api, organiser_a, signed, accept, query):
    api.force_authenticate(organiser_a)
    headers = {"HTTP_ACCEPT": accept} if accept else {}
    response = api.get(url(signed) + query, **headers)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert len(csv_rows(response)) == 3


@pytest.mark.parametrize(
    ("accept", "query"), [(None, "?format=xlsx"), (XLSX_MEDIA_TYPE, ""), ("*/*", "?format=xlsx")]
)
def test_the_workbook_holds_the_csvs_rows_with_numbers_and_dates_typed(
    api, organiser_a, signed, accept, query
):
    api.force_authenticate(organiser_a)
    headers = {"HTTP_ACCEPT": accept} if accept else {}
    response = api.get(url(signed) + query, **headers)
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX_MEDIA_TYPE
    assert response["Content-Disposition"] == 'attachment; filename="campaign-a-signatures.xlsx"'
    assert response["Cache-Control"] == "private, no-store"
    header, *rows = sheet_rows(response.content)
    assert list(header) == SHEET_HEADER
    assert "created (UTC)" in header

    csv_header, *from_csv = csv_rows(api.get(url(signed), HTTP_ACCEPT=CSV_ACCEPT))
    assert len(rows) == len(from_csv) == 2
    for cells, texts in zip(rows, from_csv, strict=True):
        for name, cell, text in zip(csv_header, cells, texts, strict=True):
            if isinstance(cell, datetime):
                # Excel keeps milliseconds; the CSV says the offset (always UTC).
                assert cell.tzinfo is None
                moment = datetime.fromisoformat(text)
                assert moment.utcoffset().total_seconds() == 0
                assert abs((moment.replace(tzinfo=None) - cell).total_seconds()) < 0.001, name
            elif cell is None:
                assert text == "", name
            else:
                assert str(cell) == text, name
    first = dict(zip(csv_header, rows[0], strict=True))
    assert isinstance(first["id"], int)
    assert isinstance(first["consent_version"], int)
    assert isinstance(first["created"], datetime)
    assert isinstance(first["consented_at"], datetime)
    assert first["confirmed_at"] is None or isinstance(first["confirmed_at"], datetime)
    assert first["name"] == "María Ñusta"
    assert first["postal_code"] == "0201"  # text stays text: the leading zero is kept
    assert dict(zip(csv_header, rows[1], strict=True))["name"] == "Conceição"


@pytest.mark.parametrize("dangerous", ['=HYPERLINK("http://evil","x")', "+1+1", "-2+3", "@SUM(A1)"])
def test_formula_like_text_is_neutralised_and_stored_as_text_in_both(
    api, organiser_a, campaign_a, dangerous
):
    sign(campaign_a, name=dangerous, comment=dangerous)
    api.force_authenticate(organiser_a)
    from_csv = dict(zip(HEADER, csv_rows(api.get(url(campaign_a)))[1], strict=True))
    assert from_csv["name"] == from_csv["comment"] == "'" + dangerous

    content = api.get(url(campaign_a) + "?format=xlsx").content
    row = next(load_workbook(io.BytesIO(content))["Signatures"].iter_rows(min_row=2))
    cells = dict(zip(HEADER, row, strict=True))
    for name in ("name", "comment"):
        assert cells[name].data_type == "s"  # a string, never a formula ("f")
        assert cells[name].value == "'" + dangerous
    assert b"<f>" not in content  # no formula anywhere in the workbook


def test_text_that_looks_like_an_error_value_stays_text(campaign_a):
    table = exports.Table(header=["a", "b"], rows=[("#N/A", "=1+1")], title="T")
    sheet = load_workbook(io.BytesIO(exports.table_xlsx(table)))["T"]
    a, b = next(sheet.iter_rows(min_row=2))
    assert (a.data_type, a.value) == ("s", "#N/A")
    assert (b.data_type, b.value) == ("s", "'=1+1")


@pytest.mark.parametrize("accept", [CSV_ACCEPT, XLSX_MEDIA_TYPE])
def test_refusals_keep_their_status_in_json_whatever_was_asked(
    api, campaign_a, organiser_b, accept
):
    """Errors are rendered as JSON, not by the file renderers: never a 406 or a 500."""
    anonymous = api.get(url(campaign_a), HTTP_ACCEPT=accept)
    assert anonymous.status_code == 401
    assert anonymous["Content-Type"] == "application/json"
    assert anonymous.json()["detail"]
    api.force_authenticate(organiser_b)
    for query in ("", "?format=xlsx", "?format=csv"):
        other = api.get(url(campaign_a) + query, HTTP_ACCEPT=accept if not query else "*/*")
        assert other.status_code == 403
        assert other["Content-Type"] == "application/json"
        assert other.json()["code"] == "not_allowed"


def test_a_draft_of_another_organisation_is_not_found(api, draft_a, organiser_b):
    api.force_authenticate(organiser_b)
    response = api.get(url(draft_a), HTTP_ACCEPT=CSV_ACCEPT)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"


def test_a_format_the_export_does_not_have_is_refused_in_json(api, organiser_a, campaign_a):
    api.force_authenticate(organiser_a)
    unknown = api.get(url(campaign_a) + "?format=pdf")
    assert unknown.status_code == 404
    assert unknown["Content-Type"] == "application/json"
    only_json = api.get(url(campaign_a), HTTP_ACCEPT="application/json")
    assert only_json.status_code == 406  # the export has no JSON form; the answer says so
    assert only_json["Content-Type"] == "application/json"


def test_past_a_sheets_rows_the_workbook_is_refused_pointing_to_the_csv(
    api, organiser_a, campaign_a, monkeypatch
):
    monkeypatch.setattr(exports, "XLSX_MAX_ROWS", 3)  # the header and two signatures
    for n in range(4):
        sign(campaign_a, email=f"p{n}@example.org")
    api.force_authenticate(organiser_a)
    response = api.get(url(campaign_a) + "?format=xlsx")
    assert response.status_code == 422
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert (body["code"], body["rows"], body["limit"]) == ("too_many_rows", 4, 3)
    assert body["csv_url"] == f"http://testserver{url(campaign_a)}?format=csv"
    assert "CSV" in body["detail"]
    # The CSV has no such limit.
    assert len(csv_rows(api.get(body["csv_url"]))) == 5


def test_rows_arriving_after_the_count_cannot_overflow_the_sheet(monkeypatch):
    monkeypatch.setattr(exports, "XLSX_MAX_ROWS", 3)
    temporary = set(openpyxl_writer.ALL_TEMP_FILES)
    table = exports.Table(header=["n"], rows=[(n,) for n in range(3)])
    with pytest.raises(exports.TooManyRows):
        exports.table_xlsx(table)
    # The half-written sheet's temporary file is gone, not left until the worker exits.
    assert set(openpyxl_writer.ALL_TEMP_FILES) == temporary


def test_the_csv_renderer_writes_a_table_with_the_bom_and_neutralised(campaign_a):
    """The renderers are generic (a results report will use them): any Table renders."""
    table = exports.Table(header=["country", "signatures"], rows=[("Perú", 3), ("=x", None)])
    assert CSVRenderer().render(table) == (BOM + "country,signatures\nPerú,3\n'=x,\n").encode()
    assert sheet_rows_of(XLSXRenderer().render(table)) == [
        ("country", "signatures"),
        ("Perú", 3),
        ("'=x", None),
    ]


def sheet_rows_of(content: bytes) -> list[tuple]:
    return list(load_workbook(io.BytesIO(content)).active.iter_rows(values_only=True))


def test_organisers_download_the_workbook_from_the_dashboard(client, organiser_a, signed):
    client.force_login(organiser_a)
    page = client.get(f"/dashboard/c/{signed.slug}/")
    assert page.status_code == 200
    assert f'href="/dashboard/c/{signed.slug}/export.xlsx"'.encode() in page.content
    response = client.get(f"/dashboard/c/{signed.slug}/export.xlsx")
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX_MEDIA_TYPE
    assert response["Content-Disposition"] == 'attachment; filename="campaign-a-signatures.xlsx"'
    assert response["Cache-Control"] == "private, no-store"
    _header, *rows = sheet_rows(response.content)
    assert [row[SHEET_HEADER.index("name")] for row in rows] == ["María Ñusta", "Conceição"]
    # The CSV beside it keeps its byte order mark.
    csv_file = client.get(f"/dashboard/c/{signed.slug}/export.csv")
    assert b"".join(csv_file.streaming_content).startswith(BOM.encode())


def test_past_a_sheets_rows_the_dashboard_says_to_take_the_csv(
    client, organiser_a, campaign_a, monkeypatch
):
    monkeypatch.setattr(exports, "XLSX_MAX_ROWS", 3)
    for n in range(4):
        sign(campaign_a, email=f"p{n}@example.org")
    client.force_login(organiser_a)
    response = client.get(
        f"/dashboard/c/{campaign_a.slug}/export.xlsx", follow=True, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.redirect_chain == [(f"/dashboard/c/{campaign_a.slug}/", 302)]
    assert b"download the CSV instead" in response.content


def test_viewers_and_other_organisations_get_no_workbook(client, viewer_a, organiser_b, signed):
    path = f"/dashboard/c/{signed.slug}/export.xlsx"
    assert client.get(path).status_code == 302  # to the login page
    client.force_login(viewer_a)
    assert client.get(path).status_code == 403
    client.force_login(organiser_b)
    assert client.get(path).status_code == 404
