"""The consent text a signer agrees to, version 1, in the four interface languages.

A new wording is a new version: add it here (or in the admin) with a higher number; earlier
signatures keep pointing at the text their signers saw.
"""

from django.utils.translation import gettext_lazy as _

CONSENT_VERSION = 1

CONSENT_TEXTS = {
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

PRIVACY_NOTE = _(
    "Your name and country may be counted in public figures. Your email, postal code and "
    "comment are never shown publicly."
)
