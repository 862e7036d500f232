"""What Voces promises about signers' data and the browser's defences, checked."""

import io
import logging
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.http import HttpResponse
from django.test import Client, override_settings

from config.logging import MaskingFormatter, mask_emails
from core.proxies import ForwardedHeadersMiddleware
from signatures import confirmation
from signatures.models import Signature
from tests.factories import CampaignFactory, CollectorFactory, sign

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parent.parent

SECRETS = [
    "juana.secreta@example.org",
    "Juana.Secreta@Example.org",
    "0201-XYZ",
    "mi madre fue trabajadora del hogar",
]


def test_no_signer_detail_reaches_any_log(client, api, organiser_a, campaign_a, caplog, settings):
    caplog.set_level(logging.DEBUG)
    CollectorFactory(organisation=campaign_a.organisation, code="rosa")
    body = {
        "name": "Juana",
        "email": SECRETS[1],
        "country": "BO",
        "consent": True,
        "postal_code": SECRETS[2],
        "comment": SECRETS[3],
        "collector": "rosa",
    }
    url = f"/api/v1/campaigns/{campaign_a.slug}/signatures/"
    assert api.post(url, body, format="json").status_code == 201
    assert api.post(url, body, format="json").status_code == 201  # a repeat, told apart by nobody
    assert api.post(url, {**body, "country": "XX"}, format="json").status_code == 400
    forged = api.post("/api/v1/signatures/confirm/", {"token": "forged:token"}, format="json")
    assert forged.status_code == 400
    api.force_authenticate(organiser_a)
    erase = "/api/v1/organisations/org-a/signers/erase/"
    assert api.post(erase, {"email": SECRETS[0]}, format="json").status_code == 200
    pending = CampaignFactory(organisation=campaign_a.organisation, require_confirmation=True)
    sign(pending, email=SECRETS[0])
    signature = Signature.objects.get(campaign=pending)
    # The confirmation email, sent and then failing (nothing listens on port 1).
    assert confirmation.signature_send_confirmation(signature_id=signature.id)
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", 1
    Signature.objects.filter(id=signature.id).update(email_state="owed")
    assert not confirmation.signature_send_confirmation(signature_id=signature.id)
    page = client.post(f"/confirm/{confirmation.confirmation_token(signature_id=signature.id)}/")
    assert page.status_code == 200
    signature.refresh_from_db()
    assert signature.status == "confirmed"
    text = caplog.text.lower()
    for secret in SECRETS:
        assert secret.lower() not in text


def test_log_lines_mask_any_email_even_in_tracebacks():
    assert mask_emails("signer juana.mamani@example.org failed") == "signer j***@example.org failed"
    record = logging.LogRecord(
        "x", logging.ERROR, __file__, 1, "sending to %s", ("a.b@c.org",), None
    )
    try:
        raise ValueError("rosa@example.org bounced")
    except ValueError:
        record.exc_info = sys.exc_info()
    line = MaskingFormatter("%(message)s").format(record)
    assert "a.b@c.org" not in line
    assert "rosa@example.org" not in line
    assert "a***@c.org" in line
    assert "r***@example.org" in line


PAGES = [
    "/",
    "/c/campaign-a/",
    "/c/campaign-a/thanks/",
    "/c/campaign-a/embed/",
    "/c/campaign-a/embed/thanks/",
    "/dashboard/",
    "/dashboard/me/",
    "/dashboard/c/campaign-a/",
    "/dashboard/c/campaign-a/collectors/",
    "/dashboard/c/campaign-a/sheet/",
    "/dashboard/c/campaign-a/import/",
    "/dashboard/c/campaign-a/signatures/",
    "/dashboard/o/org-a/signers/",
    "/dashboard/o/org-a/members/",
    "/dashboard/c/campaign-a/outreach/new/",
    "/confirm/forged:token:x/",
    "/nothing-here/",
]
FRAMEABLE = {"/c/campaign-a/embed/", "/c/campaign-a/embed/thanks/"}


def test_pages_run_no_inline_script_and_only_the_embed_may_be_framed(owner_a, campaign_a):
    browser = Client()
    browser.force_login(owner_a)
    for path in [*PAGES, "/dashboard/login/"]:
        response = (Client() if path == "/dashboard/login/" else browser).get(path)
        assert response.status_code in (200, 400, 404), path
        policy = response["Content-Security-Policy"]
        assert "script-src 'self'" in policy, path
        assert "unsafe-inline" not in policy.split("script-src")[1].split(";")[0], path
        html = response.content.decode()
        inline = [tag for tag in re.findall(r"<script[^>]*>", html) if "src=" not in tag]
        assert not inline, (path, inline)
        if path in FRAMEABLE:
            assert "X-Frame-Options" not in response, path
            assert "frame-ancestors *" in policy
        else:
            assert response["X-Frame-Options"] == "DENY", path
            assert "frame-ancestors 'none'" in policy, path


FORMS = [
    "/dashboard/c/campaign-a/outreach/new/",
    "/dashboard/c/campaign-a/stages/new/",
    "/dashboard/c/campaign-a/decision-makers/new/",
    "/dashboard/c/campaign-a/engagements/new/",
    "/dashboard/c/campaign-a/collectors/",
    "/dashboard/c/campaign-a/import/",
    "/dashboard/c/campaign-a/signatures/",
    "/dashboard/o/org-a/signers/",
    "/dashboard/o/org-a/members/",
    "/dashboard/logout/",
]


def test_every_dashboard_form_needs_its_csrf_token(owner_a, campaign_a):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(owner_a)
    for path in FORMS:
        assert browser.post(path, {"name": "x"}).status_code == 403, path
    assert (
        Client(enforce_csrf_checks=True)
        .post("/dashboard/login/", {"username": "owner-a", "password": "x"})
        .status_code
        == 403
    )


def test_an_upload_is_read_as_data_never_as_a_formula_or_a_path(api, organiser_a, campaign_a):
    api.force_authenticate(organiser_a)
    file = io.BytesIO(
        b"name,email,country,postal_code,collector,signed_on\n=1+2,formula@example.org,BO,,,\n"
    )
    file.name = "../../etc/passwd"
    response = api.post(
        f"/api/v1/campaigns/{campaign_a.slug}/signatures/import/",
        {"file": file},
        format="multipart",
    )
    assert response.status_code == 201
    export = b"".join(
        api.get(f"/api/v1/campaigns/{campaign_a.slug}/signatures/export/").streaming_content
    )
    assert b"'=1+2" in export


@override_settings(
    TRUSTED_PROXIES=["10.0.0.0/24"], SECURE_PROXY_SSL_HEADER=("HTTP_X_FORWARDED_PROTO", "https")
)
def test_https_is_believed_only_from_a_trusted_proxy(rf):
    """Was: any client could claim X-Forwarded-Proto: https (a secure-cookie and redirect
    decision) by reaching gunicorn directly."""
    seen = {}

    def view(request):
        seen["secure"] = request.is_secure()
        return HttpResponse()

    middleware = ForwardedHeadersMiddleware(view)
    middleware(rf.get("/", REMOTE_ADDR="203.0.113.9", HTTP_X_FORWARDED_PROTO="https"))
    assert seen["secure"] is False
    middleware(rf.get("/", REMOTE_ADDR="10.0.0.7", HTTP_X_FORWARDED_PROTO="https"))
    assert seen["secure"] is True


def test_the_embedded_default_makes_a_secret_key_of_its_own(tmp_path):
    """Was: with no environment, SECRET_KEY was a constant in the source, so anyone could sign
    a confirmation link for an installation left on defaults."""
    env = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "DJANGO_SETTINGS_MODULE")}
    env.update(DEBUG="true", DATABASE_URL=f"sqlite:///{tmp_path}/db.sqlite3")
    probe = (
        "import os, django; os.environ['DJANGO_SETTINGS_MODULE'] = 'config.settings'; "
        "django.setup(); from django.conf import settings; print(settings.SECRET_KEY)"
    )
    keys = [
        subprocess.run(
            [sys.executable, "-c", probe],
            cwd=ROOT, env=env, capture_output=True, text=True, check=True,
        ).stdout.strip()
        for _ in range(2)
    ]  # fmt: skip
    assert keys[0] == keys[1]  # made once, kept in .secret_key (ignored by git)
    assert len(keys[0]) >= 50
    assert "insecure" not in keys[0]
    assert oct((ROOT / ".secret_key").stat().st_mode)[-3:] == "600"


def test_the_access_log_masks_a_signers_email_in_a_request_line(stack, tmp_path):
    """Was: with GUNICORN_ACCESSLOG, GET …/signers/?email=juana.mamani@example.org was
    logged as is."""
    log = tmp_path / "access.log"
    stack.env["GUNICORN_ACCESSLOG"] = str(log)
    stack.start_web(workers=1)
    stack.get("/api/v1/organisations/care-lac/signers/?email=juana.mamani@example.org")
    stack.get("/api/v1/organisations/care-lac/signers/?email=juana.mamani%40example.org")
    stack.stop("web")
    text = log.read_text()
    assert "signers/?email=j***" in text
    assert "juana.mamani" not in text
