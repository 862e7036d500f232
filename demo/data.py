"""The demo's data, from the programmes in DOMAIN.md and its seeds. People, emails and
signers are invented; `demo.seed` feeds it through the same services as everything else."""

from datetime import UTC, date, datetime

from campaigns.models import Role

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


# (slug, organisation, texts, translations, fields) of each demo campaign.
CAMPAIGNS = [
    (
        "ratify-c189",
        "care-lac",
        C189_ES,
        C189_TRANSLATIONS,
        {
            "goal": 150_000,
            "status": "open",
            "require_confirmation": True,
            "countries": ["BO", "EC", "PE", "MX", "GT"],
            "languages": ["es", "en", "pt", "fr"],
            "starts_on": date(2012, 1, 1),
            "baseline_starts_on": date(2011, 1, 1),
            "baseline_ends_on": date(2011, 12, 31),
        },
    ),
    (
        "voces-participativas-salud",
        "care-peru",
        HEALTH_ES,
        {"qu": HEALTH_QU},
        {
            "goal": 20_000,
            "status": "open",
            "require_confirmation": False,
            "countries": ["PE"],
            "languages": ["es", "qu"],
            "starts_on": date(2024, 3, 1),
        },
    ),
    (
        "contratos-colectivos-mexico",
        "trabajadoras-hogar-mexico",
        MEXICO_ES,
        {},
        {
            "goal": 10_000,
            "status": "closed",
            "outcome": "won",
            "require_confirmation": True,
            "countries": ["MX"],
            "languages": ["es"],
            "starts_on": date(2019, 3, 8),
            "ends_on": date(2021, 7, 22),
            "closed_at": datetime(2021, 7, 22, 18, tzinfo=UTC),
        },
    ),
    (
        "eau-pastoralisme-niger",
        "aren",
        NIGER_FR,
        {},
        {
            "goal": 25_000,
            "status": "closed",
            "outcome": "won",
            "require_confirmation": False,
            "countries": ["NE"],
            "languages": ["fr"],
            "starts_on": date(2013, 6, 1),
            "ends_on": date(2017, 12, 31),
            "closed_at": datetime(2017, 12, 31, 18, tzinfo=UTC),
        },
    ),
]

STAGES = {
    "ratify-c189": C189_STAGES,
    "eau-pastoralisme-niger": [
        ("NE", "introduced", date(2015, 5, 4), ""),
        ("NE", "passed", date(2016, 5, 26), ""),
        ("NE", "in_force", date(2016, 11, 2), ""),
    ],
}

# organisation: the activists signatures are credited to (the first of CARE LAC's is rosa's).
COLLECTORS = {
    "care-lac": [
        "Rosa Apaza",
        "Lenny Zambrano",
        "Juana Limachi",
        "Carmen Ticona",
        "María Huanca",
        "Sonia Xicará",
        "Alma Cruz",
        "Teresa Choque",
    ],
    "care-peru": ["Wayra Quispe", "Killa Huamán"],
}

# The demo collector who logs in to see her own count: collector code -> username.
COLLECTOR_ACCOUNTS = {"rosa-apaza": "rosa"}

# campaign: (confirmed, pending, rejected, days of history, countries by weight)
SIGNATURES = {
    "ratify-c189": (121_500, 3_800, 240, 180, ["BO", "EC", "PE", "MX", "GT"]),
    "voces-participativas-salud": (6_400, 0, 35, 90, ["PE"]),
    "contratos-colectivos-mexico": (10_420, 0, 12, 400, ["MX"]),
    "eau-pastoralisme-niger": (18_300, 0, 20, 600, ["NE"]),
}


# --- Results frameworks (issue 18) ---------------------------------------------------------
# Baselines and targets as the programmes set them; every actual is counted from the records
# above (or is the latest recorded value), never typed in. The baseline year of C189 is 2011:
# 3 decision-makers engaged then, against 21 since ("7 times more"); union members 2,207 at
# the end of 2011 and 4,282 at the end of 2014 ("up 94%, 2,075 new members").
C189_BASELINE = (date(2011, 1, 1), date(2011, 12, 31))
RESULTS = {
    "ratify-c189": {
        "builtin": {
            "signatures": {"baseline": 0, "target": 150_000, "due": date(2026, 12, 31)},
            "people_reached": {"baseline": 0, "target": 7_000_000, "due": date(2026, 12, 31)},
            "decision_makers_engaged": {
                "baseline_from": C189_BASELINE[0],
                "baseline_to": C189_BASELINE[1],
                "target": 25,
                "due": date(2015, 12, 31),
            },
            "decision_makers_supportive": {
                "baseline_from": C189_BASELINE[0],
                "baseline_to": C189_BASELINE[1],
                "target": 12,
                "due": date(2015, 12, 31),
            },
            "countries_ratified": {"baseline": 0, "target": 3, "due": date(2026, 12, 31)},
        },
        "recorded": [
            (
                "union_members",
                {
                    "label": "Afiliadas a los sindicatos de trabajadoras del hogar",
                    "unit": "afiliadas",
                    "baseline_from": C189_BASELINE[0],
                    "baseline_to": C189_BASELINE[1],
                    "target": 4_500,
                    "due": date(2015, 12, 31),
                },
                [
                    # (date, value, breakdown, note)
                    (date(2011, 12, 31), 2_207, {}, "Registros de las federaciones, línea de base"),
                    (date(2012, 12, 31), 2_890, {}, "Registros de las federaciones"),
                    (date(2013, 12, 31), 3_605, {}, "Registros de las federaciones"),
                    (
                        date(2014, 12, 31),
                        4_282,
                        {},
                        "Registros de las federaciones, evaluación final",
                    ),
                ],
            ),
            (
                "awareness",
                {
                    "label": "Trabajadoras que conocen sus derechos del C189 (encuesta)",
                    "unit": "%",
                    "baseline": 11,
                    "target": 35,
                    "due": date(2014, 12, 31),
                },
                [
                    (date(2013, 6, 30), 21, {}, "Encuesta de hogares, 1.200 entrevistas"),
                    (date(2014, 11, 30), 33, {}, "Encuesta de hogares, 1.200 entrevistas"),
                ],
            ),
        ],
    },
    "eau-pastoralisme-niger": {
        "builtin": {
            "signatures": {"baseline": 0, "target": 25_000, "due": date(2017, 12, 31)},
        },
        "recorded": [
            (
                "membres",
                {
                    "label": "Membres des associations d'éleveurs",
                    "unit": "membres",
                    "baseline_from": date(2013, 1, 1),
                    "baseline_to": date(2013, 12, 31),
                    "target": 5_000,
                    "due": date(2017, 12, 31),
                },
                [
                    # 1,500 new members between 2013 and 2017, 705 of them women: 47%.
                    (date(2013, 12, 31), 3_000, {"femmes": 1_050, "hommes": 1_950}, "Registres"),
                    (date(2015, 12, 31), 3_900, {"femmes": 1_470, "hommes": 2_430}, "Registres"),
                    (
                        date(2017, 12, 31),
                        4_500,
                        {"femmes": 1_755, "hommes": 2_745},
                        "Registres, évaluation finale PROGRES II",
                    ),
                ],
            ),
            (
                "campagnes",
                {
                    "label": "Nouvelles campagnes de plaidoyer (PROGRES II)",
                    "unit": "campagnes",
                    "baseline": 0,
                    "target": 10,
                    "due": date(2017, 12, 31),
                },
                [
                    (date(2015, 12, 31), 4, {}, "Rapport annuel"),
                    (date(2017, 12, 31), 10, {}, "Évaluation finale"),
                ],
            ),
        ],
    },
}
