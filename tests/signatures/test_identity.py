"""One person, one identity: look-alike spellings of a mailbox or a phone are one value.

Pure functions: no database, no network.
"""

import email_validator
import phonenumbers
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from signatures import identity
from signatures.identity import (
    EMAIL_MAX,
    InvalidEmail,
    InvalidPhone,
    email_domain,
    email_normalise,
    phone_normalise,
)

# Unicode domains and their A-labels, written out rather than computed with the library under
# test. No "ß" or final "ς" here: upper-casing those changes the domain (see the tests below).
UNICODE_DOMAINS = [
    ("bücher.example", "xn--bcher-kva.example"),
    ("例え.テスト", "xn--r8jz45g.xn--zckzah"),
    ("münchen.de", "xn--mnchen-3ya.de"),
    ("пример.рф", "xn--e1afmkfd.xn--p1ai"),
    ("café.fr", "xn--caf-dma.fr"),
]
INVISIBLE = ["\u00ad", "\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u180e"]
SPACES = [" ", "\t", "\n", "\u00a0", "\u3000", "\u2003"]


@pytest.mark.parametrize(
    "raw",
    ["a@ex\u00adample.org", "a@exam\u200dple.org", "a@ＥXAMPLE.ORG"],
    ids=["soft-hyphen", "zero-width-joiner", "fullwidth"],
)
def test_the_look_alike_domains_found_are_the_plain_address(raw):
    assert email_normalise(raw) == "a@example.org"


def test_the_stored_form_is_the_folded_local_part_and_the_a_label_domain():
    assert email_normalise("  Ann.Lee+Petitions@Bücher.Example. ") == (
        "ann.lee+petitions@xn--bcher-kva.example"
    )
    assert email_domain(email_normalise("ann@BÜCHER.example")) == "xn--bcher-kva.example"


_ATOM = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789+_-", min_size=1, max_size=8)
_LABEL = st.from_regex(r"[a-z0-9]([a-z0-9]{0,6}[a-z0-9])?", fullmatch=True)


@st.composite
def base_addresses(draw):
    """(local part, domain as typed, A-label domain), all as a person would type them."""
    local = ".".join(draw(st.lists(_ATOM, min_size=1, max_size=3)))
    if draw(st.booleans()):
        unicode_domain, a_label = draw(st.sampled_from(UNICODE_DOMAINS))
        domain = draw(st.sampled_from([unicode_domain, a_label]))
    else:
        labels = draw(st.lists(_LABEL, min_size=1, max_size=3))
        tld = draw(st.sampled_from(["org", "com", "bo", "example", "ong"]))
        domain = a_label = ".".join([*labels, tld])
    return local, domain, a_label


def _case_changed(draw, text: str) -> str:
    flips = draw(st.lists(st.booleans(), min_size=len(text), max_size=len(text)))
    out = []
    for ch, flip in zip(text, flips, strict=True):
        upper = ch.upper()
        out.append(upper if flip and len(upper) == 1 and upper.lower() == ch else ch)
    return "".join(out)


def _fullwidth(draw, text: str) -> str:
    # U+FF01..U+FF5E are the fullwidth forms of "!".."~", the ASCII an address is made of.
    flips = draw(st.lists(st.booleans(), min_size=len(text), max_size=len(text)))
    return "".join(
        chr(ord(ch) + 0xFEE0) if flip and "!" <= ch <= "~" else ch
        for ch, flip in zip(text, flips, strict=True)
    )


def _invisibles_inserted(draw, text: str) -> str:
    chars = list(text)
    for _ in range(draw(st.integers(0, 4))):
        chars.insert(draw(st.integers(0, len(chars))), draw(st.sampled_from(INVISIBLE)))
    return "".join(chars)


@st.composite
def spellings(draw, base):
    local, domain, a_label = base
    if draw(st.booleans()) and domain == a_label:
        # The same domain in Unicode, when there is one.
        domain = next((u for u, a in UNICODE_DOMAINS if a == a_label), domain)
    elif draw(st.booleans()):
        domain = next((a for u, a in UNICODE_DOMAINS if u == domain), domain)
    if draw(st.booleans()):
        domain += "."
    text = f"{local}@{domain}"
    text = _case_changed(draw, text)
    text = _fullwidth(draw, text)
    text = _invisibles_inserted(draw, text)
    lead = "".join(draw(st.lists(st.sampled_from(SPACES), max_size=2)))
    trail = "".join(draw(st.lists(st.sampled_from(SPACES), max_size=2)))
    return lead + text + trail


@settings(max_examples=200)
@given(data=st.data(), base=base_addresses())
def test_every_spelling_of_one_mailbox_is_one_identity(data, base):
    local, _domain, a_label = base
    expected = f"{local}@{a_label}"
    assert email_normalise(expected) == expected
    for _ in range(4):
        variant = data.draw(spellings(base))
        assert email_normalise(variant) == expected, variant


@given(base=base_addresses())
def test_plus_tags_and_dots_still_name_other_mailboxes(base):
    local, domain, _a_label = base
    plain = email_normalise(f"{local}@{domain}")
    assert email_normalise(f"{local}+1@{domain}") != plain
    if "." in local:
        assert email_normalise(f"{local.replace('.', '')}@{domain}") != plain


@pytest.mark.parametrize(
    ("one", "other"),
    [("a+1@x.org", "a@x.org"), ("a.b@x.org", "ab@x.org"), ("a@x.org", "a@x.org.bo")],
)
def test_distinct_addresses_stay_distinct(one, other):
    assert email_normalise(one) != email_normalise(other)


def test_the_domain_keeps_idna_2008_letters_that_case_folding_would_change():
    # IDNA 2008 registers straße.de apart from strasse.de; its A-label is the same domain.
    assert email_normalise("a@straße.de") == "a@xn--strae-oqa.de"
    assert email_normalise("a@XN--STRAE-OQA.DE") == "a@xn--strae-oqa.de"
    assert email_normalise("a@strasse.de") == "a@strasse.de"


def test_the_local_part_is_case_folded():
    assert email_normalise("STRASSE@x.org") == email_normalise("straße@x.org") == "strasse@x.org"
    # Dotted capital I folds to i + combining dot; dotless i is its own letter.
    assert email_normalise("İ@x.org") == "i\u0307@x.org"
    assert email_normalise("ı@x.org") == "ı@x.org"
    assert email_normalise("I@x.org") == "i@x.org"


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "   ",
        "\u200b",
        "ann",
        "ann@",
        "@x.org",
        "ann@x",
        "ann@localhost",
        "ann@x.test",
        "ann@x.123",
        "ann@x..org",
        "ann@x.org..",
        "ann@-x.org",
        "ann@x_y.org",
        "a b@x.org",
        "a..b@x.org",
        ".a@x.org",
        "a@b@x.org",
        '"ann lee"@x.org',
        '"ann"@x.org',
        "ann@[192.0.2.1]",
        "ann@[IPv6:2001:db8::1]",
        "Ann <ann@x.org>",
        "ann@xn--a.org",
        "ann\x00@x.org",
        "a" * 250 + "@x.org",
        "a@" + "b" * 64 + ".org",
        "a" * 2000 + "@x.org",
    ],
)
def test_what_is_not_an_address_is_refused(raw):
    with pytest.raises(InvalidEmail):
        email_normalise(raw)


def test_a_stored_form_must_fit_254_characters():
    local = "a" * 64
    domain = ".".join(["b" * 60] * 3) + ".org"
    assert len(email_normalise(f"{local}@{domain}")) <= EMAIL_MAX
    with pytest.raises(InvalidEmail):
        email_normalise(f"{local}@{domain[:60]}.{domain}")


def _normalises_to_a_fixed_point_or_refuses(raw):
    try:
        stored = email_normalise(raw)
    except InvalidEmail:
        return
    assert len(stored) <= EMAIL_MAX
    assert email_normalise(stored) == stored
    assert stored == stored.strip()
    assert email_domain(stored).isascii()
    assert email_domain(stored) == email_domain(stored).lower()


@settings(max_examples=300)
@given(raw=st.text())
def test_arbitrary_text_is_an_address_or_invalid_email(raw):
    _normalises_to_a_fixed_point_or_refuses(raw)


@settings(max_examples=300)
@given(
    local=st.text(min_size=1, max_size=30),
    domain=st.one_of(
        st.sampled_from([d for pair in UNICODE_DOMAINS for d in pair] + ["x.org", "straße.de"]),
        st.text(max_size=30),
    ),
)
def test_any_local_part_normalises_to_a_fixed_point_or_is_refused(local, domain):
    # Arbitrary text rarely has an "@"; this makes Unicode local parts reach the folding.
    _normalises_to_a_fixed_point_or_refuses(f"{local}@{domain}")


@given(raw=st.emails())
def test_addresses_hypothesis_calls_valid_normalise_to_a_fixed_point(raw):
    _normalises_to_a_fixed_point_or_refuses(raw)


# Phones


def test_one_phone_in_international_and_national_form_is_one_number():
    expected = "+59171234567"
    assert phone_normalise("+591 7123-4567", country="BO") == expected
    assert phone_normalise("71234567", country="BO") == expected
    assert phone_normalise("00591 71 23 45 67", country="US") == expected
    assert phone_normalise("(+591) 7123.4567", country="PE") == expected
    assert phone_normalise("\u200b＋５９１ ７１２３ ４５６７ ", country="BO") == expected
    assert phone_normalise("٧١٢٣٤٥٦٧", country="bo") == expected


def test_a_national_number_is_read_with_the_signers_country():
    assert phone_normalise("987 654 321", country="PE") == "+51987654321"
    assert phone_normalise("(01) 123-4567", country="PE") == "+5111234567"


def test_a_possible_number_outside_any_real_plan_is_refused():
    number = phonenumbers.parse("+59111234567")
    assert phonenumbers.is_possible_number(number)
    assert not phonenumbers.is_valid_number(number)
    with pytest.raises(InvalidPhone):
        phone_normalise("+591 1123 4567", country="BO")


@pytest.mark.parametrize(
    ("raw", "country"),
    [
        ("", "BO"),
        ("  ", "BO"),
        ("garbage", "BO"),
        ("7123abcd", "BO"),
        ("1-800-FLOWERS", "US"),
        ("71234567 ext. 12", "BO"),
        ("123", "BO"),
        ("+591", "BO"),
        ("+", "BO"),
        ("+591+71234567", "BO"),
        ("71234567", "ZZ"),
        ("71234567", ""),
        ("7" * 41, "BO"),
        ("+591 7123 4567" + " " * 30, "BO"),
    ],
)
def test_what_is_not_a_phone_number_is_refused(raw, country):
    with pytest.raises(InvalidPhone):
        phone_normalise(raw, country=country)


_COUNTRIES = st.sampled_from(["BO", "PE", "US", "GB", "IN", "ZZ", "", "bo"])


def _phone_fixed_point_or_refused(raw, country):
    try:
        stored = phone_normalise(raw, country=country)
    except InvalidPhone:
        return
    assert stored.startswith("+")
    assert stored[1:].isdigit()
    assert phone_normalise(stored, country="US") == stored


@settings(max_examples=300)
@given(raw=st.text(), country=_COUNTRIES)
def test_arbitrary_text_is_a_phone_or_invalid_phone(raw, country):
    _phone_fixed_point_or_refused(raw, country)


@settings(max_examples=300)
@given(raw=st.text(alphabet="+0123456789 -.()７", max_size=20), country=_COUNTRIES)
def test_digit_strings_are_a_phone_or_invalid_phone(raw, country):
    _phone_fixed_point_or_refused(raw, country)


def _answer(raw):
    try:
        return email_normalise(raw)
    except InvalidEmail as error:
        return ("refused", str(error))


@settings(max_examples=300)
@given(
    local=st.one_of(
        st.from_regex(r"[a-zA-Z0-9.!#$%&'*+/=?^_`{|}~-]{1,70}", fullmatch=True),
        st.text(min_size=1, max_size=20),
    ),
    domain=st.one_of(
        st.sampled_from(
            [d for pair in UNICODE_DOMAINS for d in pair]
            + ["x.org", "straße.de", "localhost", "a.test", "x.org.", "EXAMPLE.ORG", "xn--a.org"]
        ),
        st.emails().map(lambda email: email.rpartition("@")[2]),
        st.text(max_size=20),
    ),
)
def test_an_address_at_a_domain_seen_before_is_answered_as_at_first_sight(local, domain):
    """The domains email-validator accepted are remembered (identity._domains_valid); an
    address at one of them gets the very answer a first look gives, whatever its local part."""
    spellings = [f"{local}@{domain}", f"{local}@{domain}".upper()]
    identity._domains_valid.clear()
    first = [_answer(raw) for raw in spellings]
    _answer(f"seen.before@{domain}")  # the domain is remembered now, if it is valid
    assert [_answer(raw) for raw in spellings] == first
    for answer in first:  # and what is kept is an address email-validator itself accepts
        if isinstance(answer, str):
            email_validator.validate_email(answer, check_deliverability=False)
