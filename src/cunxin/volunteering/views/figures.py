"""The figures page: what the seeds report of a village's or town's volunteering."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from cunxin.accounts.permissions import Perm
from cunxin.core.cleaning import parse_id
from cunxin.core.http import requires
from cunxin.volunteering import selectors
from cunxin.volunteering.views.common import tabs


@requires(Perm.CHECK_IN)
def figures(request: HttpRequest) -> HttpResponse:
    """Teams, volunteers, activities, hours and the labour value saved, per village or town."""
    regions = list(selectors.figure_regions(request.user))
    wanted = request.GET.get("region", "")
    region = next((r for r in regions if str(r.pk) == wanted), regions[0] if regions else None)
    this_year = timezone.localdate().year
    raw_year = request.GET.get("year", str(this_year))
    year = parse_id(raw_year)
    year = year if year is not None and 2000 <= year <= this_year + 1 else None
    found = selectors.figures(region, year) if region is not None else None
    return render(
        request,
        "volunteering/figures.html",
        {
            "regions": regions,
            "region": region,
            "year": year,
            "years": list(range(this_year, this_year - 5, -1)),
            "figures": found,
            "labour_yuan": f"{found.labour_value_fen / 100:.2f}" if found else "0.00",
            **tabs(request),
        },
    )
