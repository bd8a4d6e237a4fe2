"""Database triggers that refuse UPDATE and DELETE of transfers and entries (see ledger.guard)."""

from django.db import migrations

from cunxin.ledger import guard


class Migration(migrations.Migration):
    dependencies = [("ledger", "0001_initial")]

    operations = [migrations.RunPython(guard.forward, guard.backward)]
