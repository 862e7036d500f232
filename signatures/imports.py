"""Paper sheets, imported as CSV: `name,email,country,postal_code,collector,signed_on`, and
`phone` (and `comment`) where the campaign takes them.

As forgiving as the people who fill the sheets: the columns may come in any order, named in
English, Spanish, Portuguese or French ("nombre", "correo", "teléfono", "país"...); a country
may be its code or its name in any of those languages; the email may be left out where the
campaign takes a phone instead; an unknown collector code is imported uncredited, with a
warning rather than a rejected row. Every row is then checked like a public signature.
Duplicates (within the file, and against the campaign) are counted, not inserted; each bad
row is reported with its number (as a spreadsheet numbers it: the header is row 1), its
problems named by the sheet's own column headings, in the uploader's language. The good rows
go in with one transaction, with the job marked done in that same transaction: an import is
whole or absent, whatever happens to the worker running it.
"""

import csv
import functools
import io
import logging
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Max, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_countries import countries

from campaigns import access
from campaigns.access import Ability
from campaigns.models import Campaign, CampaignContact, Organisation
from core.errors import NotAllowed
from core.queue import publish_on_commit
from signatures import channels
from signatures.bulk import signatures_insert
from signatures.models import Collector, ImportJob, Signature
from signatures.nudges import tally_nudge_on_commit
from signatures.selectors import consent_text_current
from signatures.services import signature_counted_at_birth, signature_values
from signatures.validation import (
    UI_LANGUAGES,
    signature_input_clean,
)

logger = logging.getLogger(__name__)

# The contract's header; `phone` and `comment` may be added, and any column named otherwise.
HEADER = ("name", "email", "country", "postal_code", "collector", "signed_on")
COLUMNS = (*HEADER[:2], "phone", *HEADER[2:], "comment")
# What each column is called on a sheet, in the uploader's language.
LABELS = {
    "name": gettext_lazy("Full name"),
    "email": gettext_lazy("Email"),
    "phone": gettext_lazy("Phone"),
    "country": gettext_lazy("Country"),
    "postal_code": gettext_lazy("Postal code"),
    "collector": gettext_lazy("Collector code"),
    "signed_on": gettext_lazy("Date"),
    "comment": gettext_lazy("Comment"),
}
# Headings people write, in the four languages, folded (see `_folded`), whole, "|" between.
_HEADINGS = {
    "name": (
        "name|full name|names|nombre|nombres|nombre completo|nombre y apellido|"
        "nombres y apellidos|nome|nome completo|nom|nom complet|nom et prenom|"
        "prenom et nom"
    ),
    "email": (
        "email|e mail|mail|email address|correo|correo electronico|courriel|"
        "adresse e mail|adresse email|endereco de e mail"
    ),
    "phone": (
        "phone|phone number|mobile|telephone|telefono|numero de telefono|celular|"
        "numero de celular|movil|whatsapp|telefone|portable|numero de telephone"
    ),
    "country": "country|pais|pays",
    "postal_code": "postal code|postcode|zip|zip code|codigo postal|cp|cep|code postal",
    "collector": (
        "collector|collector code|recolector|colector|codigo|coletor|codigo do coletor|"
        "collecteur|collectrice|code collecteur"
    ),
    "signed_on": "signed on|date|fecha|data|date de signature|fecha de firma|data da assinatura",
    "comment": "comment|comments|comentario|comentarios|commentaire|remarque",
}
_COLUMN_OF = {
    heading: column for column, names in _HEADINGS.items() for heading in names.split("|")
}
# Above this many rows, an import runs as a Celery job and the API answers 202.
SYNC_MAX_ROWS = 2000
MAX_REJECTED_LISTED = 1000
PROGRESS_EVERY = 5000
MAX_ATTEMPTS = 3
IMPORT_TASK = "signatures.tasks.import_run"


def _folded(text: str) -> str:
    """Lower case, without accents, punctuation or repeated spaces: "Teléfono (WhatsApp)" and
    "telefono whatsapp" are one heading, "Bolívia" and "bolivia" one country."""
    text = unicodedata.normalize("NFKD", text.strip().casefold())
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return " ".join(re.sub(r"[^\w]+", " ", text.replace("_", " ")).split())


def _column(heading: str) -> str | None:
    return _COLUMN_OF.get(_folded(heading))


@functools.cache
def _country_names() -> dict[str, str]:
    """Every country's folded name in es/en/pt/fr, and its alpha-3 code, to its alpha-2 code;
    a name two countries share in different languages is left out (it would be a guess)."""
    names: dict[str, set[str]] = {}
    for language in sorted(UI_LANGUAGES):
        with translation.override(language):
            for code, name in countries:
                names.setdefault(_folded(str(name)), set()).add(code)
    for code, _name in countries:
        alpha3 = countries.alpha3(code)
        if alpha3:
            names.setdefault(alpha3.casefold(), set()).add(code)
    return {name: codes.pop() for name, codes in names.items() if len(codes) == 1}


def country_code(value: str) -> str:
    """ "BO", "bo", "BOL", "Bolivia", "Bolívia", "Bolivie" -> "BO"; what is not a country is
    given back as it was, for the usual check to name."""
    text = value.strip()
    if len(text) == 2:
        return text.upper()
    return _country_names().get(_folded(text), text)


def decode(content: bytes) -> str:
    """UTF-8, with or without a byte order mark; otherwise Latin-1 (spreadsheets on Windows)."""
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        return content.decode("latin-1")


def sheet_columns(campaign: Campaign) -> tuple[str, ...]:
    """The columns a campaign's sheet has: the phone where a signer may give one."""
    if campaign.contact == CampaignContact.EMAIL_OR_PHONE:
        return ("name", "email", "phone", "country", "postal_code", "collector", "signed_on")
    return HEADER


@dataclass(frozen=True)
class Sheet:
    """Where each column is, and what the uploader called it."""

    positions: dict[str, int]
    headings: dict[str, str]

    def heading(self, column: str) -> str:
        return self.headings.get(column) or str(LABELS.get(column, column))


def _header(names: list[str], contact: str) -> Sheet:
    positions: dict[str, int] = {}
    headings: dict[str, str] = {}
    for index, heading in enumerate(names):
        column = _column(heading)
        if column and column not in positions:
            positions[column] = index
            headings[column] = heading.strip()
    missing = [column for column in ("name", "country") if column not in positions]
    if contact == CampaignContact.EMAIL_OR_PHONE:
        if "email" not in positions and "phone" not in positions:
            missing.append(f"email {_('or')} phone")
    elif "email" not in positions:
        missing.append("email")
    if missing:
        raise ValidationError(
            {
                "file": [
                    _("The first row must name the columns: %(header)s. Missing: %(missing)s.")
                    % {
                        "header": ",".join(
                            HEADER if contact != CampaignContact.EMAIL_OR_PHONE else COLUMNS
                        ),
                        "missing": ", ".join(missing),
                    }
                ]
            }
        )
    return Sheet(positions, headings)


def _rows(text: str, contact: str = "email"):
    """The sheet, then (number, {column: cell}) for each row that is not blank."""
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        names = next(reader)
    except StopIteration:
        raise ValidationError({"file": [_("The file is empty.")]}) from None
    sheet = _header(names, contact)
    yield sheet
    number = 1
    try:
        for number, cells in enumerate(reader, start=2):
            if not any(cell.strip() for cell in cells):
                continue  # blank lines at the end of a sheet
            yield (
                number,
                {
                    column: cells[index] if index < len(cells) else ""
                    for column, index in sheet.positions.items()
                },
            )
    except csv.Error as error:  # an unclosed quote swallowing the rest of the file, say
        raise ValidationError(
            {
                "file": [
                    _("Row %(row)d cannot be read (%(problem)s); check its quotes.")
                    % {"row": number + 1, "problem": error}
                ]
            }
        ) from None


def count_rows(content: bytes, contact: str = "email") -> int:
    rows = _rows(decode(content), contact)
    next(rows)  # the sheet: raises ValidationError for a bad header or an empty file
    return sum(1 for _row in rows)


def _signed_on(value: str) -> datetime | None:
    value = value.strip()
    if not value:
        return None
    for pattern in ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%d/%m/%y"):
        try:
            day = datetime.strptime(value, pattern).date()
            break
        except ValueError:
            continue
    else:
        raise ValueError(_("Write the date as YYYY-MM-DD or DD/MM/YYYY."))
    if day > timezone.localdate() + timedelta(days=1) or day < date(1990, 1, 1):
        raise ValueError(_("This date is not possible for a signature."))
    return datetime.combine(day, time(12), tzinfo=UTC)


@dataclass
class ImportResult:
    created: int = 0
    duplicates: int = 0
    rejected: list[dict] = field(default_factory=list)
    rejected_count: int = 0
    # Rows imported all the same, with something the uploader should know (an unknown code).
    warnings: list[dict] = field(default_factory=list)
    warnings_count: int = 0
    rows: list[dict] = field(default_factory=list, repr=False)


def _collector_warning(
    code: str, *, collectors: dict, default_collector_id, own_sheets_only: bool
) -> tuple[int | None, str]:
    """The collector a row is credited to, and what to tell the uploader about it."""
    collector_id = collectors.get(code) if code else None
    if own_sheets_only:
        # A collector's own sheets: every row is theirs, whatever code was written on it.
        if code and collector_id != default_collector_id:
            return default_collector_id, _(
                "Credited to you: a collector imports the signatures they collected."
            )
        return default_collector_id, ""
    if code and collector_id is None:
        return None, _(
            "No active collector has the code %(code)s: the signature is imported without "
            "a collector."
        ) % {"code": code[:40]}
    return (collector_id if code else default_collector_id), ""


def validate(
    *,
    campaign: Campaign,
    content: bytes,
    default_collector_id: int | None = None,
    own_sheets_only: bool = False,
    progress=None,
    partner_id: int | None = None,
) -> ImportResult:
    """Check every row; collect the good ones (one per person) ready for insertion.
    `partner_id`: a coalition partner's sheets, credited to it and to its collectors."""
    collectors = dict(
        Collector.objects.filter(
            organisation_id=partner_id or campaign.organisation_id, active=True
        ).values_list("code", "id")
    )
    language = next((c for c in campaign.languages if c in UI_LANGUAGES), settings.LANGUAGE_CODE)
    consent = {
        code: consent_text_current(language=code, campaign_id=campaign.id) for code in UI_LANGUAGES
    }
    channel = channels.IMPORT
    now = timezone.now()
    seen: set[tuple[str, str]] = set()
    result = ImportResult()
    rows = _rows(decode(content), campaign.contact)
    sheet = next(rows)
    for number, row in rows:
        if progress and number % PROGRESS_EVERY == 0:
            progress(number - 1)
        errors = {}
        signer = {column: row.get(column, "") for column in COLUMNS if column != "collector"}
        signer["country"] = country_code(signer["country"])
        try:
            cleaned = signature_input_clean(
                signer,
                default_language=language,
                default_source=channel.source,
                sources=channel.sources,
                require_consent=channel.require_consent,
                contact=campaign.contact,
            )
        except ValidationError as error:
            errors.update(
                {
                    sheet.heading(key): [str(m) for m in messages]
                    for key, messages in error.message_dict.items()
                }
            )
            cleaned = None
        collector_id, warning = _collector_warning(
            row.get("collector", "").strip(),
            collectors=collectors,
            default_collector_id=default_collector_id,
            own_sheets_only=own_sheets_only,
        )
        try:
            signed = _signed_on(row.get("signed_on", ""))
        except ValueError as error:
            errors[sheet.heading("signed_on")] = [str(error)]
        if errors:
            result.rejected_count += 1
            if len(result.rejected) < MAX_REJECTED_LISTED:
                result.rejected.append({"row": number, "errors": errors})
            continue
        if warning:
            result.warnings_count += 1
            if len(result.warnings) < MAX_REJECTED_LISTED:
                result.warnings.append(
                    {"row": number, "warnings": {sheet.heading("collector"): [warning]}}
                )
        identity = cleaned.identity
        if identity in seen:
            result.duplicates += 1
            continue
        seen.add(identity)
        moment = signed or now
        values = signature_values(
            campaign=campaign,
            cleaned=cleaned,
            collector_id=collector_id,
            consent_text_id=consent[cleaned.language],
            moment=moment,
            partner_id=partner_id,
        )
        values["status"] = Signature.Status.CONFIRMED
        values["confirmed_at"] = moment
        # Stored counted, as signing stores it: the tally counts it by id, unwritten.
        values["counted"] = signature_counted_at_birth(values["status"])
        result.rows.append(values)
    return result


def _insert(campaign: Campaign, result: ImportResult, partner_id: int | None = None) -> None:
    """Insert the checked rows; the caller's transaction makes it all-or-nothing."""
    # Ids handed out to this insert are all above the highest committed now; the people sync
    # must look at them again once they commit, however long this transaction takes (the
    # lead's people, and a coalition partner's whose sheets these are).
    floor = Signature.objects.aggregate(top=Max("id"))["top"] or 0
    inserted = signatures_insert(result.rows)
    Organisation.objects.filter(
        id__in=list(filter(None, (campaign.organisation_id, partner_id))),
        people_synced_to__gt=floor,
    ).update(people_synced_to=floor)
    result.duplicates += len(result.rows) - inserted
    result.created = inserted
    result.rows = []
    if inserted:
        tally_nudge_on_commit(campaign_id=campaign.id)


def signatures_import(
    *,
    by,
    campaign: Campaign,
    content: bytes,
    filename: str = "",
    default_collector: Collector | None = None,
) -> ImportJob:
    """Import a CSV: at once when small (the job comes back done), else as a Celery job."""
    if not access.can_on_campaign(by, campaign, Ability.IMPORT):
        raise NotAllowed(_("Only the organisation's organisers and collectors import signatures."))
    # A coalition partner's members import for their organisation: its rows are the partner's.
    partner_id = access.acting_partner(by, campaign, Ability.IMPORT)
    # A collector imports their own sheets: every row is credited to them.
    own_sheets_only = not access.can(by, partner_id or campaign.organisation_id, Ability.MANAGE)
    if own_sheets_only and default_collector is None:
        raise NotAllowed(_("Ask an organiser to link your account to your collector code."))
    # Raises ValidationError for a bad header or an empty file.
    total = count_rows(content, campaign.contact)
    job = ImportJob.objects.create(
        campaign=campaign,
        created_by=access.person(by),
        default_collector=default_collector,
        own_sheets_only=own_sheets_only,
        partner_id=partner_id,
        filename=filename[:200],
        content=content,
        total_rows=total,
        # The uploader's: what the rows' problems are written in, by a worker too.
        language=translation.get_language() or settings.LANGUAGE_CODE,
    )
    if total <= SYNC_MAX_ROWS:
        import_run(job_id=job.id)
        job.refresh_from_db()
    else:
        publish_on_commit(IMPORT_TASK, job.id)
    return job


def _stale(now: datetime) -> Q:
    """Jobs a worker started and has not finished in IMPORT_STALE_SECONDS: it died."""
    return Q(
        state__in=[ImportJob.State.VALIDATING, ImportJob.State.INSERTING],
        started_at__lt=now - timedelta(seconds=settings.IMPORT_STALE_SECONDS),
    )


def _claimable(now: datetime) -> Q:
    return Q(state=ImportJob.State.QUEUED) | _stale(now)


def _claim(job_id: int) -> datetime | None:
    """Take the job (queued, or abandoned by a dead worker). Returns our claim's time."""
    now = timezone.now()
    claimed = ImportJob.objects.filter(_claimable(now), id=job_id, attempts__lt=MAX_ATTEMPTS)
    if claimed.update(state=ImportJob.State.VALIDATING, started_at=now, attempts=F("attempts") + 1):
        return now
    return None


def import_run(*, job_id: int) -> str:
    """Run one import job. Safe to run twice: only one run can mark it done."""
    claimed_at = _claim(job_id)
    if claimed_at is None:
        return "skipped"
    job = ImportJob.objects.select_related("campaign").get(id=job_id)
    with translation.override(job.language or settings.LANGUAGE_CODE):
        return _run(job, claimed_at)


def _run(job: ImportJob, claimed_at: datetime) -> str:
    job_id = job.id

    def progress(rows: int) -> None:
        ImportJob.objects.filter(id=job_id, started_at=claimed_at).update(processed_rows=rows)

    try:
        result = validate(
            campaign=job.campaign,
            content=bytes(job.content),
            default_collector_id=job.default_collector_id,
            own_sheets_only=job.own_sheets_only,
            progress=progress,
            partner_id=job.partner_id,
        )
        ImportJob.objects.filter(id=job_id, started_at=claimed_at).update(
            state=ImportJob.State.INSERTING, processed_rows=job.total_rows
        )
        with transaction.atomic():
            locked = ImportJob.objects.select_for_update().get(id=job_id)
            if locked.started_at != claimed_at or locked.state == ImportJob.State.DONE:
                return "superseded"  # a newer run took over this job
            _insert(job.campaign, result, job.partner_id)
            locked.state = ImportJob.State.DONE
            locked.created_count = result.created
            locked.duplicates = result.duplicates
            locked.rejected = result.rejected
            locked.rejected_count = result.rejected_count
            locked.warnings = result.warnings
            locked.warnings_count = result.warnings_count
            locked.finished_at = timezone.now()
            locked.content = b""  # the rows are in the database; keep no second copy
            locked.save()
    except ValidationError as error:
        ImportJob.objects.filter(id=job_id).update(
            state=ImportJob.State.FAILED,
            error=" ".join(error.messages)[:300],
            finished_at=timezone.now(),
            content=b"",  # no copy of the sheet is kept, whatever the outcome
        )
        return ImportJob.State.FAILED
    logger.info(
        "import %s: %s created, %s duplicates, %s rejected, %s with warnings",
        job_id,
        result.created,
        result.duplicates,
        result.rejected_count,
        result.warnings_count,
    )
    return ImportJob.State.DONE


def imports_resume() -> list[int]:
    """Jobs whose message was lost or whose worker died: run them again (the sweep)."""
    now = timezone.now()
    due = ImportJob.objects.filter(
        Q(state=ImportJob.State.QUEUED, created__lt=now - timedelta(minutes=1)) | _stale(now),
        attempts__lt=MAX_ATTEMPTS,
    )
    ids = list(due.values_list("id", flat=True)[:100])
    ImportJob.objects.filter(_stale(now), attempts__gte=MAX_ATTEMPTS).update(
        state=ImportJob.State.FAILED,
        error="Stopped after repeated failures.",
        finished_at=now,
        content=b"",
    )
    return ids
