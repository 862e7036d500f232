"""The results report as files: the figures of `results.selectors` as sheets (a workbook:
the indicators, then one sheet per breakdown) or as one long table (the CSV), with headers in
the language active for the request. Numbers stay numbers and dates stay dates; text is made
safe for spreadsheets as in the signatures export."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from io import BytesIO

from django.utils.translation import gettext as _
from openpyxl import Workbook

from signatures.exports import BOM, Table, xlsx_cell


@dataclass(frozen=True)
class Sheet:
    title: str
    header: Sequence[str]
    rows: list[list]
    # Number formats by column index: "0.00" for a ratio, "0.0%" for a share.
    formats: dict[int, str]


def _dimension_names() -> dict[str, str]:
    return {
        "country": _("By country"),
        "region": _("By region"),
        "source": _("By source"),
        "collector": _("By collector"),
        "channel": _("By channel"),
        "partner": _("By partner"),
        "stance": _("By stance"),
    }


def _indicator_header() -> list[str]:
    return [
        _("Indicator"),
        _("Key"),
        _("Unit"),
        _("Baseline"),
        _("Baseline from"),
        _("Baseline to"),
        _("Target"),
        _("Due"),
        _("Actual"),
        _("Change"),
        _("Actual ÷ baseline"),
        _("Progress to target"),
        _("Counted from"),
    ]


def _source_name(source: str) -> str:
    return _("the records") if source == "tally" else _("recorded values")


def _indicator_row(line: dict, prefix: Sequence = ()) -> list:
    return [
        *prefix,
        line["label"],
        line["key"],
        line["unit"],
        line["baseline"],
        line.get("baseline_from"),
        line.get("baseline_to"),
        line["target"],
        line["due"],
        line["actual"],
        line["change"]["absolute"],
        line["change"]["ratio"],
        line["progress"],
        _source_name(line["source"]),
    ]


def report_sheets(results: dict) -> list[Sheet]:
    """The workbook's sheets: about the report, the indicators, one per breakdown, the
    recorded categories, and (for an organisation) each campaign's figures."""
    period = results["period"]
    about = [
        [_("Organisation"), results.get("name") or results.get("organisation")],
        [_("From"), period["from"]],
        [_("To"), period["to"]],
    ]
    if results.get("campaign"):
        about.insert(1, [_("Campaign"), results["campaign"]])
    sheets = [Sheet(_("Report"), [_("What"), _("Value")], about, {})]
    indicators = results["indicators"]
    sheets.append(
        Sheet(
            _("Indicators"),
            _indicator_header(),
            [_indicator_row(line) for line in indicators],
            {10: "0.00", 11: "0.0%"},
        )
    )
    names = _dimension_names()
    for dimension, title in names.items():
        rows = [
            [line["label"], item["category"], item["value"], item["share"]]
            for line in indicators
            for item in line["breakdowns"].get(dimension, [])
        ]
        if rows:
            sheets.append(
                Sheet(
                    title,
                    [_("Indicator"), _("Category"), _("Value"), _("Share")],
                    rows,
                    {3: "0.0%"},
                )
            )
    categories = [
        [
            line["label"],
            item["category"],
            item["value"],
            item["share"],
            item.get("baseline"),
            item.get("change"),
            item.get("share_of_change"),
        ]
        for line in indicators
        for item in line["breakdown"]
    ]
    if categories:
        sheets.append(
            Sheet(
                _("Categories"),
                [
                    _("Indicator"),
                    _("Category"),
                    _("Value"),
                    _("Share"),
                    _("Baseline"),
                    _("Change"),
                    _("Share of the change"),
                ],
                categories,
                {3: "0.0%", 6: "0.0%"},
            )
        )
    if "campaigns" in results:
        rows = [
            _indicator_row(line, prefix=[campaign["slug"]])
            for campaign in results["campaigns"]
            for line in campaign["indicators"]
        ] + [
            _indicator_row(
                line, prefix=[_("%(campaign)s (our share)") % {"campaign": share["slug"]}]
            )
            for share in results.get("shares", [])
            for line in share["indicators"]
        ]
        sheets.append(
            Sheet(
                _("Campaigns"),
                [_("Campaign"), *_indicator_header()],
                rows,
                {11: "0.00", 12: "0.0%"},
            )
        )
    return sheets


def _sheet_title(title: str, used: set[str]) -> str:
    clean = "".join(" " if c in "[]:*?/\\" else c for c in title)[:31] or "Sheet"
    candidate, n = clean, 2
    while candidate in used:
        candidate = f"{clean[:28]} {n}"
        n += 1
    used.add(candidate)
    return candidate


def _share_name(share: dict) -> str:
    return _("%(campaign)s (our share)") % {"campaign": share["slug"]}


def report_xlsx(results: dict) -> bytes:
    """The report as an .xlsx workbook (a few hundred cells: built in memory)."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    used: set[str] = set()
    for sheet in report_sheets(results):
        ws = workbook.create_sheet(_sheet_title(sheet.title, used))
        ws.append(list(sheet.header))
        for row in sheet.rows:
            ws.append([xlsx_cell(ws, value) for value in row])
        for row in ws.iter_rows(min_row=2):
            for index, cell in enumerate(row):
                if isinstance(cell.value, date):
                    cell.number_format = "yyyy-mm-dd"
                elif index in sheet.formats and isinstance(cell.value, int | float):
                    cell.number_format = sheet.formats[index]
        for column in ws.columns:
            width = max(len(str(c.value)) if c.value is not None else 0 for c in column)
            ws.column_dimensions[column[0].column_letter].width = min(max(width + 2, 10), 48)
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def report_table(results: dict) -> Table:
    """The report as one long table (the CSV): a row per indicator, then a row per category
    of each breakdown, named in the first column."""
    names = _dimension_names()
    header = [_("Breakdown"), _("Category"), *_indicator_header(), _("Share")]
    rows: list[list] = []
    for line in results["indicators"]:
        rows.append(["", "", *_indicator_row(line), None])
    for line in results["indicators"]:
        for dimension, items in line["breakdowns"].items():
            for item in items:
                rows.append(_part_row(names.get(dimension, dimension), line, item))
        for item in line["breakdown"]:
            rows.append(_part_row(_("Categories"), line, item))
    for campaign in results.get("campaigns", []):
        for line in campaign["indicators"]:
            rows.append([_("Campaign"), campaign["slug"], *_indicator_row(line), None])
    for share in results.get("shares", []):
        for line in share["indicators"]:
            rows.append([_("Our share of a coalition"), share["slug"], *_indicator_row(line), None])
    return Table(header=header, rows=rows, title=_("Results"))


def _part_row(breakdown: str, line: dict, item: dict) -> list:
    """A category's row in the long table: its value under Actual, its change under Change."""
    return [
        breakdown,
        item["category"],
        line["label"],
        line["key"],
        line["unit"],
        item.get("baseline"),
        None,
        None,
        None,
        None,
        item["value"],
        item.get("change"),
        None,
        None,
        _source_name(line["source"]),
        item["share"],
    ]


__all__ = ["BOM", "Sheet", "report_sheets", "report_table", "report_xlsx"]
