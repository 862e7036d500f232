"""The installation's consent text a signer agrees to, in the four interface languages.

A new wording is a new version: add it here (or in the admin) with a higher number, and a
migration that adds it; earlier signatures keep pointing at the text their signers saw. The
texts of a version already released are never edited (migrations read them).
"""

from django.utils.translation import gettext_lazy as _

CONSENT_VERSION = 2

# Version 1 (before signers could give a phone number instead of an email).
CONSENT_V1 = {
    "es": (
        "Acepto que la organización que impulsa esta campaña guarde mi nombre, correo "
        "electrónico, país y lo que escribí aquí para contar mi firma, mostrar el avance de la "
        "campaña y enviarme el correo de confirmación. Mi correo, código postal y comentario "
        "solo los ven quienes organizan la campaña y nunca se publican. Puedo pedir que se "
        "borren en cualquier momento."
    ),
    "en": (
        "I agree that the organisation running this campaign keeps my name, email, country "
        "and what I wrote here to count my signature, show the campaign's progress and send me "
        "the confirmation email. My email, postal code and comment are seen only by the "
        "campaign's organisers and are never published. I can ask for them to be erased at "
        "any time."
    ),
    "pt": (
        "Aceito que a organização responsável por esta campanha guarde meu nome, e-mail, país "
        "e o que escrevi aqui para contar minha assinatura, mostrar o progresso da campanha e "
        "me enviar o e-mail de confirmação. Meu e-mail, código postal e comentário são vistos "
        "apenas por quem organiza a campanha e nunca são publicados. Posso pedir que sejam "
        "apagados a qualquer momento."
    ),
    "fr": (
        "J'accepte que l'organisation qui mène cette campagne conserve mon nom, mon adresse "
        "e-mail, mon pays et ce que j'ai écrit ici pour compter ma signature, afficher "
        "l'avancement de la campagne et m'envoyer l'e-mail de confirmation. Mon adresse e-mail, "
        "mon code postal et mon commentaire ne sont vus que par les personnes qui organisent la "
        "campagne et ne sont jamais publiés. Je peux demander leur effacement à tout moment."
    ),
}

# Version 2: what a phone number is used for.
CONSENT_V2 = {
    "es": (
        "Acepto que la organización que impulsa esta campaña guarde mi nombre, mi correo "
        "electrónico o número de teléfono, mi país y lo que escribí aquí para contar mi firma "
        "una sola vez, mostrar el avance de la campaña y, si di un correo, enviarme el correo "
        "de confirmación. Mi correo, teléfono, código postal y comentario solo los ven quienes "
        "organizan la campaña y nunca se publican; mi teléfono solo sirve para contar mi firma "
        "una vez y para que me contacten sobre esta campaña. Puedo pedir que se borren en "
        "cualquier momento."
    ),
    "en": (
        "I agree that the organisation running this campaign keeps my name, my email or phone "
        "number, my country and what I wrote here to count my signature once, show the "
        "campaign's progress and, if I gave an email, send me the confirmation email. My "
        "email, phone number, postal code and comment are seen only by the campaign's "
        "organisers and are never published; my phone number is used only to count my "
        "signature once and to contact me about this campaign. I can ask for them to be "
        "erased at any time."
    ),
    "pt": (
        "Aceito que a organização responsável por esta campanha guarde meu nome, meu e-mail ou "
        "número de telefone, meu país e o que escrevi aqui para contar minha assinatura uma "
        "única vez, mostrar o progresso da campanha e, se informei um e-mail, me enviar o "
        "e-mail de confirmação. Meu e-mail, telefone, código postal e comentário são vistos "
        "apenas por quem organiza a campanha e nunca são publicados; meu telefone serve apenas "
        "para contar minha assinatura uma vez e para que me contatem sobre esta campanha. "
        "Posso pedir que sejam apagados a qualquer momento."
    ),
    "fr": (
        "J'accepte que l'organisation qui mène cette campagne conserve mon nom, mon adresse "
        "e-mail ou mon numéro de téléphone, mon pays et ce que j'ai écrit ici pour compter ma "
        "signature une seule fois, afficher l'avancement de la campagne et, si j'ai donné une "
        "adresse e-mail, m'envoyer l'e-mail de confirmation. Mon adresse e-mail, mon téléphone, "
        "mon code postal et mon commentaire ne sont vus que par les personnes qui organisent la "
        "campagne et ne sont jamais publiés ; mon téléphone sert uniquement à compter ma "
        "signature une fois et à me contacter au sujet de cette campagne. Je peux demander "
        "leur effacement à tout moment."
    ),
}

# The current wording.
CONSENT_TEXTS = CONSENT_V2

PRIVACY_NOTE = _(
    "Your name and country may be counted in public figures. Your email, postal code and "
    "comment are never shown publicly."
)
