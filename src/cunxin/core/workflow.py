"""The one workflow machine: a status enum, one table of allowed changes, one check, one apply.

Every app whose rows have a status (records, blacklist cases, honours rounds, fund payments,
activities, coupons, merchants, redemptions, and the citizens' appeals to come) states its
rules once, as a :class:`Workflow` in its ``workflow.py``; actions check and apply changes
through it, and views ask its predicates (``may``) to show a button. A new workflow::

    from cunxin.core.workflow import NEW, Reason, Transition as T, Workflow

    APPEALS = Workflow(
        Appeal, AppealStatus, code="appeal_status", noun=_("诉求"),
        event=AppealEvent,                    # inherits core.models.StatusEvent
        where=lambda appeal: appeal.unit,     # the place a permission is held in
        transitions=[
            T(NEW, S.RECEIVED, who=Perm.TAKE_APPEALS),
            T(S.RECEIVED, S.DISPATCHED, who=Perm.DISPATCH_APPEALS),
            T(S.DISPATCHED, S.RETURNED, who=Perm.HANDLE_APPEALS, reason=Reason(),
              guard=within_return_period),
            T((S.DISPATCHED, S.RETURNED), S.CLOSED, who=is_supervisor, reason=Reason()),
        ],
    )

and then, in an action, ``APPEALS.apply(appeal, S.DISPATCHED, actor=acting_user)``.

The parts of a transition:

* ``source`` → ``target``: one status or a tuple of them on the left. ``NEW`` (the empty
  string) is the status of an object not yet saved: ``apply`` from ``NEW`` inserts the row.
  A status may go to itself (recompute a draft, a first approval of two): the history shows it.
* ``who``: a permission name, held where ``where(obj)`` says (today a 12-digit region code;
  the unit axis answers the same question), or a predicate ``(user, obj) -> bool``. A
  predicate returns False for the plain "no permission" refusal, or raises a ``DomainError`` of
  its own to say why (``review_own_record``). Without ``who`` any caller of the action may.
* ``reason``: ``Reason()`` asks the person for one (at least ``REASON_MIN``, at most
  ``REASON_MAX`` characters, everywhere), ``Reason(required=False)`` takes one if given; with
  none, the reason is whatever the code passes (a job's "列入期限已满").
* ``guard``: ``(obj) -> None``, raising a ``DomainError`` when the object's own state refuses
  (a cancel only on the day of the redemption, a deadline passed).
* ``requires``: fields that must be set on the object before the change is saved (a notice
  for a record going on notice); ``apply`` saves them with the status.

Views ask ``may(user, obj, to)`` (or ``moves(user, obj)``, every status the user may move the
object to now) to show a button; an action's own ``check_*`` rule that is not a status change
becomes a predicate with ``passes(check_x, ...)``.

``actor=None`` is the system (a job, a policy rule): ``who`` is not asked and the history row
has no actor. Anyone else — a user, an anonymous visitor — is asked.

The table is checked when the workflow is made: every status it names must be in the enum,
every status of the enum reachable from where objects start (``NEW``, or the status field's
default), and ``terminal`` lists those that go nowhere. One wording refuses a change the table
does not allow: "X 当前为“甲”，不能改为“乙”。", with the workflow's stable error ``code``.

History: each workflow names an ``event`` model, a subclass of ``core.models.StatusEvent``
(who, when, from, to, reason) with a foreign key to its object, and ``apply`` writes one row
per change. A workflow whose rows tell their own story (a coupon's uses and gifts) has none.

The bulk path, ``apply_many``, moves thousands of rows in one go for the jobs (a county's
month taking effect): every object is checked first, statuses are written in one UPDATE per
chunk (or by the caller's ``write``, which writes the rows it changed once), and the history
rows go in through ``core.bulk``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from cunxin.core import bulk
from cunxin.core.cleaning import check_text
from cunxin.core.errors import Conflict, DomainError, Forbidden
from cunxin.core.scoping import may

if TYPE_CHECKING:
    from cunxin.core.models import StatusEvent

M = TypeVar("M", bound=models.Model)

# The status of an object not yet saved.
NEW = ""
# Every reason a person gives, in every workflow: at least this many characters …
REASON_MIN = 2
# … and at most this many (the longest any form took before the limits were made one).
REASON_MAX = 2000
# Rows per UPDATE when many objects take one status (well under every database's limit on
# the parameters of a statement).
CHUNK = 900

Who = str | Callable[[Any, Any], bool]


@dataclass(frozen=True)
class Reason:
    """A reason asked of the person making a change: required or not, and the message that
    asks for it when it is missing (by default "请写明理由（至少2个字）")."""

    required: bool = True
    prompt: str | Promise | None = None
    field: str = "reason"


@dataclass(frozen=True)
class Transition:
    """One allowed change: from which status (or statuses) to which, who may make it, what
    reason it needs, what must hold of the object, and which fields it must come with."""

    source: str | tuple[str, ...]
    target: str
    who: Who | None = None
    reason: Reason | None = None
    guard: Callable[[Any], None] | None = None
    requires: tuple[str, ...] = ()

    @property
    def sources(self) -> tuple[str, ...]:
        return self.source if isinstance(self.source, tuple) else (self.source,)


def passes(check: Callable[..., object], *args: Any) -> bool:
    """Whether a ``check_*`` function lets these arguments through: the predicate a view asks
    (Zulip's pairing of ``check_*`` with ``do_*``), from the rule the action enforces."""
    try:
        check(*args)
    except DomainError:
        return False
    return True


class WorkflowError(Exception):
    """A transition table that cannot be right (a programming error, raised at import)."""


def holds(user: Any, permission: str, place: Any) -> bool:
    """Whether the user holds the permission at the place (a 12-digit region code, or a scoped
    row whose declared place is used: the one question of ``core.scoping.may``)."""
    if isinstance(place, models.Model):
        return may(user, permission, place)
    return may(user, permission, region=str(place))


def _field(model: type[models.Model], name: str) -> models.Field[Any, Any]:
    field = model._meta.get_field(name)
    if not isinstance(field, models.Field):
        raise WorkflowError(f"{model.__name__}.{name} is not a column")
    return field


class Workflow(Generic[M]):
    """The statuses of one model, the one table of changes between them, and their history."""

    def __init__(
        self,
        model: type[M],
        statuses: type[models.TextChoices],
        transitions: Iterable[Transition],
        *,
        code: str,
        noun: str | Promise,
        event: type[StatusEvent] | None = None,
        where: Callable[[M], Any] | None = None,
        new_label: str | Promise | None = None,
        initial: Iterable[str] | None = None,
        status_field: str = "status",
    ) -> None:
        self.model = model
        self.statuses = statuses
        self.code = code
        self.noun = noun
        self.event = event
        self.where = where
        self.new_label = new_label if new_label is not None else _("未保存")
        self.status_field = status_field
        self._table: dict[tuple[str, str], Transition] = {}
        for t in transitions:
            for source in t.sources:
                if (source, t.target) in self._table:
                    raise WorkflowError(f"{model.__name__}: {source!r} → {t.target!r} twice")
                self._table[(source, t.target)] = t
        if initial is None:
            starts_new = any(source == NEW for source, _target in self._table)
            default = _field(model, status_field).default
            initial = [NEW] if starts_new else [str(default)]
        self.initial = frozenset(initial)
        self._validate()

    # --- the table ------------------------------------------------------------------------

    def _validate(self) -> None:
        name = self.model.__name__
        known = set(self.statuses.values)
        for source, target in self._table:
            for status in (source, target):
                if status != NEW and status not in known:
                    raise WorkflowError(f"{name}: unknown status {status!r} in the table")
            if target == NEW:
                raise WorkflowError(f"{name}: nothing goes back to NEW ({source!r})")
        for t in self._table.values():
            if isinstance(t.who, str) and self.where is None:
                raise WorkflowError(f"{name}: permission {t.who!r} needs where=")
        unknown_start = self.initial - known - {NEW}
        if unknown_start:
            raise WorkflowError(f"{name}: unknown initial status {sorted(unknown_start)}")
        unreachable = known - self.reachable
        if unreachable:
            raise WorkflowError(f"{name}: unreachable statuses {sorted(unreachable)}")

    @cached_property
    def reachable(self) -> frozenset[str]:
        """Every status an object can come to from where objects start."""
        seen = set(self.initial)
        todo = list(self.initial)
        while todo:
            here = todo.pop()
            for target in self.targets(here):
                if target not in seen:
                    seen.add(target)
                    todo.append(target)
        return frozenset(seen - {NEW})

    @cached_property
    def terminal(self) -> frozenset[str]:
        """The statuses nothing leaves: an object there is final."""
        return frozenset(s for s in self.statuses.values if not self.targets(s))

    def targets(self, source: str) -> frozenset[str]:
        """The statuses an object in ``source`` may go to (by anyone)."""
        return frozenset(target for (s, target) in self._table if s == source)

    def transition(self, source: str, target: str) -> Transition | None:
        """The table's entry for the change, if it allows it."""
        return self._table.get((source, target))

    def status_of(self, obj: M) -> str:
        """The object's status; ``NEW`` while it is not saved."""
        if obj._state.adding:
            return NEW
        return str(getattr(obj, self.status_field))

    def label(self, status: str) -> str:
        """The status as people read it."""
        return str(self.new_label) if status == NEW else str(self.statuses(status).label)

    # --- asking ---------------------------------------------------------------------------

    def may(self, user: Any, obj: M, to: str) -> bool:
        """Whether the user may move the object to ``to`` now: the predicate a view asks to
        show a button (the reason, which the person has not written yet, is not asked)."""
        return passes(lambda: self.check(obj, to, actor=user))

    def moves(self, user: Any, obj: M) -> frozenset[str]:
        """Every status the user may move the object to now: the buttons a page shows."""
        return frozenset(t for t in self.targets(self.status_of(obj)) if self.may(user, obj, t))

    def check(self, obj: M, to: str, *, actor: Any) -> Transition:
        """Refuse the change unless the actor may make it (``actor=None``: the system), the
        table allows it from the object's status, and its guard lets it through."""
        current = self.status_of(obj)
        t = self._table.get((current, to))
        if actor is not None:
            who = t.who if t is not None else self._any_who(current, to)
            if who is not None and not self._allowed(who, actor, obj):
                raise Forbidden("forbidden", _("您没有权限进行此操作。"))
        if t is None:
            raise self.refusal(obj, current, to)
        if t.guard is not None:
            t.guard(obj)
        return t

    def _any_who(self, current: str, to: str) -> Who | None:
        # A change the table refuses is still a question of permission first: someone who may
        # never make it learns nothing about the object's status (None: no rule names one).
        rules = [t.who for (_s, target), t in self._table.items() if target == to]
        return rules[0] if rules and all(r == rules[0] for r in rules) else None

    def _allowed(self, who: Who, user: Any, obj: M) -> bool:
        if isinstance(who, str):
            assert self.where is not None
            return holds(user, who, self.where(obj))
        return bool(who(user, obj))

    def refusal(self, obj: M, current: str, to: str) -> Conflict:
        """The one wording of a change the table does not allow (naming the object by its
        number once it has one)."""
        values = {
            "object": str(self.noun),
            "id": obj.pk,
            "status": self.label(current),
            "to": self.label(to),
        }
        if current == to:
            message = (
                gettext("%(object)s #%(id)s 已经是“%(status)s”。")
                if obj.pk is not None
                else gettext("%(object)s已经是“%(status)s”。")
            )
        else:
            message = (
                gettext("%(object)s #%(id)s 当前为“%(status)s”，不能改为“%(to)s”。")
                if obj.pk is not None
                else gettext("%(object)s当前为“%(status)s”，不能改为“%(to)s”。")
            )
        return Conflict(self.code, message % values)

    def clean_reason(self, reason: str | None, *, to: str, source: str | None = None) -> str:
        """The reason as it will be kept, or a refusal when the transition asks for one and
        it is missing or too long."""
        text = (reason or "").strip()
        rule = self._reason_rule(to, source)
        field = rule.field if rule is not None else "reason"
        # A NUL byte or a lone surrogate is refused here too, not only at the request's edge:
        # the history keeps the reason exactly as written, so it must be storable as written.
        check_text(text, field=field, label=_("理由"))
        if rule is None:
            return text
        if len(text) < REASON_MIN and (rule.required or text):
            prompt = rule.prompt or _("请写明理由（至少%(n)d个字）。")
            raise DomainError("reason_required", str(prompt) % {"n": REASON_MIN}, field=rule.field)
        if len(text) > REASON_MAX:
            raise DomainError(
                "reason_too_long",
                gettext("理由不能超过%(n)d个字。") % {"n": REASON_MAX},
                field=rule.field,
            )
        return text

    def _reason_rule(self, to: str, source: str | None) -> Reason | None:
        if source is not None:
            t = self._table.get((source, to))
            return t.reason if t is not None else None
        rules = {t.reason for (_s, target), t in self._table.items() if target == to}
        if len(rules) > 1:
            raise WorkflowError(f"{self.model.__name__}: name the source of {to!r}'s reason")
        return rules.pop() if rules else None

    # --- applying -------------------------------------------------------------------------

    def apply(
        self,
        obj: M,
        to: str,
        *,
        actor: Any,
        reason: str = "",
        fields: Sequence[str] = (),
        **event_fields: Any,
    ) -> StatusEvent | None:
        """Check, then move one object to ``to``: a new object is inserted, a saved one has its
        status, the transition's required fields and ``fields`` saved; then one history row
        (``event_fields`` fill the event model's own columns, such as a repair application)."""
        current = self.status_of(obj)
        t = self.check(obj, to, actor=actor)
        reason = self.clean_reason(reason, to=to, source=current)
        self._require(t, obj)
        setattr(obj, self.status_field, to)
        if current == NEW:
            obj.save()
        else:
            obj.save(update_fields=[self.status_field, *t.requires, *fields])
        if self.event is None:
            return None
        event = self._event(obj, current, to, actor, reason, event_fields)
        event.save()
        return event

    def apply_many(
        self,
        objs: Sequence[M],
        to: str,
        *,
        actor: Any,
        reason: str = "",
        fields: Sequence[str] = (),
        write: Callable[[Sequence[M]], object] | None = None,
    ) -> list[StatusEvent]:
        """Check every object, then move them all to ``to`` with one history row each.

        Statuses are written in one UPDATE per chunk when only the status changes, with
        ``bulk_update`` when ``fields`` changed too, or by ``write``, which gets the objects
        with their new status already set and writes them (and whatever else the caller
        changed on them) itself — a job then writes each row once. New objects need ``write``.
        """
        if not objs:
            return []
        starts: list[str] = []
        for obj in objs:
            current = self.status_of(obj)
            t = self.check(obj, to, actor=actor)
            self._require(t, obj)
            starts.append(current)
        cleaned = {s: self.clean_reason(reason, to=to, source=s) for s in set(starts)}
        for obj in objs:
            setattr(obj, self.status_field, to)
        changed = [*dict.fromkeys(n for s in set(starts) for n in self._table[(s, to)].requires)]
        changed += [name for name in fields if name not in changed]
        if write is not None:
            write(objs)
        elif NEW in starts:
            raise WorkflowError(f"{self.model.__name__}: new objects are written by write=")
        elif changed:
            self.model._default_manager.bulk_update(
                list(objs), [self.status_field, *changed], batch_size=1000
            )
        else:
            # Every object gets the same value: one plain UPDATE per chunk, not a CASE per row.
            ids = [obj.pk for obj in objs]
            manager = self.model._default_manager
            for i in range(0, len(ids), CHUNK):
                manager.filter(pk__in=ids[i : i + CHUNK]).update(**{self.status_field: to})
        if self.event is None:
            return []
        events = [
            self._event(obj, start, to, actor, cleaned[start], {})
            for obj, start in zip(objs, starts, strict=True)
        ]
        bulk.insert_objects(events)  # a month's records at once: see core.bulk
        return events

    def _require(self, t: Transition, obj: M) -> None:
        for name in t.requires:
            # By the column (``transfer_id``): reading the relation would load every row's.
            if getattr(obj, _field(self.model, name).attname) in (None, ""):
                raise WorkflowError(f"{self.model.__name__}: {t.target!r} needs {name!r} set")

    @cached_property
    def _subject(self) -> str:
        """The name of the event model's foreign key to the object."""
        assert self.event is not None
        for field in self.event._meta.concrete_fields:
            if isinstance(field, models.ForeignKey) and field.related_model is self.model:
                return field.name
        raise WorkflowError(f"{self.event.__name__} has no foreign key to {self.model.__name__}")

    def _event(
        self, obj: M, start: str, to: str, actor: Any, reason: str, extra: dict[str, Any]
    ) -> StatusEvent:
        assert self.event is not None
        return self.event(
            **{self._subject: obj},
            from_status=start,
            to_status=to,
            actor=actor if getattr(actor, "pk", None) else None,
            reason=reason,
            **extra,
        )
