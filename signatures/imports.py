"""Paper sheets, imported as CSV: `name,email,country,postal_code,collector,signed_on`.

Every row is checked like a public signature. Duplicates (within the file, and against the
campaign) are counted, not inserted; each bad row is reported with its number (as a
spreadsheet numbers it: the header is row 1). The good rows go in with one transaction, with
the job marked done in that same transaction: an import is whole or absent, whatever happens
to the worker running it.
"""

import csv
import io
import logging
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from campaigns import access
from campaigns.access import Ability
from campaigns.models import Campaign, Organisation
from core.errors import NotAllowed
from core.queue import publish_on_commit
from signatures.bulk import signatures_insert
from signatures.models import Collector, ImportJob, Signature
from signatures.nudges import tally_nudge_on_commit
from signatures.selectors import consent_text_current
from signatures.validation import UI_LANGUAGES, signature_input_clean

logger = logging.getLogger(__name__)

HEADER = ("name", "email", "country", "postal_code", "collector", "signed_on")
# Above this many rows, an import runs as a Celery job and the API answers 202.
SYNC_MAX_ROWS = 2000
MAX_REJECTED_LISTED = 1000
PROGRESS_EVERY = 5000
MAX_ATTEMPTS = 3
IMPORT_TASK = "signatures.tasks.import_run"


def decode(content: bytes) -> str:
    """UTF-8, with or without a byte order mark; otherwise Latin-1 (spreadsheets on Windows)."""
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        return content.decode("latin-1")


def _rows(text: str):
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        raise ValidationError({"file": [_("The file is empty.")]}) from None
    names = [name.strip().lower() for name in header]
    missing = [name for name in HEADER if name not in names]
    if missing:
        raise ValidationError(
            {
                "file": [
                    _("The first row must name the columns: %(header)s. Missing: %(missing)s.")
                    % {"header": ",".join(HEADER), "missing": ",".join(missing)}
                ]
            }
        )
    positions = {name: names.index(name) for name in HEADER}
    number = 1
    try:
        for number, cells in enumerate(reader, start=2):
            if not any(cell.strip() for cell in cells):
                continue  # blank lines at the end of a sheet
            yield (
                number,
                {
                    name: cells[index] if index < len(cells) else ""
                    for name, index in positions.items()
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


def count_rows(content: bytes) -> int:
    return sum(1 for _row in _rows(decode(content)))


def _signed_on(value: str) -> datetime | None:
    value = value.strip()
    if not value:
        return None
    for pattern in ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y"):
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
    rows: list[dict] = field(default_factory=list, repr=False)


def validate(
    *,
    campaign: Campaign,
    content: bytes,
    default_collector_id: int | None = None,
    own_sheets_only: bool = False,
    progress=None,
) -> ImportResult:
    """Check every row; collect the good ones (unique by email) ready for insertion."""
    collectors = dict(
        Collector.objects.filter(organisation_id=campaign.organisation_id, active=True).values_list(
            "code", "id"
        )
    )
    language = next((c for c in campaign.languages if c in UI_LANGUAGES), settings.LANGUAGE_CODE)
    consent = {
        code: consent_text_current(language=code, campaign_id=campaign.id) for code in UI_LANGUAGES
    }
    now = timezone.now()
    seen: set[str] = set()
    result = ImportResult()
    for number, row in _rows(decode(content)):
        if progress and number % PROGRESS_EVERY == 0:
            progress(number - 1)
        errors = {}
        try:
            cleaned = signature_input_clean(
                {**row, "consent": True},
                default_language=language,
                default_source="import",
                sources=frozenset({"import"}),
                require_consent=False,
            )
        except ValidationError as error:
            errors.update({k: [str(m) for m in v] for k, v in error.message_dict.items()})
            cleaned = None
        collector_code = row["collector"].strip()
        collector_id = collectors.get(collector_code) if collector_code else default_collector_id
        if collector_code and collector_id is None:
            errors["collector"] = [_("No active collector has this code.")]
        elif own_sheets_only and collector_id != default_collector_id:
            errors["collector"] = [_("A collector imports the signatures they collected.")]
        try:
            signed = _signed_on(row["signed_on"])
        except ValueError as error:
            errors["signed_on"] = [str(error)]
        if errors:
            result.rejected_count += 1
            if len(result.rejected) < MAX_REJECTED_LISTED:
                result.rejected.append({"row": number, "errors": errors})
            continue
        if cleaned.email_normalised in seen:
            result.duplicates += 1
            continue
        seen.add(cleaned.email_normalised)
        moment = signed or now
        result.rows.append(
            {
                "campaign_id": campaign.id,
                "name": cleaned.name,
                "email": cleaned.email,
                "email_normalised": cleaned.email_normalised,
                "country": cleaned.country,
                "postal_code": cleaned.postal_code,
                "language": cleaned.language,
                "source": Signature.Source.IMPORT,
                "collector_id": collector_id,
                "status": Signature.Status.CONFIRMED,
                "consent_text_id": consent[cleaned.language],
                "consented_at": moment,
                "confirmed_at": moment,
                "created": moment,
            }
        )
    return result


def _insert(campaign: Campaign, result: ImportResult) -> None:
    """Insert the checked rows; the caller's transaction makes it all-or-nothing."""
    # Ids handed out to this insert are all above the highest committed now; the people sync
    # must look at them again once they commit, however long this transaction takes.
    floor = Signature.objects.aggregate(top=Max("id"))["top"] or 0
    inserted = signatures_insert(result.rows)
    Organisation.objects.filter(id=campaign.organisation_id, people_synced_to__gt=floor).update(
        people_synced_to=floor
    )
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
    access.require(
        by,
        campaign.organisation_id,
        Ability.IMPORT,
        _("Only the organisation's organisers and collectors import signatures."),
    )
    # A collector imports their own sheets: every row is credited to them.
    own_sheets_only = not access.can(by, campaign.organisation_id, Ability.MANAGE)
    if own_sheets_only and default_collector is None:
        raise NotAllowed(_("Ask an organiser to link your account to your collector code."))
    total = count_rows(content)  # raises ValidationError for a bad header or an empty file
    job = ImportJob.objects.create(
        campaign=campaign,
        created_by=access.person(by),
        default_collector=default_collector,
        own_sheets_only=own_sheets_only,
        filename=filename[:200],
        content=content,
        total_rows=total,
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

    def progress(rows: int) -> None:
        ImportJob.objects.filter(id=job_id, started_at=claimed_at).update(processed_rows=rows)

    try:
        result = validate(
            campaign=job.campaign,
            content=bytes(job.content),
            default_collector_id=job.default_collector_id,
            own_sheets_only=job.own_sheets_only,
            progress=progress,
        )
        ImportJob.objects.filter(id=job_id, started_at=claimed_at).update(
            state=ImportJob.State.INSERTING, processed_rows=job.total_rows
        )
        with transaction.atomic():
            locked = ImportJob.objects.select_for_update().get(id=job_id)
            if locked.started_at != claimed_at or locked.state == ImportJob.State.DONE:
                return "superseded"  # a newer run took over this job
            _insert(job.campaign, result)
            locked.state = ImportJob.State.DONE
            locked.created_count = result.created
            locked.duplicates = result.duplicates
            locked.rejected = result.rejected
            locked.rejected_count = result.rejected_count
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
        "import %s: %s created, %s duplicates, %s rejected",
        job_id,
        result.created,
        result.duplicates,
        result.rejected_count,
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
