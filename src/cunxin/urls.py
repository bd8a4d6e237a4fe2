"""URL map: pages per domain app, the REST API under /api/, Django's admin for platform admins."""

from django.contrib import admin
from django.urls import include, path

from cunxin.api import api

urlpatterns = [
    path("", include("cunxin.web.urls")),
    path("accounts/", include("cunxin.accounts.urls")),
    path("regions/", include("cunxin.regions.urls")),
    path("people/", include("cunxin.people.urls")),
    path("policy/", include("cunxin.policy.urls")),
    path("records/carry-over/", include("cunxin.records.carryover_urls")),
    path("records/", include("cunxin.records.urls")),
    path("blacklist/", include("cunxin.blacklist.urls")),
    path("volunteering/", include("cunxin.volunteering.urls")),
    path("honours/", include("cunxin.honours.urls")),
    path("cards/", include("cunxin.cards.urls")),
    path("shop/", include("cunxin.shop.urls")),
    path("coupons/", include("cunxin.coupons.urls")),
    path("fund/", include("cunxin.fund.urls")),
    path("merchants/", include("cunxin.merchants.urls")),
    path("workdays/", include("cunxin.workdays.urls")),
    path("units/", include("cunxin.units.urls")),
    path("public/", include("cunxin.public.urls")),
    path("messages/", include("cunxin.notifications.urls")),
    path("api/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]
