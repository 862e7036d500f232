import factory
from django.contrib.auth import get_user_model

from campaigns.models import Campaign, CountryStatus, Membership, Organisation, Role
from signatures import channels
from signatures.bulk import signatures_insert
from signatures.models import Collector
from signatures.services import signature_sign


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"person{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.org")
    password = factory.django.Password("correct horse battery staple")


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    slug = factory.Sequence(lambda n: f"org-{n}")
    name = factory.Sequence(lambda n: f"Organisation {n}")
    country = "BO"


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    role = Role.ORGANISER


class CampaignFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Campaign

    organisation = factory.SubFactory(OrganisationFactory)
    slug = factory.Sequence(lambda n: f"campaign-{n}")
    title = factory.Sequence(lambda n: f"Campaign {n}")
    summary = "Ratify ILO Convention 189."
    petition_text = "We ask our governments to ratify ILO C189."
    goal = 1000
    status = Campaign.Status.OPEN
    require_confirmation = False
    countries = factory.LazyFunction(lambda: ["BO", "EC"])
    languages = factory.LazyFunction(lambda: ["es", "en"])


class CountryStatusFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CountryStatus

    campaign = factory.SubFactory(CampaignFactory)
    country = "BO"
    stage = "introduced"
    date = factory.Faker("date_object")


class CollectorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Collector

    organisation = factory.SubFactory(OrganisationFactory)
    name = factory.Sequence(lambda n: f"Activist {n}")
    code = factory.Sequence(lambda n: f"activist-{n}")


def sign(campaign, **fields):
    """Sign through the service, as the API does; returns the SignResult."""
    data = {"name": "Rosa Quispe", "email": "rosa@example.org", "country": "BO", "consent": True}
    data.update(fields)
    return signature_sign(campaign=campaign, signer=data, channel=channels.API, language="es")


def confirmed_rows(
    campaign, count, *, start=0, email="s{n}@e.org", name="x", countries=("BO",), partner=None
):
    """Write `count` confirmed signatures straight into the table, as an import does (fast:
    for volume, not for the signing path). `{n}` in email and name is the row's number;
    `partner`: the coalition partner organisation they came through."""
    return signatures_insert(
        {
            "campaign_id": campaign.id,
            "partner_id": partner.id if partner is not None else None,
            "name": name.format(n=n),
            "email": email.format(n=n),
            "email_normalised": email.format(n=n),
            "country": countries[n % len(countries)],
            "source": "import",
            "status": "confirmed",
            "confirmed_at": campaign.created,
        }
        for n in range(start, start + count)
    )
