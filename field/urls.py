from django.urls import path

from field import views

app_name = "field"
urlpatterns = [
    path("", views.app, name="app"),
    # Served from /field/, not /static/: a service worker controls only the pages under the
    # folder its script is served from.
    path("sw.js", views.service_worker, name="sw"),
    path("manifest.webmanifest", views.manifest, name="manifest"),
]
