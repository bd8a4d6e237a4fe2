"""A role is held in a region or a unit: exactly one (the platform admin may hold neither)."""

import django.db.models.deletion
from django.db import migrations, models

REGION_ROLES = ["admin", "centre", "committee", "collector", "keeper", "villager"]
UNIT_ROLES = ["shop_keeper", "cashier", "handler", "leader"]


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_login_limiter"),
        ("regions", "0001_initial"),
        ("units", "0001_initial"),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="roleassignment",
            name="assignment_unique_active",
        ),
        migrations.RemoveConstraint(
            model_name="roleassignment",
            name="assignment_region_unless_admin",
        ),
        migrations.RemoveConstraint(
            model_name="roleassignment",
            name="assignment_role_known",
        ),
        migrations.AddField(
            model_name="roleassignment",
            name="unit",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="assignments",
                to="units.unit",
                verbose_name="单位",
            ),
        ),
        migrations.AlterField(
            model_name="roleassignment",
            name="role",
            field=models.CharField(
                choices=[
                    ("admin", "平台管理员"),
                    ("centre", "信用中心工作人员"),
                    ("committee", "评审会成员"),
                    ("collector", "信息采集员"),
                    ("keeper", "信用超市店主/商家"),
                    ("villager", "村民"),
                    ("shop_keeper", "店主"),
                    ("cashier", "商家收银员"),
                    ("handler", "承办人"),
                    ("leader", "单位负责人"),
                ],
                max_length=16,
                verbose_name="角色",
            ),
        ),
        migrations.AddConstraint(
            model_name="roleassignment",
            constraint=models.UniqueConstraint(
                condition=models.Q(("active", True), ("unit__isnull", True)),
                fields=("user", "role", "region"),
                name="assignment_unique_active",
            ),
        ),
        migrations.AddConstraint(
            model_name="roleassignment",
            constraint=models.UniqueConstraint(
                condition=models.Q(("active", True), ("unit__isnull", False)),
                fields=("user", "role", "unit"),
                name="assignment_unique_active_in_unit",
            ),
        ),
        migrations.AddConstraint(
            model_name="roleassignment",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("region__isnull", False), ("unit__isnull", True)),
                    models.Q(("region__isnull", True), ("unit__isnull", False)),
                    models.Q(("region__isnull", True), ("role", "admin"), ("unit__isnull", True)),
                    _connector="OR",
                ),
                name="assignment_region_or_unit",
            ),
        ),
        migrations.AddConstraint(
            model_name="roleassignment",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("role__in", REGION_ROLES), ("unit__isnull", True)),
                    models.Q(("role__in", UNIT_ROLES), ("unit__isnull", False)),
                    _connector="OR",
                ),
                name="assignment_role_axis",
            ),
        ),
        migrations.AddConstraint(
            model_name="roleassignment",
            constraint=models.CheckConstraint(
                condition=models.Q(("role__in", REGION_ROLES + UNIT_ROLES)),
                name="assignment_role_known",
            ),
        ),
    ]
