"""People join and get back in without an administrator: a password reset by email, an
owner's invitation, and a members page that asks before it changes anyone's access."""

import re
import time
from datetime import timedelta
from unittest import mock

import pytest
from django.conf import settings as django_settings
from django.contrib.auth import get_user_model
from django.core import mail, signing
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone, translation

from campaigns import invitations
from campaigns.models import AuditEntry, Invitation, Membership, Organisation, Role
from core.errors import Conflict, DomainError, NotAllowed
from tests.factories import MembershipFactory, OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"  # tests.factories.UserFactory's
NEW_PASSWORD = "llama-quechua-altiplano-7"
MEMBERS = "/dashboard/o/org-a/members/"
User = get_user_model()


def emailed_path(body: str, prefix: str) -> str:
    """The path of the link an email carries (on SITE_URL), to open with the test client."""
    url = re.search(r"https?://\S+", body).group(0)
    assert url.startswith(django_settings.SITE_URL)
    path = url.removeprefix(django_settings.SITE_URL)
    assert path.startswith(prefix), url
    return path


def wrong_passwords(client, username: str) -> None:
    for n in range(django_settings.AXES_FAILURE_LIMIT):
        client.post(
            "/dashboard/login/",
            {"username": username, "password": f"guess-{n}"},
            REMOTE_ADDR="198.51.100.30",
        )


def log_in(client, username: str, password: str):
    return client.post(
        "/dashboard/login/",
        {"username": username, "password": password},
        REMOTE_ADDR="198.51.100.30",
        HTTP_ACCEPT_LANGUAGE="en",
    )


# --- Password reset -------------------------------------------------------------------------


def test_the_login_page_and_the_lockout_page_link_to_the_reset(client, organiser_a):
    assert 'href="/dashboard/password-reset/"' in client.get("/dashboard/login/").content.decode()
    wrong_passwords(client, organiser_a.username)
    locked = log_in(client, organiser_a.username, PASSWORD)
    assert locked.status_code == 429
    assert '<a href="/dashboard/password-reset/">reset your password</a>' in locked.content.decode()


def test_a_reset_link_is_emailed_in_the_requests_language_and_sets_a_new_password(
    client, organiser_a
):
    response = client.post(
        "/dashboard/password-reset/?lang=es", {"email": organiser_a.email.upper()}
    )
    assert response.status_code == 302
    assert response["Location"] == "/dashboard/password-reset/sent/"
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [organiser_a.email]
    assert message.body.startswith("Hola")  # rendered in Spanish, the request's language
    assert organiser_a.username in message.body
    path = emailed_path(message.body, "/dashboard/password-reset/")
    # Django swaps the token for a session key at once, so it never sits in a Referer.
    opened = client.get(path)
    assert opened.status_code == 302
    form = client.get(opened["Location"])
    assert form.status_code == 200
    assert "Elige una nueva contraseña" in form.content.decode()  # still the asker's language
    done = client.post(
        opened["Location"], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )
    assert done["Location"] == "/dashboard/password-reset/done/"
    assert log_in(client, organiser_a.username, NEW_PASSWORD).status_code == 302
    client.logout()
    assert log_in(client, organiser_a.username, PASSWORD).status_code == 200  # the old: no
    # The link worked once.
    used = client.get(path, HTTP_ACCEPT_LANGUAGE="en")
    assert used.status_code == 400
    assert "This link does not work" in used.content.decode()


def test_the_reset_does_not_tell_whether_an_email_has_an_account(client, organiser_a):
    known = client.post("/dashboard/password-reset/", {"email": organiser_a.email})
    unknown = client.post("/dashboard/password-reset/", {"email": "nobody@example.org"})
    assert (known.status_code, known["Location"]) == (unknown.status_code, unknown["Location"])
    assert len(mail.outbox) == 1
    sent = client.get(known["Location"], HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "If a Voces account has this email address" in sent


def test_asking_again_and_again_sends_one_email_a_minute(client, organiser_a):
    for _ in range(3):
        assert client.post("/dashboard/password-reset/", {"email": organiser_a.email}).status_code
    assert len(mail.outbox) == 1


def test_a_bad_email_is_a_400_with_its_error(client):
    response = client.post(
        "/dashboard/password-reset/", {"email": "not an email"}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 400
    assert "Enter a valid email address." in response.content.decode()


def test_the_new_password_is_checked_by_the_validators(client, organiser_a):
    client.post("/dashboard/password-reset/", {"email": organiser_a.email})
    opened = client.get(emailed_path(mail.outbox[0].body, "/dashboard/password-reset/"))
    weak = client.post(
        opened["Location"],
        {"new_password1": "12345678", "new_password2": "12345678"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert weak.status_code == 400
    html = weak.content.decode()
    assert "This password is too common." in html
    assert "This password is entirely numeric." in html
    organiser_a.refresh_from_db()
    assert organiser_a.check_password(PASSWORD)


def test_a_completed_reset_unlocks_a_locked_login(client, organiser_a):
    wrong_passwords(client, organiser_a.username)
    assert log_in(client, organiser_a.username, PASSWORD).status_code == 429
    client.post("/dashboard/password-reset/", {"email": organiser_a.email})
    opened = client.get(emailed_path(mail.outbox[0].body, "/dashboard/password-reset/"))
    client.post(opened["Location"], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert log_in(client, organiser_a.username, NEW_PASSWORD).status_code == 302


def test_asking_for_a_reset_does_not_unlock_anything(client, organiser_a):
    wrong_passwords(client, organiser_a.username)
    client.post("/dashboard/password-reset/", {"email": organiser_a.email})
    assert log_in(client, organiser_a.username, PASSWORD).status_code == 429


def test_a_forged_reset_link_is_a_clear_400(client, organiser_a):
    response = client.get("/dashboard/password-reset/MQ/forged-token/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert "This link does not work" in response.content.decode()
    assert 'href="/dashboard/password-reset/"' in response.content.decode()


# --- Invitations: the services --------------------------------------------------------------


def test_an_invitation_is_for_owners_only(org_a, owner_a, organiser_a, organiser_b):
    for person in (organiser_a, organiser_b):
        with pytest.raises(NotAllowed):
            invitations.invitation_create(
                by=person, organisation=org_a, email="new@example.org", role=Role.VIEWER
            )
    invitation = invitations.invitation_create(
        by=owner_a, organisation=org_a, email="  New@Example.ORG ", role=Role.VIEWER
    )
    assert invitation.email == "new@example.org"
    assert abs(invitation.expires_at - invitation.created - timedelta(days=7)) < timedelta(
        seconds=5
    )
    with pytest.raises(NotAllowed):
        invitations.invitation_revoke(by=organiser_a, invitation=invitation)
    entry = AuditEntry.objects.get(action="invitation.create")
    assert (entry.actor, entry.organisation, entry.changes) == (
        owner_a,
        org_a,
        {"role": [None, "viewer"]},
    )


def test_the_invitation_email_is_in_the_owners_language_once_committed(
    org_a, owner_a, django_capture_on_commit_callbacks
):
    with translation.override("es"), django_capture_on_commit_callbacks(execute=True) as sent:
        invitation = invitations.invitation_create(
            by=owner_a, organisation=org_a, email="rosa@example.org", role=Role.ORGANISER
        )
        assert mail.outbox == []  # nothing goes out before the invitation is committed
    assert len(sent) == 1
    (message,) = mail.outbox
    assert message.body.startswith("Hola")
    with translation.override("es"):
        assert str(Role.ORGANISER.label).lower() in message.body
    token = emailed_path(message.body, "/dashboard/invitations/").split("/")[3]
    assert invitations.invitation_for_token(token) == invitation
    invitation.refresh_from_db()
    assert invitation.emailed_at is not None


def test_one_pending_invitation_per_address(org_a, owner_a):
    first = invitations.invitation_create(
        by=owner_a, organisation=org_a, email="ana@example.org", role=Role.VIEWER
    )
    with pytest.raises(Exception, match="waiting already") as refused:
        invitations.invitation_create(
            by=owner_a, organisation=org_a, email="ANA@example.org", role=Role.OWNER
        )
    assert "email" in refused.value.message_dict
    assert Invitation.objects.count() == 1
    # Another organisation may invite the same person.
    other = OrganisationFactory()
    MembershipFactory(user=owner_a, organisation=other, role=Role.OWNER)
    invitations.invitation_create(
        by=User.objects.get(pk=owner_a.pk),  # roles are read once per user object
        organisation=other,
        email="ana@example.org",
        role=Role.VIEWER,
    )
    # An expired one is replaced by the new one.
    Invitation.objects.filter(pk=first.pk).update(expires_at=timezone.now())
    again = invitations.invitation_create(
        by=owner_a, organisation=org_a, email="ana@example.org", role=Role.ORGANISER
    )
    first.refresh_from_db()
    assert first.revoked_at is not None
    assert list(invitations.invitations_pending(organisation=org_a)) == [again]


def test_the_database_keeps_one_pending_invitation_and_a_normalised_email(org_a, owner_a):
    invitations.invitation_create(
        by=owner_a, organisation=org_a, email="ana@example.org", role=Role.VIEWER
    )
    expires = timezone.now() + timedelta(days=1)
    for email, constraint in (
        ("ana@example.org", "invitation_one_pending"),
        ("Luis@example.org", "invitation_email_normalised"),
        (" luis@example.org", "invitation_email_normalised"),
    ):
        with pytest.raises(IntegrityError, match=constraint), transaction.atomic():
            Invitation.objects.create(organisation=org_a, email=email, expires_at=expires)


def test_a_member_is_not_invited_again(org_a, owner_a, organiser_a):
    with pytest.raises(Exception, match="already a member"):
        invitations.invitation_create(
            by=owner_a, organisation=org_a, email=organiser_a.email.upper(), role=Role.OWNER
        )


def test_accepting_makes_an_account_with_the_invited_email(org_a, owner_a):
    invitation = invitations.invitation_create(
        by=owner_a, organisation=org_a, email="killa@example.org", role=Role.COLLECTOR
    )
    token = invitations.invitation_token(invitation)
    membership = invitations.invitation_accept(token=token, username="killa", password=NEW_PASSWORD)
    assert (membership.organisation, membership.role) == (org_a, Role.COLLECTOR)
    user = membership.user
    assert (user.username, user.email) == ("killa", "killa@example.org")
    assert user.check_password(NEW_PASSWORD)
    invitation.refresh_from_db()
    assert (invitation.accepted_by, invitation.accepted_at is not None) == (user, True)
    entry = AuditEntry.objects.get(action="invitation.accept")
    assert entry.actor == user
    assert entry.changes == {"role": [None, "collector"], "member": [None, "killa"]}
    with pytest.raises(DomainError, match="already been accepted") as used:
        invitations.invitation_accept(token=token, username="killa2", password=NEW_PASSWORD)
    assert used.value.status == 410


def test_a_logged_in_person_joins_with_their_account_once(org_a, owner_a, organiser_b):
    invitation = invitations.invitation_create(
        by=owner_a, organisation=org_a, email="elsewhere@example.org", role=Role.ORGANISER
    )
    token = invitations.invitation_token(invitation)
    membership = invitations.invitation_accept(token=token, user=organiser_b)
    assert (membership.user, membership.role) == (organiser_b, Role.ORGANISER)
    assert User.objects.count() == 2  # no new account
    second = invitations.invitation_create(
        by=owner_a, organisation=org_a, email="again@example.org", role=Role.VIEWER
    )
    with pytest.raises(Conflict):
        invitations.invitation_accept(token=invitations.invitation_token(second), user=organiser_b)
    assert Membership.objects.get(user=organiser_b, organisation=org_a).role == Role.ORGANISER


def test_the_new_account_follows_the_rules(org_a, owner_a, organiser_a):
    invitation = invitations.invitation_create(
        by=owner_a, organisation=org_a, email="new@example.org", role=Role.VIEWER
    )
    token = invitations.invitation_token(invitation)
    for username, password, field in (
        ("new-person", "12345678", "password"),
        ("new-person", "new-person-1", "password"),  # too like the username
        ("new-person", "", "password"),
        (organiser_a.username.upper(), NEW_PASSWORD, "username"),  # taken, in any case
        ("bad name!", NEW_PASSWORD, "username"),
        ("", NEW_PASSWORD, "username"),
    ):
        with pytest.raises(ValidationError) as refused:
            invitations.invitation_accept(token=token, username=username, password=password)
        assert field in refused.value.message_dict, (username, password)
    assert not User.objects.filter(email="new@example.org").exists()
    invitation.refresh_from_db()
    assert invitation.accepted_at is None


def test_a_revoked_expired_or_forged_link_says_why(org_a, owner_a):
    invitation = invitations.invitation_create(
        by=owner_a, organisation=org_a, email="new@example.org", role=Role.VIEWER
    )
    token = invitations.invitation_token(invitation)
    with pytest.raises(DomainError) as forged:
        invitations.invitation_for_token(token[:-2] + "xx")
    assert forged.value.status == 400
    with pytest.raises(DomainError) as other_salt:
        invitations.invitation_for_token(signing.dumps(invitation.id))
    assert other_salt.value.status == 400
    with mock.patch("time.time", return_value=time.time() - 8 * 24 * 3600):
        old_token = invitations.invitation_token(invitation)
    with pytest.raises(DomainError, match="expired") as old:
        invitations.invitation_for_token(old_token)
    assert old.value.status == 410
    Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now())
    with pytest.raises(DomainError, match="expired"):
        invitations.invitation_for_token(token)
    Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now() + timedelta(1))
    invitations.invitation_revoke(by=owner_a, invitation=invitation)
    with pytest.raises(DomainError, match="withdrawn") as revoked:
        invitations.invitation_accept(token=token, username="late", password=NEW_PASSWORD)
    assert revoked.value.status == 410
    assert not User.objects.filter(username="late").exists()
    entry = AuditEntry.objects.get(action="invitation.revoke")
    assert (entry.actor, entry.target_id) == (owner_a, invitation.id)


# --- Invitations: the pages -----------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_an_owner_invites_and_the_colleague_sets_a_password_and_joins(client, owner_a, org_a):
    owner_a.first_name, owner_a.last_name = "Ana", "Quispe"
    owner_a.save()
    client.force_login(owner_a)
    response = client.post(
        f"{MEMBERS}?lang=en",
        {"invite": "1", "invite-email": " Rosa.Apaza@Example.org ", "invite-role": "organiser"},
        follow=True,
    )
    assert "An invitation to join as organiser is on its way to rosa.apaza@example.org." in (
        response.content.decode()
    )
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["rosa.apaza@example.org"]
    assert message.subject == "Ana Quispe invites you to Organisation A on Voces"
    assert "join Organisation A on Voces, as organiser" in message.body
    path = emailed_path(message.body, "/dashboard/invitations/")
    assert path in response.content.decode()  # the pending list shows the link too
    client.logout()

    page = client.get(path, HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Ana Quispe invites you to Organisation A as organiser." in html
    assert "rosa.apaza@example.org" in html
    mismatch = client.post(
        path,
        {"username": "rosa", "password": NEW_PASSWORD, "password_again": NEW_PASSWORD + "x"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert mismatch.status_code == 400
    assert "The two passwords differ." in mismatch.content.decode()
    joined = client.post(
        path, {"username": "rosa", "password": NEW_PASSWORD, "password_again": NEW_PASSWORD}
    )
    assert joined.status_code == 302
    assert joined["Location"] == "/dashboard/"
    rosa = User.objects.get(username="rosa")
    assert client.session["_auth_user_id"] == str(rosa.pk)  # logged in
    assert Membership.objects.get(user=rosa, organisation=org_a).role == Role.ORGANISER
    assert client.get("/dashboard/o/org-a/signers/").status_code == 200  # an organiser now
    assert list(
        AuditEntry.objects.filter(organisation=org_a)
        .order_by("id")
        .values_list("action", "actor_name")
    ) == [("invitation.create", owner_a.username), ("invitation.accept", "rosa")]
    client.logout()
    used = client.get(path, HTTP_ACCEPT_LANGUAGE="en")
    assert used.status_code == 410
    assert "already been accepted" in used.content.decode()


def test_a_logged_in_person_joins_from_the_link(client, owner_a, org_a, organiser_b):
    invitation = invitations.invitation_create(
        by=owner_a, organisation=org_a, email=organiser_b.email, role=Role.VIEWER
    )
    path = f"/dashboard/invitations/{invitations.invitation_token(invitation)}/"
    client.force_login(organiser_b)
    html = client.get(path, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert f"Join as {organiser_b.username}" in html
    assert 'name="password"' not in html
    assert 'name="next"' in html  # "not you?": log out and come back
    assert client.post(path).status_code == 302
    assert Membership.objects.get(user=organiser_b, organisation=org_a).role == Role.VIEWER
    assert User.objects.filter(email=organiser_b.email).count() == 1


def test_a_member_opening_an_invitation_is_told_so(client, owner_a, org_a, organiser_a):
    invitation = invitations.invitation_create(
        by=owner_a, organisation=org_a, email="another@example.org", role=Role.OWNER
    )
    path = f"/dashboard/invitations/{invitations.invitation_token(invitation)}/"
    client.force_login(organiser_a)
    html = client.get(path, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "You are a member of Organisation A already." in html
    refused = client.post(path, HTTP_ACCEPT_LANGUAGE="en")
    assert refused.status_code == 409
    assert "You are a member of Organisation A already." in refused.content.decode()
    assert Membership.objects.get(user=organiser_a).role == Role.ORGANISER  # not made owner


def test_logging_out_from_an_invitation_comes_back_to_it(client, owner_a, org_a, organiser_b):
    invitation = invitations.invitation_create(
        by=owner_a, organisation=org_a, email="x@example.org", role=Role.VIEWER
    )
    path = f"/dashboard/invitations/{invitations.invitation_token(invitation)}/"
    client.force_login(organiser_b)
    response = client.post("/dashboard/logout/", {"next": path})
    assert response["Location"] == path
    assert "_auth_user_id" not in client.session
    elsewhere = client.post("/dashboard/logout/", {"next": "https://evil.example.org/"})
    assert elsewhere["Location"] == "/dashboard/login/"


@pytest.mark.parametrize("state", ["revoked", "expired", "accepted", "forged"])
def test_an_unusable_link_is_a_clear_4xx_page(client, owner_a, org_a, state):
    invitation = invitations.invitation_create(
        by=owner_a, organisation=org_a, email="late@example.org", role=Role.VIEWER
    )
    token = invitations.invitation_token(invitation)
    if state == "revoked":
        invitations.invitation_revoke(by=owner_a, invitation=invitation)
    elif state == "expired":
        Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now())
    elif state == "accepted":
        invitations.invitation_accept(token=token, username="early", password=NEW_PASSWORD)
    else:
        token = token.replace(":", ":x", 1)
    path = f"/dashboard/invitations/{token}/"
    words = {
        "revoked": "withdrawn",
        "expired": "expired",
        "accepted": "already been accepted",
        "forged": "not valid",
    }[state]
    for response in (
        client.get(path, HTTP_ACCEPT_LANGUAGE="en"),
        client.post(
            path,
            {"username": "late", "password": NEW_PASSWORD, "password_again": NEW_PASSWORD},
            HTTP_ACCEPT_LANGUAGE="en",
        ),
    ):
        assert response.status_code == (400 if state == "forged" else 410)
        html = response.content.decode()
        assert "This invitation cannot be used" in html
        assert words in html
    assert not User.objects.filter(username="late").exists()


@pytest.mark.django_db(transaction=True)
def test_an_email_that_cannot_be_sent_gives_the_owner_the_link(client, owner_a, org_a, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", 1  # nothing listens there
    client.force_login(owner_a)
    response = client.post(
        f"{MEMBERS}?lang=en",
        {"invite": "1", "invite-email": "rosa@example.org", "invite-role": "viewer"},
        follow=True,
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "could not be sent; copy this link instead" in html
    invitation = Invitation.objects.get()
    assert invitation.emailed_at is None
    assert "/dashboard/invitations/" in html
    assert "The email could not be sent: copy the link and send it yourself." in html


def test_only_owners_invite_from_the_members_page(client, organiser_a, org_a):
    client.force_login(organiser_a)
    response = client.post(
        MEMBERS, {"invite": "1", "invite-email": "x@example.org", "invite-role": "viewer"}
    )
    assert response.status_code == 403
    assert not Invitation.objects.exists()


def test_a_bad_invitation_shows_its_error_on_the_form(client, owner_a, organiser_a):
    client.force_login(owner_a)
    response = client.post(
        MEMBERS,
        {"invite": "1", "invite-email": "not-an-email", "invite-role": "viewer"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 400
    assert 'id="id_invite-email_error"' in response.content.decode()
    member = client.post(
        MEMBERS,
        {"invite": "1", "invite-email": organiser_a.email, "invite-role": "viewer"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert member.status_code == 400
    assert "Someone with this email is already a member." in member.content.decode()
    assert not Invitation.objects.exists()


def test_revoking_asks_first_then_the_link_stops_working(client, owner_a, org_a):
    invitation = invitations.invitation_create(
        by=owner_a, organisation=org_a, email="rosa@example.org", role=Role.VIEWER
    )
    client.force_login(owner_a)
    asked = client.post(MEMBERS, {"revoke": invitation.id}, HTTP_ACCEPT_LANGUAGE="en")
    assert asked.status_code == 200
    html = asked.content.decode()
    assert "Revoke the invitation sent to rosa@example.org?" in html
    assert 'name="confirmed" value="1"' in html
    invitation.refresh_from_db()
    assert invitation.revoked_at is None
    client.post(MEMBERS, {"revoke": invitation.id, "confirmed": "1"})
    invitation.refresh_from_db()
    assert invitation.revoked_at is not None
    page = client.get(MEMBERS).content.decode()
    assert f'name="revoke" value="{invitation.id}"' not in page
    token = invitations.invitation_token(invitation)
    assert client.get(f"/dashboard/invitations/{token}/").status_code == 410


# --- The members page: defaults and confirmations -----------------------------------------


def test_the_role_selects_default_to_viewer(client, owner_a):
    client.force_login(owner_a)
    html = client.get(MEMBERS).content.decode()
    for name in ("invite-role", "role"):
        select = re.search(rf'<select name="{name}" id="id_{name}">(.*?)</select>', html, re.S)
        assert select, name
        assert re.findall(r'<option value="(\w+)" selected>', select.group(1)) == ["viewer"]


def test_changing_a_role_asks_first(client, owner_a, organiser_a):
    client.force_login(owner_a)
    row = {"row": "1", "username": organiser_a.username, "role": "viewer"}
    asked = client.post(MEMBERS, row, HTTP_ACCEPT_LANGUAGE="en")
    assert asked.status_code == 200
    html = asked.content.decode()
    assert "Change organiser-a&#x27;s role from organiser to viewer?" in html
    assert "Cancel" in html
    assert Membership.objects.get(user=organiser_a).role == Role.ORGANISER
    assert not AuditEntry.objects.exists()  # asking changed nothing, logged nothing
    done = client.post(MEMBERS, {**row, "confirmed": "1"}, follow=True, HTTP_ACCEPT_LANGUAGE="en")
    assert "organiser-a is now viewer." in done.content.decode()
    assert Membership.objects.get(user=organiser_a).role == Role.VIEWER
    entry = AuditEntry.objects.get()
    assert (entry.action, entry.changes) == ("member.set", {"role": ["organiser", "viewer"]})


def test_adding_someone_with_an_account_needs_no_confirmation(client, owner_a, org_a):
    newcomer = UserFactory(username="newcomer")
    client.force_login(owner_a)
    response = client.post(MEMBERS, {"username": "newcomer", "role": "collector"})
    assert response.status_code == 302
    assert Membership.objects.get(user=newcomer, organisation=org_a).role == Role.COLLECTOR
    unknown = client.post(
        MEMBERS, {"username": "nobody", "role": "viewer"}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert unknown.status_code == 400
    assert 'id="id_username_error"' in unknown.content.decode()


def test_removing_asks_first(client, owner_a, organiser_a):
    client.force_login(owner_a)
    asked = client.post(MEMBERS, {"remove": organiser_a.id}, HTTP_ACCEPT_LANGUAGE="en")
    assert asked.status_code == 200
    assert "Remove organiser-a from Organisation A?" in asked.content.decode()
    assert Membership.objects.filter(user=organiser_a).exists()
    client.post(MEMBERS, {"remove": organiser_a.id, "confirmed": "1"})
    assert not Membership.objects.filter(user=organiser_a).exists()
    entry = AuditEntry.objects.get()
    assert (entry.action, entry.changes) == ("member.remove", {"role": ["organiser", None]})


def test_the_last_owner_can_be_neither_removed_nor_demoted(client, owner_a):
    client.force_login(owner_a)
    for data in (
        {"remove": owner_a.id},
        {"row": "1", "username": owner_a.username, "role": "organiser"},
    ):
        asked = client.post(MEMBERS, data, HTTP_ACCEPT_LANGUAGE="en")
        assert asked.status_code == 200
        html = asked.content.decode()
        assert "An organisation keeps at least one owner." in html
        assert 'name="confirmed"' not in html  # nothing to confirm: it cannot be done
        forced = client.post(MEMBERS, {**data, "confirmed": "1"}, HTTP_ACCEPT_LANGUAGE="en")
        assert forced.status_code == 400
        assert "An organisation keeps at least one owner." in forced.content.decode()
    assert Membership.objects.get(user=owner_a).role == Role.OWNER


def test_an_owner_who_steps_down_goes_to_the_home_page(client, owner_a, org_a):
    other = UserFactory(username="other-owner")
    MembershipFactory(user=other, organisation=org_a, role=Role.OWNER)
    client.force_login(owner_a)
    response = client.post(
        MEMBERS, {"row": "1", "username": owner_a.username, "role": "viewer", "confirmed": "1"}
    )
    assert response["Location"] == "/dashboard/"
    assert Membership.objects.get(user=owner_a).role == Role.VIEWER


def test_the_unlock_button_and_the_retention_form_stay(client, owner_a, organiser_a, org_a):
    wrong_passwords(client, organiser_a.username)
    client.force_login(owner_a)
    html = client.get(MEMBERS).content.decode()
    assert f'name="unlock" value="{organiser_a.id}"' in html
    bad = client.post(
        MEMBERS, {"retention": "1", "retention_months": "0"}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert bad.status_code == 400
    assert 'id="id_retention_months_error"' in bad.content.decode()
    client.post(MEMBERS, {"retention": "1", "retention_months": "36"})
    org_a.refresh_from_db()
    assert org_a.retention_months == 36


# --- New organisations ------------------------------------------------------------------------


def test_superusers_create_organisations_and_invite_the_first_owner(client, superuser):
    client.force_login(superuser)
    home = client.get("/dashboard/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'href="/dashboard/o/new/"' in home
    form = client.get("/dashboard/o/new/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<option value="" selected>' in form  # no country chosen for them
    response = client.post(
        "/dashboard/o/new/",
        {
            "slug": "atrh",
            "name": "ATRH Ecuador",
            "country": "EC",
            "website": "atrh.example.org",
            "description": "Asociación de Trabajadoras Remuneradas del Hogar",
            "retention_months": "24",
        },
    )
    assert response["Location"] == "/dashboard/o/atrh/members/"
    organisation = Organisation.objects.get(slug="atrh")
    assert (organisation.country.code, organisation.website, organisation.retention_months) == (
        "EC",
        "https://atrh.example.org",
        24,
    )
    assert not organisation.memberships.exists()  # the superuser is not made a member
    members = client.get(response["Location"], HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "This organisation has no owner yet." in members
    select = re.search(r'<select name="invite-role".*?</select>', members, re.S).group(0)
    assert '<option value="owner" selected>' in select
    again = client.post(
        "/dashboard/o/new/", {"slug": "atrh", "name": "Again"}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert again.status_code == 400
    assert 'id="id_slug_error"' in again.content.decode()


def test_only_superusers_create_organisations(client, owner_a):
    client.force_login(owner_a)
    assert 'href="/dashboard/o/new/"' not in client.get("/dashboard/").content.decode()
    assert client.get("/dashboard/o/new/").status_code == 403
    assert client.post("/dashboard/o/new/", {"slug": "x", "name": "X"}).status_code == 403
    assert not Organisation.objects.filter(slug="x").exists()
