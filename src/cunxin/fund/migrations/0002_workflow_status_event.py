# The payment history takes the shape every status history has (core.models.StatusEvent):
# ``by`` is renamed ``actor`` (the rows keep their author), statuses and reasons widen.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("fund", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="paymentchange",
            options={"ordering": ["at", "id"]},
        ),
        migrations.RenameField(model_name="paymentchange", old_name="by", new_name="actor"),
        migrations.AlterField(
            model_name="paymentchange",
            name="actor",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AlterField(
            model_name="payment",
            name="reject_reason",
            field=models.TextField(blank=True, verbose_name="驳回原因"),
        ),
        migrations.AlterField(
            model_name="paymentchange",
            name="from_status",
            field=models.CharField(blank=True, max_length=32),
        ),
        migrations.AlterField(
            model_name="paymentchange",
            name="reason",
            field=models.TextField(blank=True),
        ),
        migrations.AlterField(
            model_name="paymentchange",
            name="to_status",
            field=models.CharField(max_length=32),
        ),
    ]
