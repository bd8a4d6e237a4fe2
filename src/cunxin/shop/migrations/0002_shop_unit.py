import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("shop", "0001_initial"),
        ("units", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="shop",
            name="unit",
            field=models.OneToOneField(
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="shop",
                to="units.unit",
                verbose_name="单位",
            ),
        ),
    ]
