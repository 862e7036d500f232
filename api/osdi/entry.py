"""The OSDI server's entry point."""

from rest_framework.response import Response

from api.osdi import hal
from api.osdi.base import (
    MAX_PAGESIZE,
    OSDIView,
)


class EntryPoint(OSDIView):
    def get(self, request):
        return Response(
            {
                "motd": "Voces: petitions and advocacy campaigns of civil-society movements.",
                "vendor_name": "Voces",
                "product_name": "Voces",
                "osdi_version": "1.2",
                "namespace": hal.NAMESPACE,
                "max_pagesize": MAX_PAGESIZE,
                "_links": {
                    "self": hal.link(hal.url(request, "entry")),
                    "curies": hal.CURIES,
                    "osdi:people": hal.link(hal.url(request, "people")),
                    "osdi:petitions": hal.link(hal.url(request, "petitions")),
                    "osdi:advocacy_campaigns": hal.link(hal.url(request, "advocacy-campaigns")),
                    "osdi:tags": hal.link(hal.url(request, "tags")),
                    "osdi:person_signup_helper": hal.link(hal.url(request, "person-signup")),
                },
            }
        )
