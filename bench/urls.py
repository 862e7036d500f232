"""The project's URLs, and the signing baselines only a bench run serves (bench/settings.py)."""

from django.urls import include, path

from bench import views

urlpatterns = [
    path("bench/insert/<slug:slug>/", views.insert, name="bench-insert"),
    path("", include("config.urls")),
]

# The handlers are looked up on the root URL module: the same as production's.
handler400 = "config.views.bad_request"
handler403 = "config.views.permission_denied"
handler404 = "config.views.not_found"
handler500 = "config.views.server_error"
