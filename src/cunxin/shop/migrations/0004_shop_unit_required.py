import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("shop", "0003_shop_units_and_keepers"),
    ]

    operations = [
        migrations.AlterField(
            model_name="shop",
            name="unit",
            field=models.OneToOneField(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="shop",
                to="units.unit",
                verbose_name="单位",
            ),
        ),
        migrations.DeleteModel(name="ShopKeeper"),
    ]
