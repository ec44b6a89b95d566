from django.db import migrations

from shuangsui.credit.choices import DEFAULT_RULES, EXAMPLE_NOTE


def seed(apps, schema_editor):
    CreditRule = apps.get_model("credit", "CreditRule")  # noqa: N806
    for order, (code, name, event, codes, effect, cls) in enumerate(DEFAULT_RULES, start=1):
        CreditRule.objects.get_or_create(
            code=code,
            defaults=dict(
                name=name,
                event=event,
                result_codes=codes,
                effect=effect,
                credit_class=cls,
                order=order,
                note=EXAMPLE_NOTE,
            ),
        )


class Migration(migrations.Migration):
    dependencies = [("credit", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
