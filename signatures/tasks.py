from celery import shared_task

from core.queue import publish
from signatures import confirmation, imports, people, rights, services


@shared_task(name=confirmation.CONFIRM_TASK, acks_late=True, time_limit=120)
def signature_send_confirmation(signature_id: int) -> bool:
    """Send the confirmation email this signature is owed (no-op if already sent). A failure
    is recorded on the row, and the outbox sweep tries again later."""
    return confirmation.signature_send_confirmation(signature_id=signature_id)


@shared_task(acks_late=True, time_limit=300)
def signatures_send_owed() -> int:
    """Periodic outbox sweep: publish every confirmation email still owed."""
    return confirmation.signatures_send_owed()


@shared_task(name=imports.IMPORT_TASK, acks_late=True, time_limit=1800, soft_time_limit=1750)
def import_run(job_id: int) -> str:
    """Run one CSV import job: whole or not at all."""
    return imports.import_run(job_id=job_id)


@shared_task(acks_late=True, time_limit=300)
def imports_resume() -> int:
    """Sweep: re-run import jobs whose message was lost or whose worker died."""
    ids = imports.imports_resume()
    for job_id in ids:
        publish(imports.IMPORT_TASK, job_id)
    return len(ids)


@shared_task(acks_late=True, time_limit=3600)
def signatures_apply_retention() -> int:
    """Daily: erase signers' details of campaigns closed longer ago than their organisation's
    retention period (the signatures stay counted, anonymously)."""
    return rights.signatures_apply_retention()


@shared_task(acks_late=True, time_limit=600)
def people_sync_all() -> int:
    """Every minute: make people (OSDI) of the signatures added since the last run."""
    return people.people_sync_all()


@shared_task(name=services.SIGNED_AGAIN_TASK, acks_late=True, time_limit=60)
def signature_signed_again(signature_id: int) -> bool:
    """Someone signed again with this signature's email: owe the person an email (capped)."""
    return services.signature_signed_again(signature_id=signature_id)
