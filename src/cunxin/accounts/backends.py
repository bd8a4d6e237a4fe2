"""The only authentication backend: it checks a password only for an attempt the limiter let in.

Django's ``authenticate()`` is reachable from anything (the admin's login form, a future API
login, a library): with this backend alone in ``AUTHENTICATION_BACKENDS``, a call without the
limiter's admission (``accounts.limiter.admit``) finds no user, so no way to log in can skip the
limit, however it is added later.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest

from cunxin.accounts.limiter import Admission
from cunxin.accounts.models import User


class LimitedBackend(ModelBackend):
    """Django's model backend behind the login limiter."""

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        admission: Admission | None = None,
        **kwargs: Any,
    ) -> User | None:
        if not isinstance(admission, Admission) or admission.phone != username:
            return None
        if not admission.take():
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)
