"""The ways a signature arrives, each a preset of the rules that differ between them.

Every signature goes through `signatures.services.signature_sign` with one of these; what
used to be eight flags on each call is said once here, by name.
"""

from dataclasses import dataclass

from signatures.models import Signature

Source = Signature.Source


@dataclass(frozen=True, slots=True)
class Channel:
    name: str
    # The source stored when the body names none, and the sources a body may name.
    source: str
    sources: frozenset[str]
    # Held to SIGN_RATE per client address (the public); batches have a per-token limit.
    rate_limited: bool = True
    # An unknown collector code is a field error (a script can fix it) rather than ignored (a
    # person who followed an old link still counts).
    strict_collector: bool = False
    # The signer ticked a box of ours (forms, the API); imports and OSDI clients vouch for it.
    require_consent: bool = True
    # Keep the keyed hash of the client address (a market sharing a carrier address is not a
    # burst; a collector's batch is not the signers' addresses).
    keep_client_hash: bool = True
    # Collected by an authenticated collector or organiser (paper sheets, the field app):
    # counted at once, with an email or a phone alone. Never what a body says of itself.
    collected: bool = False


# What a public caller may say about where a signature came from.
PUBLIC_SOURCES = frozenset({Source.WEB, Source.EMBED, Source.API, Source.FIELD})

WEB = Channel("web", source=Source.WEB, sources=PUBLIC_SOURCES)
EMBED = Channel("embed", source=Source.EMBED, sources=PUBLIC_SOURCES)
API = Channel("api", source=Source.API, sources=PUBLIC_SOURCES, strict_collector=True)
# OSDI without a token: a form widget posting from the signer's browser, held to SIGN_RATE.
OSDI = Channel("osdi", source=Source.API, sources=frozenset({Source.API}), require_consent=False)
# OSDI with a token of the campaign's organisation: a partner's script, held to its token's
# OSDI_RATE (checked by the API before it calls in), posting from its own server, not from
# the signers' addresses.
OSDI_PARTNER = Channel(
    "osdi-partner",
    source=Source.API,
    sources=frozenset({Source.API}),
    rate_limited=False,
    require_consent=False,
    keep_client_hash=False,
)
# The same script saying `autoresponse: false`: the partner vouches for the person (it
# confirmed them on its side), so the signature counts at once, with no email from Voces,
# as a signature an organiser collected does.
OSDI_VOUCHED = Channel(
    "osdi-vouched",
    source=Source.API,
    sources=frozenset({Source.API}),
    rate_limited=False,
    require_consent=False,
    keep_client_hash=False,
    collected=True,
)
IMPORT = Channel(
    "import",
    source=Source.IMPORT,
    sources=frozenset({Source.IMPORT}),
    rate_limited=False,
    strict_collector=True,
    require_consent=False,
    keep_client_hash=False,
    collected=True,
)
FIELD = Channel(
    "field",
    source=Source.FIELD,
    sources=frozenset({Source.FIELD}),
    rate_limited=False,
    strict_collector=True,
    keep_client_hash=False,
    collected=True,
)
