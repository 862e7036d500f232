"""Guessing a password: 25 wrong ones for an organiser all answered 200, and the right one then
worked. Now the account (and the address) is locked after a few, with a clear message."""

import pytest
from django.conf import settings

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"  # tests.factories.UserFactory's


def attempt(client, username, password, path="/dashboard/login/", address="198.51.100.20"):
    return client.post(
        path,
        {"username": username, "password": password},
        REMOTE_ADDR=address,
        HTTP_ACCEPT_LANGUAGE="en",
    )


def test_wrong_passwords_lock_the_account_even_for_the_right_one(client, organiser_a):
    codes = [attempt(client, organiser_a.username, f"guess-{n}").status_code for n in range(25)]
    limit = settings.AXES_FAILURE_LIMIT
    assert codes[: limit - 1] == [200] * (limit - 1)  # the form again, "did not match"
    assert set(codes[limit:]) == {429}
    locked = attempt(client, organiser_a.username, PASSWORD)
    assert locked.status_code == 429
    assert "paused for 15 minutes" in locked.content.decode()
    assert "_auth_user_id" not in client.session


def test_the_admin_login_is_locked_the_same_way(client, superuser):
    for n in range(settings.AXES_FAILURE_LIMIT):
        attempt(client, superuser.username, f"guess-{n}", path="/admin/login/")
    assert attempt(client, superuser.username, PASSWORD, path="/admin/login/").status_code == 429


def test_one_address_guessing_many_accounts_is_locked_too(client, organiser_a, owner_a):
    for n in range(settings.AXES_FAILURE_LIMIT):
        attempt(client, f"someone-{n}", "guess", address="203.0.113.66")
    assert attempt(client, owner_a.username, PASSWORD, address="203.0.113.66").status_code == 429
    assert attempt(client, owner_a.username, PASSWORD, address="203.0.113.67").status_code == 302


def test_an_owner_unlocks_a_member_and_they_log_in(client, organiser_a, owner_a):
    for n in range(settings.AXES_FAILURE_LIMIT):
        attempt(client, organiser_a.username, f"guess-{n}")
    client.force_login(owner_a)
    page = client.get("/dashboard/o/org-a/members/").content.decode()
    assert f'name="unlock" value="{organiser_a.id}"' in page
    client.post("/dashboard/o/org-a/members/", {"unlock": organiser_a.id})
    client.logout()
    assert attempt(client, organiser_a.username, PASSWORD).status_code == 302


def test_removing_the_last_owner_is_a_clear_message_not_a_500(client, owner_a):
    """Was: 'MemberForm' object has no attribute 'cleaned_data' (500)."""
    client.force_login(owner_a)
    response = client.post(
        "/dashboard/o/org-a/members/",
        {"remove": owner_a.id},
        follow=True,
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 200
    assert "An organisation keeps at least one owner." in response.content.decode()


def test_the_refusal_is_in_the_owners_language(client, owner_a):
    """Was: English on Spanish, Portuguese and French pages."""
    client.force_login(owner_a)
    response = client.post(
        "/dashboard/o/org-a/members/?lang=es", {"remove": owner_a.id}, follow=True
    )
    assert (
        "Una organización conserva al menos una persona propietaria." in response.content.decode()
    )
