"""Messages to people: what concerns them, in the app's message centre and by SMS."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from cunxin.core.scoping import ScopedQuerySet


class Message(models.Model):
    """One message to one resident (read in the app by their login, sent to their phone)."""

    resident = models.ForeignKey(
        "people.Resident", null=True, blank=True, on_delete=models.CASCADE, related_name="messages"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="messages",
    )
    kind = models.CharField(_("类型"), max_length=40)
    text = models.CharField(_("内容"), max_length=300)
    link = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    read_at = models.DateTimeField(null=True, blank=True)
    sms_sent_at = models.DateTimeField(null=True, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_resident_field = "resident_id"

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(resident__isnull=False) | models.Q(user__isnull=False),
                name="message_has_a_recipient",
            )
        ]

    def __str__(self) -> str:
        return self.text
