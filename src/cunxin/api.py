"""The REST API under /api/: one router per domain, session authentication with CSRF.

Every handler parses, checks the permission and calls the same action or selector the pages use.
Input is read by ``core.api_kit.CleanParser`` and typed with ``core.fields``; every refusal comes
back as ``{"code", "message", "field"}`` in Chinese with its 4xx status (``core.api_kit``).
"""

from __future__ import annotations

from ninja import NinjaAPI
from ninja.renderers import JSONRenderer
from ninja.security import django_auth

from cunxin.accounts.api import router as accounts_router
from cunxin.blacklist.api import router as blacklist_router
from cunxin.cards.api import router as cards_router
from cunxin.core.api_kit import CleanParser, install_error_handlers
from cunxin.coupons.api import router as coupons_router
from cunxin.fund.api import router as fund_router
from cunxin.honours.api import router as honours_router
from cunxin.merchants.api import router as merchants_router
from cunxin.notifications.api import router as notifications_router
from cunxin.people.api import router as people_router
from cunxin.policy.api import router as policy_router
from cunxin.records.api import router as records_router
from cunxin.regions.api import router as regions_router
from cunxin.shop.api import router as shop_router
from cunxin.units.api import router as units_router
from cunxin.volunteering.api import router as volunteering_router
from cunxin.workdays.api import router as workdays_router


class ReadableJSON(JSONRenderer):
    """JSON with Chinese as characters, not \\u escapes, for people reading answers."""

    json_dumps_params = {"ensure_ascii": False}


api = NinjaAPI(
    renderer=ReadableJSON(),
    title="cunxin 村信 API",
    version="1",
    description="乡村信用积分治理平台接口。所有接口按用户的角色和区划限定范围。",
    auth=django_auth,
    urls_namespace="api",
    parser=CleanParser(),
)


install_error_handlers(api)

api.add_router("/accounts/", accounts_router)
api.add_router("/regions/", regions_router)
api.add_router("/people/", people_router)
api.add_router("/policy/", policy_router)
api.add_router("/records/", records_router)
api.add_router("/notifications/", notifications_router)
api.add_router("/blacklist/", blacklist_router)
api.add_router("/volunteering/", volunteering_router)
api.add_router("/honours/", honours_router)
api.add_router("/cards/", cards_router)
api.add_router("/shop/", shop_router)
api.add_router("/coupons/", coupons_router)
api.add_router("/fund/", fund_router)
api.add_router("/merchants/", merchants_router)
api.add_router("/workdays/", workdays_router)
api.add_router("/units/", units_router)
