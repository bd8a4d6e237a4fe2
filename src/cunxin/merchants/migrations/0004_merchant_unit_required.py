import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("merchants", "0003_merchant_units_and_cashiers"),
    ]

    operations = [
        migrations.AlterField(
            model_name="merchant",
            name="unit",
            field=models.OneToOneField(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="merchant",
                to="units.unit",
                verbose_name="单位",
            ),
        ),
        migrations.DeleteModel(name="MerchantStaff"),
    ]
