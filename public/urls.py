from django.urls import path

from . import views

app_name = "public"

urlpatterns = [
    path("", views.home, name="home"),
    path("faktoren/", views.factor_list, name="factor_list"),
    path("faktoren/<int:number>/", views.factor_detail, name="factor_detail"),
    path("jobcenter/", views.jobcenter_list, name="jobcenter_list"),
    path("jobcenter/<str:ags>/", views.jobcenter_detail, name="jobcenter_detail"),
    path("matrix/", views.matrix, name="matrix"),
    path("methodik/", views.method, name="method"),
    path("impressum/", views.legal_page, {"template": "public/imprint.html"}, name="imprint"),
    path("datenschutz/", views.legal_page, {"template": "public/privacy.html"}, name="privacy"),
    path(
        "barrierefreiheit/",
        views.legal_page,
        {"template": "public/accessibility.html"},
        name="accessibility",
    ),
    path(
        "leichte-sprache/",
        views.legal_page,
        {"template": "public/easy_language.html"},
        name="easy_language",
    ),
    path("kontakt/", views.legal_page, {"template": "public/contact.html"}, name="contact"),
    path("sprache/", views.set_language, name="set_language"),
]
