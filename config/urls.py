from django.contrib import admin
from django.urls import include, path

from api.osdi.base import UnknownAddress
from config import views

urlpatterns = [
    path("healthz/", views.healthz, name="healthz"),
    path("readyz/", views.readyz, name="readyz"),
    path("admin/", admin.site.urls),
    path("api/v1/", include("api.v1.urls")),
    path("api/osdi/", include("api.osdi.urls")),  # v1 and OSDI's 404 for anything else
    path("api/osdi", UnknownAddress.as_view(), name="osdi-root"),  # no redirect: a POST is lost
    path("dashboard/", include("dashboard.urls")),
    path("field/", include("field.urls")),
    path("", include("public.urls")),
]

handler400 = "config.views.bad_request"
handler403 = "config.views.permission_denied"
handler404 = "config.views.not_found"
handler500 = "config.views.server_error"

admin.site.site_header = "Voces"
admin.site.site_title = "Voces"
# The admin is for the people who run the Voces installation. Organisations' members work in
# /dashboard/ and the API, where campaigns.access decides per organisation and role.
admin.site.has_permission = lambda request: request.user.is_active and request.user.is_superuser
