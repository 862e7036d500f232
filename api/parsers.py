"""The API's JSON parsers: DRF's, reading through core.jsonparse (the signing path's reader),
so a body nested too deeply or carrying a lone surrogate is a 400 on every endpoint."""

from rest_framework import parsers
from rest_framework.exceptions import ParseError

from core import jsonparse


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return jsonparse.loads(stream.read() if stream is not None else b"")
        except jsonparse.InvalidJSON as error:
            raise ParseError(str(error)) from None


class HalJSONParser(JSONParser):
    """OSDI clients send application/hal+json."""

    media_type = "application/hal+json"
