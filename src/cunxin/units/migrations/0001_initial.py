import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("regions", "0001_initial"),
    ]

    operations = [
        migrations.CreateModel(
            name="Unit",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("name", models.CharField(max_length=60, verbose_name="名称")),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("department", "部门"),
                            ("zone", "开发区"),
                            ("town_gov", "镇（街道）政府"),
                            ("outside", "外部单位"),
                            ("centre", "服务中心"),
                            ("hall", "服务大厅"),
                            ("shop", "信用超市"),
                            ("merchant", "合作商家"),
                        ],
                        max_length=16,
                        verbose_name="类别",
                    ),
                ),
                ("path", models.CharField(db_index=True, editable=False, max_length=200)),
                ("active", models.BooleanField(default=True, verbose_name="启用")),
                (
                    "created_at",
                    models.DateTimeField(
                        default=django.utils.timezone.now, verbose_name="创建时间"
                    ),
                ),
                (
                    "parent",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="children",
                        to="units.unit",
                        verbose_name="上级单位",
                    ),
                ),
                (
                    "region",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="regions.region",
                        verbose_name="所属区划",
                    ),
                ),
            ],
            options={
                "verbose_name": "办理单位",
                "verbose_name_plural": "办理单位",
                "ordering": ["path"],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(
                            (
                                "kind__in",
                                [
                                    "department",
                                    "zone",
                                    "town_gov",
                                    "outside",
                                    "centre",
                                    "hall",
                                    "shop",
                                    "merchant",
                                ],
                            )
                        ),
                        name="unit_kind_known",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(("path__regex", "^([0-9]+/)+$")),
                        name="unit_path_shape",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            models.Q(("kind", "town_gov"), _negated=True),
                            ("region__isnull", False),
                            _connector="OR",
                        ),
                        name="unit_town_government_has_region",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(("parent", models.F("pk")), _negated=True),
                        name="unit_not_own_parent",
                    ),
                    models.UniqueConstraint(
                        fields=("parent", "name"), name="unit_name_unique_in_parent"
                    ),
                ],
            },
        ),
    ]
