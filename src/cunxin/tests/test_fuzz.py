"""Property-based fuzzing of the whole API: no input the schema allows, or breaks, gives a 5xx.

Schemathesis reads the OpenAPI schema served at /api/ and generates, for every operation, inputs
that fit it (positive) and inputs that break it (negative: wrong types, out-of-range numbers,
missing fields). Each is sent through Django's test client, with the session cookie and the
CSRF token a browser would send, as the platform admin and as a villager. Every example runs in
a savepoint that is rolled back, so the examples are independent (and a database error on
PostgreSQL cannot poison the ones after it).

The test is marked ``fuzz``: ``CUNXIN_FUZZ=off`` leaves it out of a run (see ``conftest.py``),
so CI can run it on one database; ``CUNXIN_FUZZ_EXAMPLES`` sets the examples per operation and
mode (default 4). It prints ``FUZZ <persona> operations=… examples=… 5xx=…``.
"""

from __future__ import annotations

import logging
import os
import traceback
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests
import schemathesis
from django.db import transaction
from django.test import Client
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode

from cunxin.api import api
from cunxin.conftest import World
from cunxin.core.images import sample_image

EXAMPLES = int(os.environ.get("CUNXIN_FUZZ_EXAMPLES", "4"))


@dataclass
class Tally:
    operations: int = 0
    examples: int = 0
    server_errors: list[str] = field(default_factory=list)


class _Undo(Exception):
    """Rolls an example back."""


def _client(user: Any) -> tuple[Client, str]:
    client = Client(HTTP_HOST="127.0.0.1", enforce_csrf_checks=True)
    client.force_login(user)
    client.get("/api/docs")  # sets the csrftoken cookie, as a browser would get it
    return client, client.cookies["csrftoken"].value


def _send(client: Client, token: str, case: Any) -> Any:
    """The case as a real HTTP client would encode it, sent through Django's test client."""
    kwargs = case.as_transport_kwargs(base_url="http://127.0.0.1")
    kwargs.pop("auth", None)
    kwargs.pop("cookies", None)
    prepared = requests.Request(**kwargs).prepare()
    url = urlsplit(prepared.url)
    path = url.path + (f"?{url.query}" if url.query else "")
    body = prepared.body or b""
    if isinstance(body, str):
        body = body.encode("utf-8", "surrogatepass")
    headers = {
        k: v
        for k, v in prepared.headers.items()
        if k.lower() not in ("content-type", "content-length", "cookie")
    }
    return client.generic(
        prepared.method or "GET",
        path,
        data=body,
        content_type=prepared.headers.get("Content-Type", "application/octet-stream"),
        headers={**headers, "X-CSRFToken": token},
    )


def _fuzz(operation: Any, client: Client, token: str, tally: Tally) -> None:
    strategy = st.one_of(
        operation.as_strategy(generation_mode=GenerationMode.POSITIVE),
        operation.as_strategy(generation_mode=GenerationMode.NEGATIVE),
    )

    @settings(
        max_examples=EXAMPLES * 2,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=strategy)
    def run(case: Any) -> None:
        tally.examples += 1
        try:
            with transaction.atomic():
                try:
                    response = _send(client, token, case)
                    status = response.status_code
                    detail = response.content[:300].decode(errors="replace")
                except Exception as exc:  # the test client re-raises what became a 500
                    status = 500
                    detail = "".join(traceback.format_exception_only(exc)).strip()
                raise _Undo(status, detail)
        except _Undo as undo:
            status, detail = undo.args
        if status >= 500:
            tally.server_errors.append(
                f"{operation.label} → {status}: {detail}\n    {case.method} {case.formatted_path}"
                f" query={case.query} body={str(case.body)[:200]}"
            )

    run()


@pytest.fixture
def fuzz_world(policy_world: World) -> World:
    """The test world with a record and its photo, so generated ids find something."""
    import datetime
    import uuid

    from cunxin.records.actions.collect import do_collect, parse_quantity

    do_collect(
        client_id=uuid.uuid4(),
        resident=policy_world.resident("张三"),
        item_code="PW-R01",
        quantity=parse_quantity("1"),
        behaviour_date=datetime.date.today(),
        photos=[("p.jpg", sample_image())],
        acting_user=policy_world.collector_a,
    )
    return policy_world


SCHEMA = schemathesis.openapi.from_dict(api.get_openapi_schema(path_prefix="/api"))


@pytest.fixture
def _quiet_request_log() -> Any:
    # Thousands of refused requests would each log a warning line.
    logger = logging.getLogger("django.request")
    level = logger.level
    logger.setLevel(logging.ERROR)
    yield
    logger.setLevel(level)


@pytest.mark.fuzz
@pytest.mark.usefixtures("_quiet_request_log")
@pytest.mark.parametrize("persona", ["admin", "villager_a"])
def test_no_input_gives_a_server_error(fuzz_world: World, persona: str) -> None:
    client, token = _client(getattr(fuzz_world, persona))
    tally = Tally()
    for result in SCHEMA.get_all_operations():
        operation = result.ok()
        tally.operations += 1
        _fuzz(operation, client, token, tally)
    print(
        f"\nFUZZ {persona} operations={tally.operations} examples={tally.examples} "
        f"5xx={len(tally.server_errors)}"
    )
    assert tally.server_errors == [], "\n".join(tally.server_errors[:30])
