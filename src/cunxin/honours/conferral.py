"""Conferring a confirmed round's honours on people: who is honoured, their reward records,
and what they are told. Runs inside ``actions.do_confirm_round``'s transaction.

Who is honoured: a month's stars, and the scored current members (active adults) of the red-flag
team; a year's stars, and the scored members of each demonstration household not struck off.

Each honoured villager has one ``Conferral`` per round and kind, made the first time the round
is confirmed with them. When a reopened round is confirmed again, those still honoured keep
theirs (and are not told again), those newly honoured get one, and those no longer honoured
have theirs withdrawn, with the reason the round was reopened, and are told.

A reward record is collected through ``records.actions.collect.do_collect`` (so it is reviewed
by another committee member, noticed and takes effect like any other), dated on the day of
confirmation, collected by the confirming member, with a client id derived from the conferral:
confirming again never makes a second one. Where the reward item asks for evidence, the record
carries a QR code (PNG) of the honour's particulars — the committee's confirmed round is the
evidence, and the code lets anyone check it against the list.
"""

from __future__ import annotations

import io
import uuid
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import segno
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from cunxin.core.errors import DomainError
from cunxin.honours import ranking
from cunxin.honours.models import (
    Conferral,
    FlagPick,
    Kind,
    RewardSetting,
    Round,
    RoundEvent,
    RoundStatus,
)
from cunxin.notifications.actions import Note, notify
from cunxin.people.models import Resident, ResidentStatus
from cunxin.policy.selectors import item_in_force
from cunxin.records.actions.collect import do_collect
from cunxin.volunteering.models import TeamMember

REWARD_NAMESPACE = uuid.UUID("a4d3c2b1-5e6f-4a7b-8c9d-0e1f2a3b4c5d")


def reward_client_id(conferral: Conferral) -> uuid.UUID:
    """The client id of a conferral's reward record: the same at every confirmation."""
    return uuid.uuid5(REWARD_NAMESPACE, f"conferral:{conferral.pk}")


@dataclass(frozen=True)
class Honoured:
    """One villager honoured by a round, and for what."""

    kind: str
    resident_id: int
    rank: int | None = None
    team_id: int | None = None
    household_id: int | None = None


@dataclass
class Conferred:
    """What a confirmation changed."""

    new: list[Conferral] = field(default_factory=list)
    withdrawn: list[Conferral] = field(default_factory=list)
    rewarded: list[Conferral] = field(default_factory=list)


def honoured(r: Round) -> list[Honoured]:
    """Everyone the round honours as it stands."""
    cutoff = ranking.born_by(r.ends_on, r.policy.min_age)
    star_kind = Kind.STAR if r.is_month else Kind.YEAR_STAR
    found = [
        Honoured(star_kind, resident_id, rank=rank)
        for rank, resident_id in r.stars.order_by("rank").values_list("rank", "resident_id")
    ]
    if r.is_month:
        flag = FlagPick.objects.filter(round=r).first()
        if flag is not None:
            team_members = TeamMember.objects.filter(
                team_id=flag.team_id,
                left_on__isnull=True,
                resident__status=ResidentStatus.ACTIVE,
                resident__birth_date__lte=cutoff,
            ).order_by("resident_id")
            found += [
                Honoured(Kind.RED_FLAG, m, team_id=flag.team_id)
                for m in team_members.values_list("resident_id", flat=True).distinct()
            ]
    else:
        households = list(r.households.filter(struck=False).values_list("household_id", flat=True))
        members = Resident.objects.filter(
            household_id__in=households, status=ResidentStatus.ACTIVE, birth_date__lte=cutoff
        ).order_by("household_id", "pk")
        found += [
            Honoured(Kind.DEMONSTRATION, pk, household_id=household_id)
            for pk, household_id in members.values_list("pk", "household_id")
        ]
    return found


def _reopen_reason(r: Round) -> str:
    event = (
        RoundEvent.objects.filter(
            round=r, from_status=RoundStatus.CONFIRMED, to_status=RoundStatus.DRAFT
        )
        .order_by("-at", "-pk")
        .first()
    )
    return event.reason if event and event.reason else _("评审会复核")


def confer(r: Round, *, acting_user: Any) -> Conferred:
    """Make, keep or withdraw the round's conferrals; reward and tell the people concerned."""
    now = timezone.now()
    existing = {
        (c.kind, c.resident_id): c for c in Conferral.objects.select_for_update().filter(round=r)
    }
    result = Conferred()
    for h in honoured(r):
        c = existing.pop((h.kind, h.resident_id), None)
        if c is None:
            c = Conferral(round=r, kind=h.kind, resident_id=h.resident_id, conferred_at=now)
            result.new.append(c)
        elif c.withdrawn_at is not None:
            c.withdrawn_at = None
            c.withdrawn_reason = ""
            c.conferred_at = now
            result.new.append(c)
        c.rank, c.team_id, c.household_id = h.rank, h.team_id, h.household_id
        c.save()
    reason = ""
    for c in existing.values():
        if c.withdrawn_at is None:
            reason = reason or _reopen_reason(r)
            c.withdrawn_at = now
            c.withdrawn_reason = reason[:400]
            c.save(update_fields=["withdrawn_at", "withdrawn_reason"])
            result.withdrawn.append(c)
    result.rewarded = _reward([c for c in result.new if c.record_id is None], r, acting_user)
    _tell(r, result)
    return result


def _certificate(r: Round, c: Conferral, name: str) -> bytes:
    """A QR code (PNG) of the honour's particulars, the evidence of its reward record."""
    day = timezone.localdate().isoformat()
    text = f"村信表彰|{r.village.name}|{r.label}|{Kind(c.kind).label}|{name}|{day}|R{r.pk}-C{c.pk}"
    buffer = io.BytesIO()
    segno.make(text, error="m").save(buffer, kind="png", scale=4)
    return buffer.getvalue()


def _reward(conferrals: list[Conferral], r: Round, acting_user: Any) -> list[Conferral]:
    """A reward record for each conferral whose kind the village rewards."""
    if not conferrals:
        return []
    codes = dict(RewardSetting.objects.filter(village=r.village).values_list("kind", "item_code"))
    today = timezone.localdate()
    people = Resident.objects.select_related("village").in_bulk([c.resident_id for c in conferrals])
    done = []
    for c in conferrals:
        code = codes.get(c.kind, "")
        if not code:
            continue
        resident = people[c.resident_id]
        item = item_in_force(r.village, code, today)
        photos = (
            [("honour.png", _certificate(r, c, resident.name))]
            if item is not None and item.evidence_required
            else []
        )
        try:
            record = do_collect(
                client_id=reward_client_id(c),
                resident=resident,
                item_code=code,
                quantity=Decimal(1),
                behaviour_date=today,
                note=_("%(village)s%(period)s%(honour)s（评审会确认）")
                % {"village": r.village.name, "period": r.label, "honour": Kind(c.kind).label},
                photos=photos,
                acting_user=acting_user,
            )
        except DomainError as exc:
            # do_collect's savepoint rolled back; the reason stays on the conferral, shown to the
            # committee on the round's page.
            c.reward_error = str(exc)[:200]
            c.save(update_fields=["reward_error"])
            continue
        c.record = record
        c.reward_error = ""
        c.save(update_fields=["record", "reward_error"])
        done.append(c)
    return done


def _text(r: Round, c: Conferral) -> str:
    values = {"village": r.village.name, "period": r.label}
    if c.kind == Kind.STAR:
        text = _("恭喜！您被评为%(village)s%(period)s月度信用之星（第%(rank)d名）。") % {
            **values,
            "rank": c.rank or 0,
        }
    elif c.kind == Kind.YEAR_STAR:
        text = _("恭喜！您被评为%(village)s%(period)s年度信用之星。") % values
    elif c.kind == Kind.RED_FLAG:
        team = c.team.name if c.team else ""
        text = _("恭喜！您所在的“%(team)s”获得%(village)s%(period)s流动红旗。") % {
            **values,
            "team": team,
        }
    else:
        text = _("恭喜！您家被评为%(village)s%(period)s信用示范户。") % values
    if c.record is not None:
        text += _("奖励%+d分，审核公示后生效。") % c.record.points
    return text


def _tell(r: Round, result: Conferred) -> None:
    link = reverse("honours:mine")
    notes = [
        Note(kind="honour", resident_id=c.resident_id, text=_text(r, c), link=link)
        for c in result.new
    ]
    notes += [
        Note(
            kind="honour_withdrawn",
            resident_id=c.resident_id,
            text=_("%(village)s%(period)s的“%(honour)s”经评审会复核已撤回：%(reason)s")
            % {
                "village": r.village.name,
                "period": r.label,
                "honour": Kind(c.kind).label,
                "reason": c.withdrawn_reason,
            },
            link=link,
        )
        for c in result.withdrawn
    ]
    notify(notes)
