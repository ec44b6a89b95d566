from django.db import migrations

from shuangsui.catalog.choices import RESULT_CODES


def load(apps, schema_editor):
    ResultCode = apps.get_model("catalog", "ResultCode")
    made = {}
    for order, (code, name, parent) in enumerate(RESULT_CODES, start=1):
        made[code] = ResultCode.objects.create(code=code, name=name, order=order,
                                               parent=made.get(parent))


def unload(apps, schema_editor):
    apps.get_model("catalog", "ResultCode").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("catalog", "0002_initial")]
    operations = [migrations.RunPython(load, unload)]
