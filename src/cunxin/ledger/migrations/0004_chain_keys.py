"""Chain links become HMACs: each link names the key that signed it, and keeps its former hash
when ``rekey-ledger`` signs a link written before (see ledger.chain).

The columns are added with plain ``ALTER TABLE … ADD COLUMN`` (the same statement on SQLite and
PostgreSQL): Django's SQLite editor would rebuild the table, dropping the append-only triggers
with it. Links already written get the key id "" (unkeyed); new links get the current key's id
from the model's default.
"""

from django.db import migrations, models

import cunxin.ledger.chain

FORWARD = [
    "ALTER TABLE ledger_transfer ADD COLUMN former_hash varchar(64) NOT NULL DEFAULT ''",
    "ALTER TABLE ledger_transfer ADD COLUMN key_id varchar(16) NOT NULL DEFAULT ''",
]
BACKWARD = [
    "ALTER TABLE ledger_transfer DROP COLUMN key_id",
    "ALTER TABLE ledger_transfer DROP COLUMN former_hash",
]


class Migration(migrations.Migration):
    dependencies = [
        ("ledger", "0003_holders_coupons_money"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunSQL(FORWARD, BACKWARD)],
            state_operations=[
                migrations.AddField(
                    model_name="transfer",
                    name="former_hash",
                    field=models.CharField(blank=True, default="", max_length=64),
                ),
                migrations.AddField(
                    model_name="transfer",
                    name="key_id",
                    field=models.CharField(
                        default=cunxin.ledger.chain.current_key_id, max_length=16
                    ),
                ),
            ],
        )
    ]
