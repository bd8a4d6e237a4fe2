from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="auditentry",
            name="unit_path",
            field=models.CharField(
                blank=True, db_index=True, default="", max_length=200, verbose_name="单位"
            ),
        ),
    ]
