"""Demo data built on the programmes in DOMAIN.md. People and emails are invented.

Every step is idempotent: running it again updates what exists and adds what is missing.
"""

import random
from datetime import UTC, date, datetime, time, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from campaigns.models import (
    Campaign,
    CampaignTranslation,
    CountryStatus,
    DecisionMaker,
    Engagement,
    Organisation,
    OutreachActivity,
    Role,
)
from campaigns.services import membership_set
from signatures.bulk import signatures_insert
from signatures.models import Collector, Signature
from signatures.selectors import consent_text_current
from tallies.services import campaign_reconcile

DEMO_PASSWORD = "voces-demo"  # noqa: S105 - only set when DEBUG is on (the embedded default)

ORGANISATIONS = [
    {
        "slug": "care-lac",
        "name": "CARE Latin America and the Caribbean",
        "country": "EC",
        "website": "https://www.care.org",
        "description": "Trabajo Digno: supports domestic workers' organisations in Bolivia, "
        "Ecuador, Peru, Central America and Mexico in their push to ratify ILO Convention 189.",
    },
    {
        "slug": "atrh",
        "name": "ATRH — Asociación de Trabajadoras Remuneradas del Hogar",
        "country": "EC",
        "website": "",
        "description": "Domestic workers' association in Ecuador.",
    },
    {
        "slug": "trabajadoras-hogar-bolivia",
        "name": "Federación de Trabajadoras del Hogar de Bolivia (demo)",
        "country": "BO",
        "website": "",
        "description": "Domestic workers' federation, partner of the C189 campaign in Bolivia.",
    },
    {
        "slug": "care-peru",
        "name": "CARE Perú",
        "country": "PE",
        "website": "https://www.care.org.pe",
        "description": "Participatory Voices (health-rights oversight with civil-society "
        "networks) and the Child Nutrition Initiative.",
    },
    {
        "slug": "trabajadoras-hogar-mexico",
        "name": "Sindicato de Trabajadoras del Hogar de México (demo)",
        "country": "MX",
        "website": "",
        "description": "Domestic workers' union; signed the first collective contracts in Mexico.",
    },
    {
        "slug": "trabajadoras-hogar-guatemala",
        "name": "Asociación de Trabajadoras del Hogar de Guatemala (demo)",
        "country": "GT",
        "website": "",
        "description": "Domestic workers' association in Guatemala.",
    },
    {
        "slug": "aren",
        "name": "AREN — Association pour la Redynamisation de l'Élevage au Niger",
        "country": "NE",
        "website": "",
        "description": "Pastoralists' association, partner of PROGRES II.",
    },
    {
        "slug": "demi-e",
        "name": "DEMI-E",
        "country": "NE",
        "website": "",
        "description": "Development for a Better Life, partner of PROGRES II.",
    },
    {
        "slug": "billital-maroobe",
        "name": "Réseau Billital Maroobé",
        "country": "NE",
        "website": "",
        "description": "Pastoralist network with offices across West Africa.",
    },
]

# Invented people. username: (organisation, role)
PEOPLE = {
    "ana": ("care-lac", Role.OWNER),
    "luis": ("care-lac", Role.ORGANISER),
    "rosa": ("care-lac", Role.COLLECTOR),
    "vera": ("care-lac", Role.VIEWER),
    "quispe": ("care-peru", Role.ORGANISER),
    "mariama": ("aren", Role.ORGANISER),
}

C189_ES = {
    "title": "Ratifiquen el Convenio 189 de la OIT: trabajo digno para las trabajadoras del hogar",
    "summary": "Millones de trabajadoras del hogar en América Latina trabajan sin contrato, "
    "sin descanso y sin seguridad social. Pedimos a nuestros gobiernos que ratifiquen y "
    "apliquen el Convenio 189.",
    "petition_text": "A los gobiernos y parlamentos de Bolivia, Ecuador, Perú, México y "
    "Guatemala:\n\nLas trabajadoras remuneradas del hogar cuidan de nuestras familias. "
    "Merecen los mismos derechos que cualquier otra persona trabajadora: un contrato por "
    "escrito, una jornada limitada, un día de descanso semanal, un salario mínimo y "
    "seguridad social.\n\nLes pedimos que ratifiquen el Convenio 189 de la OIT sobre el "
    "trabajo decente para las trabajadoras y los trabajadores domésticos, y que adapten "
    "sus leyes para cumplirlo.",
}
C189_TRANSLATIONS = {
    "en": {
        "title": "Ratify ILO Convention 189: decent work for domestic workers",
        "summary": "Millions of domestic workers in Latin America work without a contract, "
        "without rest and without social security. We ask our governments to ratify and "
        "apply Convention 189.",
        "petition_text": "To the governments and parliaments of Bolivia, Ecuador, Peru, Mexico "
        "and Guatemala:\n\nPaid domestic workers care for our families. They deserve the same "
        "rights as every other worker: a written contract, limited hours, a weekly day of "
        "rest, a minimum wage and social security.\n\nWe ask you to ratify ILO Convention 189 "
        "on decent work for domestic workers, and to bring your laws in line with it.",
    },
    "pt": {
        "title": "Ratifiquem a Convenção 189 da OIT: trabalho decente para as trabalhadoras "
        "domésticas",
        "summary": "Milhões de trabalhadoras domésticas na América Latina trabalham sem "
        "contrato, sem descanso e sem seguridade social. Pedimos aos nossos governos que "
        "ratifiquem e apliquem a Convenção 189.",
        "petition_text": "Aos governos e parlamentos da Bolívia, Equador, Peru, México e "
        "Guatemala:\n\nAs trabalhadoras domésticas remuneradas cuidam das nossas famílias. "
        "Merecem os mesmos direitos que qualquer outra pessoa trabalhadora.\n\nPedimos que "
        "ratifiquem a Convenção 189 da OIT sobre o trabalho decente para as trabalhadoras e "
        "os trabalhadores domésticos.",
    },
    "fr": {
        "title": "Ratifiez la Convention 189 de l'OIT : un travail décent pour les "
        "travailleuses domestiques",
        "summary": "Des millions de travailleuses domestiques en Amérique latine travaillent "
        "sans contrat, sans repos et sans protection sociale. Nous demandons à nos "
        "gouvernements de ratifier et d'appliquer la Convention 189.",
        "petition_text": "Aux gouvernements et parlements de Bolivie, d'Équateur, du Pérou, du "
        "Mexique et du Guatemala :\n\nLes travailleuses domestiques rémunérées prennent soin "
        "de nos familles. Elles méritent les mêmes droits que toute autre personne qui "
        "travaille.\n\nNous vous demandons de ratifier la Convention 189 de l'OIT sur le "
        "travail décent pour les travailleuses et travailleurs domestiques.",
    },
}

HEALTH_ES = {
    "title": "Voces participativas: salud de calidad en nuestra lengua",
    "summary": "Las mujeres indígenas monolingües quechuahablantes son excluidas de los "
    "servicios de salud materna e infantil. Pedimos atención en quechua y vigilancia "
    "ciudadana de los servicios locales.",
    "petition_text": "A la Dirección Regional de Salud y al Ministerio de Salud del Perú:\n\n"
    "Pedimos que los establecimientos de salud cuenten con personal que hable quechua, que "
    "las redes de vigilancia ciudadana participen en la supervisión de los servicios y que "
    "sus recomendaciones se tomen en cuenta en la política nacional de salud.",
}
HEALTH_QU = {
    "title": "Voces participativas: allin hampiy runasiminchikpi",
    "summary": "Runasimillata rimaq warmikunaqa manam allintachu hampina wasikunapi "
    "chaskisqa kanku. Runasimipi uyarisqa kanankupaqmi mañakuyku.",
    "petition_text": "Hampiy kamachiqkunaman:\n\nHampina wasikunapi runasimipi rimaq "
    "llamkaqkuna kanankuta mañakuyku, llaqtakunapa qhawaqninkuna hampiy ruwaykunata "
    "qhawanankupaq, rimasqankupas uyarisqa kananpaq.",
}

MEXICO_ES = {
    "title": "Contratos colectivos para las trabajadoras del hogar en México",
    "summary": "Exigimos que las trabajadoras del hogar puedan negociar colectivamente sus "
    "condiciones de trabajo.",
    "petition_text": "A las autoridades laborales de México:\n\nReconozcan el derecho de las "
    "trabajadoras del hogar a firmar contratos colectivos y garanticen su registro.",
}

NIGER_FR = {
    "title": "Droits d'accès à l'eau pour les éleveurs pastoraux du Niger",
    "summary": "Les éleveurs pastoraux ont besoin d'un accès garanti aux points d'eau et aux "
    "couloirs de passage. Nous demandons une loi qui protège leurs droits.",
    "petition_text": "Au Gouvernement et à l'Assemblée nationale du Niger :\n\nNous demandons "
    "l'adoption d'une loi qui garantisse aux éleveurs pastoraux l'accès à l'eau et aux "
    "ressources naturelles, et des espaces de dialogue entre les autorités et les "
    "communautés pour prévenir les conflits.",
}

# (country, stage, date, source) in the order they happened.
C189_STAGES = [
    ("BO", "introduced", date(2012, 6, 4), ""),
    ("BO", "passed", date(2012, 11, 21), ""),
    ("BO", "ratified", date(2013, 4, 15), "https://normlex.ilo.org"),
    ("EC", "introduced", date(2012, 10, 9), ""),
    ("EC", "committee", date(2013, 3, 12), ""),
    ("EC", "passed", date(2013, 11, 28), ""),
    ("PE", "introduced", date(2013, 5, 20), ""),
    ("PE", "committee", date(2014, 2, 10), ""),
    ("MX", "introduced", date(2014, 3, 6), ""),
    ("GT", "not_started", date(2012, 1, 1), ""),
]


def _organisations() -> dict[str, Organisation]:
    result = {}
    for data in ORGANISATIONS:
        fields = {k: v for k, v in data.items() if k != "slug"}
        organisation, _ = Organisation.objects.update_or_create(slug=data["slug"], defaults=fields)
        result[organisation.slug] = organisation
    return result


def _people(organisations: dict[str, Organisation]) -> None:
    User = get_user_model()
    for username, (org_slug, role) in PEOPLE.items():
        user, created = User.objects.get_or_create(
            username=username, defaults={"email": f"{username}@example.org"}
        )
        if created:
            if settings.DEBUG:
                user.set_password(DEMO_PASSWORD)
            else:
                user.set_unusable_password()
            user.save()
        membership_set(organisation=organisations[org_slug], user=user, role=role)


def _campaign(slug, organisation, content, translations=None, **fields) -> Campaign:
    campaign, _ = Campaign.objects.update_or_create(
        slug=slug, defaults={"organisation": organisation, **content, **fields}
    )
    for language, texts in (translations or {}).items():
        CampaignTranslation.objects.update_or_create(
            campaign=campaign, language=language, defaults=texts
        )
    return campaign


def _stages(campaign: Campaign, stages) -> None:
    for country, stage, when, source in stages:
        CountryStatus.objects.get_or_create(
            campaign=campaign,
            country=country,
            stage=stage,
            date=when,
            defaults={"source_url": source},
        )


# --- Outreach, decision-makers and a signature history ------------------------------------

C189_OUTREACH = [
    # (channel, country, days ago, reach, description, partner)
    ("radio", "BO", 170, 900_000, "Cuñas radiales en Radio Deseo y radios comunitarias", None),
    ("radio", "EC", 160, 750_000, "Programa semanal «Trabajo digno»", "atrh"),
    ("tv", "PE", 150, 1_200_000, "Entrevista en el noticiero de la mañana", None),
    ("press", "MX", 140, 400_000, "Columna de opinión en diarios nacionales", None),
    (
        "social",
        "BO",
        120,
        850_000,
        "Campaña #TrabajoDignoYa en redes",
        "trabajadoras-hogar-bolivia",
    ),
    ("social", "EC", 110, 620_000, "Videos testimoniales de trabajadoras", "atrh"),
    ("sms", "GT", 100, 180_000, "Mensajes a afiliadas y familias", "trabajadoras-hogar-guatemala"),
    (
        "event",
        "EC",
        75,
        12_000,
        "Marcha del 30 de marzo, Día de las Trabajadoras del Hogar",
        "atrh",
    ),
    ("event", "BO", 60, 15_000, "Feria de derechos en El Alto", "trabajadoras-hogar-bolivia"),
    ("door_to_door", "PE", 45, 8_000, "Visitas en Lima Norte", None),
    (
        "radio",
        "GT",
        40,
        300_000,
        "Radionovela en k'iche' y español",
        "trabajadoras-hogar-guatemala",
    ),
    ("tv", "MX", 30, 1_400_000, "Reportaje en televisión abierta", "trabajadoras-hogar-mexico"),
    ("social", "PE", 20, 350_000, "Transmisiones en vivo con dirigentas", None),
    ("email", "MX", 10, 90_000, "Boletín a aliadas y sindicatos", "trabajadoras-hogar-mexico"),
    ("event", "MX", 5, 20_000, "Foro en el Senado", "trabajadoras-hogar-mexico"),
]

DECISION_MAKERS = [
    # (name, role, institution, country, level)
    ("Carmen Rojas Vaca", "Diputada", "Comisión de Trabajo", "BO", "national"),
    ("Julio Mamani Choque", "Senador", "Cámara de Senadores", "BO", "national"),
    ("Teresa Quispe Flores", "Ministra", "Ministerio de Trabajo", "BO", "national"),
    (
        "Andrés Salazar Mora",
        "Asambleísta",
        "Comisión de los Derechos de los Trabajadores",
        "EC",
        "national",
    ),
    ("Lucía Paredes Toral", "Asambleísta", "Asamblea Nacional", "EC", "national"),
    ("Miguel Andrade Ruiz", "Viceministro", "Ministerio del Trabajo", "EC", "national"),
    (
        "Rosa Elena Castillo",
        "Congresista",
        "Comisión de Trabajo y Seguridad Social",
        "PE",
        "national",
    ),
    ("Óscar Huamán Ríos", "Congresista", "Congreso de la República", "PE", "national"),
    ("Patricia Villanueva", "Directora", "Dirección Regional de Trabajo de Lima", "PE", "regional"),
    (
        "Gabriela Ortiz Leyva",
        "Senadora",
        "Comisión de Trabajo y Previsión Social",
        "MX",
        "national",
    ),
    ("Ernesto Cárdenas Gil", "Diputado", "Cámara de Diputados", "MX", "national"),
    (
        "Alma Herrera Soto",
        "Secretaria",
        "Secretaría del Trabajo de la Ciudad de México",
        "MX",
        "regional",
    ),
    ("Sonia Xicará López", "Diputada", "Comisión de Trabajo", "GT", "national"),
    ("Héctor Tzul Batz", "Alcalde", "Municipalidad de Quetzaltenango", "GT", "local"),
    ("Marta Chávez Pinto", "Concejala", "Concejo Municipal de El Alto", "BO", "local"),
    ("Diego Ramírez Luna", "Gobernador", "Gobierno Autónomo de La Paz", "BO", "regional"),
    ("Nancy Zambrano Vera", "Concejala", "Municipio de Guayaquil", "EC", "local"),
    ("Iván Pacheco Ortiz", "Prefecto", "Prefectura del Guayas", "EC", "regional"),
    ("Elena Suárez Cano", "Defensora", "Defensoría del Pueblo", "PE", "national"),
    ("Raúl Medina Paz", "Diputado", "Congreso de Guatemala", "GT", "national"),
    ("Silvia Nájera Ríos", "Senadora", "Senado de la República", "MX", "national"),
]

FIRST_NAMES = [
    "Juana",
    "María",
    "Rosa",
    "Carmen",
    "Ana",
    "Lucía",
    "Elena",
    "Sonia",
    "Teresa",
    "Marta",
    "Julia",
    "Patricia",
    "Gabriela",
    "Nancy",
    "Silvia",
    "Alma",
    "Lenny",
    "Sumaq",
    "Wayra",
    "Killa",
    "Luis",
    "Carlos",
    "Pedro",
    "Jorge",
    "Miguel",
    "Ramiro",
    "Felipe",
    "Andrés",
]
SURNAMES = [
    "Mamani",
    "Quispe",
    "Condori",
    "Choque",
    "Flores",
    "Rojas",
    "Vargas",
    "Huanca",
    "Zambrano",
    "Paredes",
    "Castillo",
    "Huamán",
    "Ortiz",
    "Herrera",
    "Xicará",
    "Tzul",
    "López",
    "García",
    "Pérez",
    "Cruz",
    "Apaza",
    "Ticona",
    "Limachi",
    "Chávez",
]


SOURCES = ["web", "embed", "api", "import", "field"]
SOURCE_WEIGHTS = [55, 15, 5, 20, 5]


def _outreach(campaign: Campaign, organisations: dict[str, Organisation], plan) -> None:
    if OutreachActivity.objects.filter(campaign=campaign).exists():
        return
    today = timezone.localdate()
    OutreachActivity.objects.bulk_create(
        OutreachActivity(
            campaign=campaign,
            channel=channel,
            country=country,
            date=today - timedelta(days=days_ago),
            reach=reach,
            description=description,
            partner=organisations.get(partner) if partner else None,
        )
        for channel, country, days_ago, reach, description, partner in plan
    )


def _decision_makers(campaign: Campaign, rng: random.Random) -> None:
    """One decision-maker engaged in the baseline year, seven times as many since."""
    if Engagement.objects.filter(campaign=campaign).exists():
        return
    makers = []
    for name, role, institution, country, level in DECISION_MAKERS:
        maker, _ = DecisionMaker.objects.get_or_create(
            organisation=campaign.organisation,
            name=name,
            defaults={"role": role, "institution": institution, "country": country, "level": level},
        )
        makers.append(maker)
    baseline_end = campaign.baseline_ends_on
    engagements = []
    # Three engaged during the baseline year...
    for maker in makers[:3]:
        engagements.append(
            Engagement(
                campaign=campaign,
                decision_maker=maker,
                kind="letter",
                date=baseline_end - timedelta(days=rng.randint(20, 300)),
                stance=rng.choice(["undecided", "opposed"]),
            )
        )
    # ...and all twenty-one after it, most of them more than once.
    stances = ["champion", "supportive", "supportive", "undecided", "opposed"]
    for maker in makers:
        when = baseline_end + timedelta(days=rng.randint(30, 200))
        for _step in range(rng.randint(1, 3)):
            engagements.append(
                Engagement(
                    campaign=campaign,
                    decision_maker=maker,
                    kind=rng.choice(
                        ["meeting", "hearing", "call", "statement", "vote", "commitment"]
                    ),
                    date=when,
                    stance=rng.choice(stances),
                    notes="Reunión de incidencia con la federación.",
                )
            )
            when += timedelta(days=rng.randint(15, 120))
    Engagement.objects.bulk_create(engagements)


def _signatures(
    campaign: Campaign,
    *,
    confirmed: int,
    pending: int,
    rejected: int,
    days: int,
    countries: list[str],
    collectors,
    rng: random.Random,
    ends_on: date | None = None,
) -> None:
    """A realistic history, inserted in bulk (not through the API), then recounted."""

    if Signature.objects.filter(campaign=campaign).exists():
        return
    last_day = ends_on or timezone.localdate()
    first_day = last_day - timedelta(days=days - 1)
    # Slow start, steady growth, and spikes on campaign days.
    weights = []
    for offset in range(days):
        weight = 0.3 + offset / days
        if offset % 29 == 0 or offset in (days - 60, days - 20):
            weight *= 4
        weights.append(weight)
    total = confirmed + pending + rejected
    day_offsets = rng.choices(range(days), weights=weights, k=total)
    country_weights = [5, 4, 3, 2, 1][: len(countries)]
    consent = {language: consent_text_current(language=language) for language in ("es", "en")}
    statuses = ["confirmed"] * confirmed + ["pending"] * pending + ["rejected"] * rejected
    rng.shuffle(statuses)
    rows = []
    first_moment = timezone.make_aware(datetime.combine(first_day, time(8)))
    for n, (offset, status) in enumerate(zip(sorted(day_offsets), statuses, strict=True)):
        first, last = rng.choice(FIRST_NAMES), rng.choice(SURNAMES)
        email = f"{first}.{last}.{n}@example.org".lower()
        created = first_moment + timedelta(days=offset, minutes=rng.randint(0, 14 * 60))
        source = rng.choices(SOURCES, SOURCE_WEIGHTS)[0]
        collector = (
            rng.choice(collectors).id if collectors and source in ("import", "field") else None
        )
        language = "es" if rng.random() < 0.9 else "en"
        rows.append(
            {
                "campaign_id": campaign.id,
                "name": f"{first} {last}",
                "email": email,
                "email_normalised": email,
                "country": rng.choices(countries, country_weights)[0],
                "language": language,
                "source": source,
                "collector_id": collector,
                "status": status,
                "rejected_reason": (
                    Signature.RejectedReason.HONEYPOT if status == "rejected" else ""
                ),
                "consent_text_id": consent[language],
                "consented_at": created,
                "confirmed_at": created + timedelta(hours=2) if status == "confirmed" else None,
                "email_state": "sent" if status == "pending" else "none",
                "email_sends": 1 if status == "pending" else 0,
                "created": created,
                "counted": status,
            }
        )
    signatures_insert(rows)


def _collectors(organisation: Organisation, names: list[str]):

    collectors = []
    for name in names:
        code = slugify(name)
        collector, _ = Collector.objects.get_or_create(
            organisation=organisation, code=code, defaults={"name": name}
        )
        collectors.append(collector)
    return collectors


@transaction.atomic
def seed() -> dict[str, Campaign]:
    organisations = _organisations()
    _people(organisations)
    c189 = _campaign(
        "ratify-c189",
        organisations["care-lac"],
        C189_ES,
        C189_TRANSLATIONS,
        goal=150_000,
        status=Campaign.Status.OPEN,
        outcome="",
        require_confirmation=True,
        countries=["BO", "EC", "PE", "MX", "GT"],
        languages=["es", "en", "pt", "fr"],
        starts_on=date(2012, 1, 1),
        baseline_starts_on=date(2011, 1, 1),
        baseline_ends_on=date(2011, 12, 31),
    )
    _stages(c189, C189_STAGES)
    health = _campaign(
        "voces-participativas-salud",
        organisations["care-peru"],
        HEALTH_ES,
        {"qu": HEALTH_QU},
        goal=20_000,
        status=Campaign.Status.OPEN,
        outcome="",
        require_confirmation=False,
        countries=["PE"],
        languages=["es", "qu"],
        starts_on=date(2024, 3, 1),
    )
    mexico = _campaign(
        "contratos-colectivos-mexico",
        organisations["trabajadoras-hogar-mexico"],
        MEXICO_ES,
        goal=10_000,
        status=Campaign.Status.CLOSED,
        outcome=Campaign.Outcome.WON,
        require_confirmation=True,
        countries=["MX"],
        languages=["es"],
        starts_on=date(2019, 3, 8),
        ends_on=date(2021, 7, 22),
        closed_at=datetime(2021, 7, 22, 18, tzinfo=UTC),
    )
    niger = _campaign(
        "eau-pastoralisme-niger",
        organisations["aren"],
        NIGER_FR,
        goal=25_000,
        status=Campaign.Status.CLOSED,
        outcome=Campaign.Outcome.WON,
        require_confirmation=False,
        countries=["NE"],
        languages=["fr"],
        starts_on=date(2013, 6, 1),
        ends_on=date(2017, 12, 31),
        closed_at=datetime(2017, 12, 31, 18, tzinfo=UTC),
    )
    _stages(
        niger,
        [
            ("NE", "introduced", date(2015, 5, 4), ""),
            ("NE", "passed", date(2016, 5, 26), ""),
            ("NE", "in_force", date(2016, 11, 2), ""),
        ],
    )

    rng = random.Random(189)  # the same demo every time
    _outreach(c189, organisations, C189_OUTREACH)
    _decision_makers(c189, rng)
    lac_collectors = _collectors(
        organisations["care-lac"],
        [
            "Rosa Apaza",
            "Lenny Zambrano",
            "Juana Limachi",
            "Carmen Ticona",
            "María Huanca",
            "Sonia Xicará",
            "Alma Cruz",
            "Teresa Choque",
        ],
    )
    rosa = get_user_model().objects.filter(username="rosa").first()
    if rosa is not None:  # the demo collector who logs in to see her own count
        type(lac_collectors[0]).objects.filter(id=lac_collectors[0].id).update(user=rosa)
    _signatures(
        c189,
        confirmed=121_500,
        pending=3_800,
        rejected=240,
        days=180,
        countries=["BO", "EC", "PE", "MX", "GT"],
        collectors=lac_collectors,
        rng=rng,
    )
    _signatures(
        health,
        confirmed=6_400,
        pending=0,
        rejected=35,
        days=90,
        countries=["PE"],
        collectors=_collectors(organisations["care-peru"], ["Wayra Quispe", "Killa Huamán"]),
        rng=rng,
    )
    _signatures(
        mexico,
        confirmed=10_420,
        pending=0,
        rejected=12,
        days=400,
        countries=["MX"],
        collectors=[],
        rng=rng,
        ends_on=mexico.ends_on,
    )
    _signatures(
        niger,
        confirmed=18_300,
        pending=0,
        rejected=20,
        days=600,
        countries=["NE"],
        collectors=[],
        rng=rng,
        ends_on=niger.ends_on,
    )
    campaigns = (c189, health, mexico, niger)
    for campaign in campaigns:
        # The history was inserted counted; reconciliation recounts it from the rows.
        transaction.on_commit(
            lambda c=campaign.id: campaign_reconcile(campaign_id=c, log_drift=False)
        )
    return {c.slug: c for c in campaigns}
