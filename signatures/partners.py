"""A signature recorded by another system through OSDI: a partner's script with a token, or
a form widget posting from the signer's browser without one. One transaction for the
signature (through `signature_sign`, the one way in), what the system said of it, and, for a
partner, the person with their tags and identifiers.

Who may record with a token: the campaign's organisation's owners and organisers, and those
of its active coalition partners (`may_record`).
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.utils.translation import gettext as _

from campaigns import access
from campaigns.access import Ability
from campaigns.models import Campaign, Organisation
from core.errors import NotAllowed
from signatures import channels
from signatures.models import Person, SignatureOrigin
from signatures.people import person_merge
from signatures.services import SignResult, signature_sign


@dataclass(frozen=True, slots=True)
class Origin:
    """What the sending system says of the signature (OSDI's names), checked by the caller."""

    action_date: datetime | None = None
    origin_system: str = ""
    source: str = ""
    referrer: str = ""
    website: str = ""

    def __bool__(self) -> bool:
        return any((self.action_date, self.origin_system, self.source, self.referrer, self.website))


def may_record(by, campaign: Campaign) -> bool:
    """May this token's account record signatures of the campaign for people it vouches
    for? The campaign's organisation's owners and organisers, and those of its active
    coalition partners (whose signatures are then the partner's)."""
    return access.can_on_campaign(by, campaign, Ability.SEE_SIGNERS)


@transaction.atomic
def signature_record(
    *,
    by,
    campaign: Campaign,
    signer: Mapping,
    language: str,
    client_address: str = "",
    vouched: bool = False,
    person: Mapping | None = None,
    tags: Iterable[str] = (),
    origin: Origin = Origin(),
) -> tuple[SignResult, Person | None]:
    """Record one signature sent by another system. `by` is the token's account, or None
    for a post without a token (the public: held to SIGN_RATE, its email confirmed as the
    campaign asks, told nothing about the person). With a token, `may_record` must hold
    (NotAllowed otherwise): the partner's script is held to OSDI_RATE by the API instead,
    and `vouched` (OSDI's `autoresponse: false`) means the partner confirmed the person
    itself, so the signature counts at once and Voces sends no email. `person`: the
    keyword arguments of `person_merge` (the person is then matched or made, and tagged).
    Returns the signing's result and the person (None without a token)."""
    if by is not None and not may_record(by, campaign):
        raise NotAllowed(_("This token may not record signatures of this petition."))
    if by is None:
        channel = channels.OSDI
    else:
        channel = channels.OSDI_VOUCHED if vouched else channels.OSDI_PARTNER
    # A coalition partner's token: the signature is the partner's, the person its own.
    partner_id = access.acting_partner(by, campaign, Ability.SEE_SIGNERS) if by else None
    result = signature_sign(
        campaign=campaign,
        signer=signer,
        channel=channel,
        language=language,
        client_address=client_address,
        send_confirmation=not (by is not None and vouched),
        partner_id=partner_id,
    )
    if result.created and origin:
        SignatureOrigin.objects.update_or_create(
            signature_id=result.signature_id,
            defaults={
                "action_date": origin.action_date,
                "origin_system": origin.origin_system,
                "source": origin.source,
                "referrer": origin.referrer,
                "website": origin.website,
            },
        )
    if by is None:
        return result, None
    item, _created = person_merge(
        by=by,
        organisation=Organisation.objects.get(id=partner_id)
        if partner_id
        else campaign.organisation,
        tags=tags,
        **(person or {}),
    )
    return result, item
