"""People join and get back in as they would: an owner invites a colleague from a laptop, the
colleague opens the emailed link on a phone; someone who forgot their password resets it."""

import re

import pytest
from django.conf import settings
from django.core import mail

from campaigns.models import Membership, Role
from tests.browser.conftest import screenshot
from tests.factories import CampaignFactory, MembershipFactory, OrganisationFactory, UserFactory
from tests.stack import wait_for

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery staple"  # tests.factories.UserFactory's
NEW_PASSWORD = "llama-quechua-altiplano-7"


def emailed_path(message, prefix: str) -> str:
    url = re.search(r"https?://\S+", message.body).group(0)
    path = url.removeprefix(settings.SITE_URL)
    assert path.startswith(prefix), url
    return path


def log_in(page, base: str, username: str, password: str = PASSWORD) -> None:
    page.goto(f"{base}/dashboard/login/")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(password)
    page.locator("form.sign button[type=submit]").click()
    page.wait_for_url(f"{base}/dashboard/")


def fits_the_phone(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= 360


@pytest.fixture
def care_lac():
    organisation = OrganisationFactory(slug="care-lac", name="CARE LAC")
    ana = UserFactory(username="ana", first_name="Ana", last_name="Quispe")
    MembershipFactory(user=ana, organisation=organisation, role=Role.OWNER)
    luis = UserFactory(username="luis", first_name="Luis", last_name="Mamani")
    MembershipFactory(user=luis, organisation=organisation, role=Role.ORGANISER)
    MembershipFactory(
        user=UserFactory(username="vera"), organisation=organisation, role=Role.VIEWER
    )
    CampaignFactory(organisation=organisation, slug="ratify-c189", title="Ratify ILO C189")
    return organisation


def test_an_owner_invites_a_colleague_who_joins_from_the_emailed_link(
    live_server, desktop, phone, care_lac
):
    # Ana, the owner, on her laptop.
    log_in(desktop, live_server.url, "ana")
    desktop.goto(f"{live_server.url}/dashboard/o/care-lac/members/")
    role = desktop.locator("#id_invite-role")
    assert role.input_value() == "viewer"  # the least power unless she chooses more
    desktop.locator("#id_invite-email").fill("Rosa.Apaza@example.org")
    role.select_option("organiser")
    desktop.get_by_role("button", name="Send the invitation").click()
    desktop.locator(".messages").get_by_text("is on its way to rosa.apaza@example.org").wait_for()
    pending = desktop.locator("#h-pending + .people")
    assert "rosa.apaza@example.org" in pending.inner_text()
    screenshot(desktop, "members-desktop")
    assert desktop.errors == []

    # Rosa, on her phone, in Spanish.
    wait_for(lambda: len(mail.outbox) == 1, 10, message="no invitation email")
    message = mail.outbox[0]
    assert message.to == ["rosa.apaza@example.org"]
    assert "Ana Quispe" in message.subject
    assert "CARE LAC" in message.subject
    phone.goto(live_server.url + emailed_path(message, "/dashboard/invitations/"))
    assert "CARE LAC" in phone.locator("h1").inner_text()
    phone.locator("#id_username").fill("rosa")
    phone.locator("#id_password").fill(NEW_PASSWORD)
    phone.locator("#id_password_again").fill(NEW_PASSWORD)
    assert fits_the_phone(phone)
    screenshot(phone, "invitation-accept-phone")
    phone.locator("form.sign button[type=submit]").click()
    phone.wait_for_url(f"{live_server.url}/dashboard/")
    assert phone.locator(".who").inner_text() == "rosa"  # logged in
    assert "CARE LAC" in phone.locator(".messages").inner_text()
    assert phone.get_by_role("link", name="Ratify ILO C189").is_visible()
    assert fits_the_phone(phone)
    screenshot(phone, "invitation-joined-phone")
    assert Membership.objects.get(user__username="rosa").role == Role.ORGANISER
    assert phone.errors == []

    # The link is spent.
    phone.goto(live_server.url + emailed_path(message, "/dashboard/invitations/"))
    assert phone.locator("[role=alert]").is_visible()


def test_a_password_reset_from_the_phone_end_to_end(live_server, phone, care_lac):
    phone.goto(f"{live_server.url}/dashboard/login/")
    phone.locator("a[href='/dashboard/password-reset/']").click()
    phone.locator("#id_email").fill("luis@example.org")
    assert fits_the_phone(phone)
    screenshot(phone, "password-reset-phone")
    phone.locator("form.sign button[type=submit]").click()
    phone.wait_for_url(re.compile(r"/dashboard/password-reset/sent/$"))
    assert phone.locator("[role=status]").is_visible()
    screenshot(phone, "password-reset-sent-phone")

    wait_for(lambda: len(mail.outbox) == 1, 10, message="no reset email")
    message = mail.outbox[0]
    assert message.to == ["luis@example.org"]
    assert message.body.startswith("Hola")  # the phone asks for Spanish
    phone.goto(live_server.url + emailed_path(message, "/dashboard/password-reset/"))
    phone.wait_for_url(re.compile(r"/set-password/$"))  # the token left the address bar
    phone.locator("#id_new_password1").fill(NEW_PASSWORD)
    phone.locator("#id_new_password2").fill(NEW_PASSWORD)
    assert fits_the_phone(phone)
    screenshot(phone, "password-reset-new-phone")
    phone.locator("form.sign button[type=submit]").click()
    phone.wait_for_url(re.compile(r"/dashboard/password-reset/done/$"))
    phone.locator("main a.button").click()
    phone.wait_for_url(re.compile(r"/dashboard/login/$"))
    phone.locator("#id_username").fill("luis")
    phone.locator("#id_password").fill(NEW_PASSWORD)
    phone.locator("form.sign button[type=submit]").click()
    phone.wait_for_url(f"{live_server.url}/dashboard/")
    assert phone.locator(".who").inner_text() == "luis"
    assert phone.errors == []


def test_an_owner_on_a_phone_is_asked_before_a_member_is_removed(live_server, phone, care_lac):
    log_in(phone, live_server.url, "ana")
    phone.goto(f"{live_server.url}/dashboard/o/care-lac/members/")
    assert fits_the_phone(phone)
    screenshot(phone, "members-phone")
    phone.locator("button[name=remove]").filter(has_text="luis").click()
    confirm = phone.locator("section.confirm")
    assert "Luis Mamani" in confirm.locator("h2").inner_text()
    assert fits_the_phone(phone)
    screenshot(phone, "members-confirm-phone", full_page=False)
    assert Membership.objects.filter(user__username="luis").exists()  # asking is not doing
    confirm.locator("button[type=submit]").click()
    phone.wait_for_url(f"{live_server.url}/dashboard/o/care-lac/members/")
    assert not Membership.objects.filter(user__username="luis").exists()
    # Ana, the last owner, cannot remove herself: the page says why, and asks nothing.
    phone.locator("button[name=remove]").filter(has_text="ana").click()
    assert phone.locator(".messages .error").is_visible()
    assert phone.locator("section.confirm").count() == 0
    assert Membership.objects.get(user__username="ana").role == Role.OWNER
    assert phone.errors == []
