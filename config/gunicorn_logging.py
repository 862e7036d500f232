"""gunicorn's access log, with signers' emails and phones masked: `GET …/signers/?email=…` (kept for
existing scripts) must not write a signer's address into a log file."""

from gunicorn.glogging import Logger

from config.logging import mask_personal


class MaskingLogger(Logger):
    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        return {
            key: mask_personal(value) if isinstance(value, str) else value
            for key, value in atoms.items()
        }
