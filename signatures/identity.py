"""One person, one identity: the stored forms of a signer's email and phone.

Both functions are pure (no I/O, no query, no DNS) and cheap: they run once per signature on the
hot path and once per row of an import. The unique constraint on (campaign, email_normalised)
is only as good as `email_normalise`: two spellings of one mailbox must give one string.
"""

import re
import unicodedata

import email_validator
import email_validator.syntax
import idna
import phonenumbers

EMAIL_MAX = 254
# Bounds the work done on one input before anything is checked (format characters and
# whitespace can make a long raw string fold to a short address, but not this much longer).
EMAIL_RAW_MAX = 1024
PHONE_RAW_MAX = 40

__all__ = [
    "EMAIL_MAX",
    "PHONE_RAW_MAX",
    "InvalidEmail",
    "InvalidPhone",
    "email_domain",
    "email_key",
    "email_normalise",
    "phone_key",
    "phone_normalise",
]


class InvalidEmail(ValueError):
    """Not a valid email address; the message is a short reason."""


class InvalidPhone(ValueError):
    """Not a valid phone number; the message is a short reason."""


def _without_format_characters(text: str) -> str:
    # Category Cf: soft hyphen, zero-width space/joiners, word joiner, BOM, bidi controls...
    # invisible, so a spelling with one is the spelling without it. ASCII has none.
    if text.isascii():
        return text
    return "".join(ch for ch in text if unicodedata.category(ch) != "Cf")


def _folded(text: str) -> str:
    """Format characters removed, NFKC, trimmed."""
    if text.isascii():
        return text.strip()
    return unicodedata.normalize("NFKC", _without_format_characters(text)).strip()


def _local_folded(local: str) -> str:
    if local.isascii():
        return local.lower()  # casefold and NFKC are lower() and nothing on ASCII
    # Case folding can leave a string that NFKC composes, and NFKC one that folds further
    # (U+0345, some Greek and Cherokee letters): repeat until nothing changes.
    for _ in range(4):
        again = unicodedata.normalize("NFKC", _without_format_characters(local.casefold()))
        if again == local:
            return local
        local = again
    raise InvalidEmail("The part before the @ does not settle into one form.")


def email_normalise(raw: str) -> str:
    """The one stored form of an email address: what two spellings of a mailbox share.

    Steps: remove format and zero-width characters (Unicode category Cf), NFKC, trim; split on
    the last "@"; case-fold the local part (NFKC again until stable); map the domain with
    UTS #46 (IDNA 2008, non-transitional; this lower-cases it and maps fullwidth and other
    compatibility forms) to its A-label ("xn--") form, dropping one trailing root dot; then
    validate `local@a-label` with email-validator, without DNS. Returns
    `folded-local@ascii-domain`, at most 254 characters.

    The domain is not passed through `str.casefold`: UTS #46 has its own case mapping, which
    keeps "ß" and final "ς" (IDNA 2008 registers straße.de and strasse.de as two domains),
    so "a@straße.de" and "a@xn--strae-oqa.de" are one address and "a@strasse.de" another.
    The local part is case-folded as the contract says, so "STRASSE@", "straße@" and
    "strasse@" are one mailbox; "İ" folds to "i̇" (i + U+0307), not to "i", and the dotless
    i (U+0131) stays itself.

    Refused (InvalidEmail): quoted local parts ('"a b"@x.org') and IP-literal domains
    ("a@[192.0.2.1]"), email-validator's defaults; display names ("Ann <a@x.org>"); domains
    without a dot, with a TLD that is not letters, or special-use ones (localhost, .test,
    .invalid, .local, .onion, .arpa...); and anything longer than 254 characters once
    normalised. "a+1@" and dotted local parts stay distinct addresses: no provider's rules
    are guessed.
    """
    if not isinstance(raw, str):
        raise InvalidEmail("Enter the email address as text.")
    if len(raw) > EMAIL_RAW_MAX:
        raise InvalidEmail("The email address is too long.")
    text = _folded(raw)
    if not text:
        raise InvalidEmail("Enter an email address.")
    local, at, domain = text.rpartition("@")
    if not at:
        raise InvalidEmail("An email address needs an @.")
    if not local:
        raise InvalidEmail("There must be something before the @.")
    if not domain:
        raise InvalidEmail("There must be something after the @.")
    local = _local_folded(local)
    if domain.isascii():
        # UTS #46 maps ASCII by lower-casing alone; email-validator checks the hostname
        # syntax and that an "xn--" label is real IDNA, so idna.encode would only repeat it.
        ascii_domain = domain.lower()
    else:
        try:
            ascii_domain = idna.encode(domain, uts46=True, std3_rules=True).decode("ascii")
        except (idna.IDNAError, UnicodeError) as e:
            raise InvalidEmail("The part after the @ is not a valid domain.") from e
    if ascii_domain.endswith("."):
        ascii_domain = ascii_domain[:-1]  # the root; idna refuses a second, empty label
    address = f"{local}@{ascii_domain}"
    if len(address) > EMAIL_MAX:
        raise InvalidEmail("The email address is too long.")
    plain_local = _DOT_ATOM.match(local) is not None
    if plain_local and ascii_domain in _domains_valid:
        return address  # what email-validator answered for this domain, and any such local
    try:
        valid = email_validator.validate_email(address, check_deliverability=False)
    except email_validator.EmailNotValidError as e:
        raise InvalidEmail(str(e)) from e
    # Its local part is ours after NFC (a no-op on NFKC) and RFC 2142 lower-casing (a no-op
    # on folded text); its Unicode `domain` is for display, the A-label is the identity.
    if valid.local_part != local or valid.ascii_domain != ascii_domain:
        raise InvalidEmail("The email address does not settle into one form.")
    if plain_local:
        if len(_domains_valid) >= _DOMAINS_VALID_MAX:
            _domains_valid.clear()
        _domains_valid.add(ascii_domain)
    return address


# email-validator's own rule for a plain local part (RFC 5322 dot-atom, ASCII): one it
# accepts whatever the domain, and returns unchanged. Its checks of an address with such a
# local part are then those of the domain, and the total length (above); so a domain it
# accepted once is not checked again in this process. Most of a signature's one validation
# was this check (README, Performance: 115 of its 180 µs).
_DOT_ATOM = email_validator.syntax.DOT_ATOM_TEXT
_domains_valid: set[str] = set()
_DOMAINS_VALID_MAX = 4096


def email_key(raw: str) -> str | None:
    """The stored form of an address typed to look someone up (signers' rights, OSDI
    filters), or None when it is no valid address, and so nobody's."""
    try:
        return email_normalise(raw)
    except InvalidEmail:
        return None


def email_domain(normalised: str) -> str:
    """The domain of an `email_normalise` result, in A-label form (organisers filter by it)."""
    _local, at, domain = normalised.rpartition("@")
    if not at:
        raise InvalidEmail("An email address needs an @.")
    return domain


# Separators people type inside a phone number; anything else but digits and a leading "+"
# (letters, "ext.", "#", "*") is refused rather than guessed.
_PHONE_SEPARATORS = str.maketrans("", "", "-.()/\u2010\u2012\u2013\u2014\u2015\u2212")
_E164_ISH = re.compile(r"\+?[0-9]+")
_COUNTRY = re.compile(r"[A-Z]{2}")


def _ascii_digits(text: str) -> str:
    # NFKC maps fullwidth digits; other scripts' decimal digits (Arabic-Indic ٠١٢...) are
    # digits too, and a phone keyboard may type them.
    if text.isascii():
        return text
    return "".join(
        str(d) if (d := unicodedata.decimal(ch, None)) is not None else ch for ch in text
    )


def phone_normalise(raw: str, *, country: str) -> str:
    """A phone number in E.164 ("+59171234567"), from international or national form.

    International form: "+591 7123-4567" or "00591 7123 4567" ("00" is read as "+" whatever
    the country). National form is read with `country`, the signer's ISO 3166-1 alpha-2 code
    ("71234567" with BO). Format and zero-width characters, spaces, dashes, dots, slashes and
    parentheses are removed after NFKC (fullwidth digits count). The number must be valid
    (`phonenumbers.is_valid_number`: in a real numbering plan), not only possible (the right
    length for the country). At most 40 characters as typed. Raises InvalidPhone.
    """
    if not isinstance(raw, str):
        raise InvalidPhone("Enter the phone number as text.")
    if len(raw) > PHONE_RAW_MAX:
        raise InvalidPhone(f"A phone number has at most {PHONE_RAW_MAX} characters.")
    text = "".join(_ascii_digits(_folded(raw)).split()).translate(_PHONE_SEPARATORS)
    if not text:
        raise InvalidPhone("Enter a phone number.")
    if not _E164_ISH.fullmatch(text):
        raise InvalidPhone("Use only digits, spaces, dashes and a leading +.")
    if text.startswith("00"):
        text = "+" + text[2:]
    region = country.strip().upper() if isinstance(country, str) else ""
    if not (_COUNTRY.fullmatch(region) and region in phonenumbers.SUPPORTED_REGIONS):
        if not text.startswith("+"):
            raise InvalidPhone("Give the number in international form (+ and the country code).")
        region = None
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException as e:
        raise InvalidPhone("This is not a phone number.") from e
    if not phonenumbers.is_valid_number(number):
        raise InvalidPhone("This is not a valid phone number.")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def phone_key(raw: str, *, country: str = "") -> str | None:
    """The stored form of a phone number typed to look someone up, or None when it is no
    valid number (and so nobody's)."""
    try:
        return phone_normalise(raw, country=country)
    except InvalidPhone:
        return None
