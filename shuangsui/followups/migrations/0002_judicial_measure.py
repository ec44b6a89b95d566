"""代码表补入“移送司法机关”（issue 10 第 4 项列出的措施；catalog 迁移 0005 的种子里没有）。"""

from django.db import migrations


def seed(apps, schema_editor):
    FollowUpMeasure = apps.get_model("catalog", "FollowUpMeasure")
    if not FollowUpMeasure.objects.filter(name="移送司法机关").exists():
        FollowUpMeasure.objects.get_or_create(
            code="10", defaults={"name": "移送司法机关", "order": 75}
        )


class Migration(migrations.Migration):
    dependencies = [
        ("followups", "0001_initial"),
        ("catalog", "0005_follow_up_measures"),
    ]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
