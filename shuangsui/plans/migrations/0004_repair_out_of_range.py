"""加范围约束（0005）之前修正已有的越界值；单独一个迁移，PostgreSQL 上数据修改与加约束不在同一事务。"""

import datetime
from decimal import Decimal

from django.db import migrations


def repair_out_of_range(apps, schema_editor):
    """加约束之前修正库里已有的越界值（如接口曾收下的 0 年度）：年度改为创建年度，
    日期、批次、人数、比例、基数收进合理范围；改动写进备注，便于核对。"""
    low, high = datetime.date(2000, 1, 1), datetime.date(2100, 12, 31)

    def clamp(value, lo, hi):
        return min(max(value, lo), hi)

    def fix(row, fields):
        changes = []
        created_year = clamp(row.created.year if row.created else 2000, 2000, 2100)
        if not 2000 <= row.year <= 2100:
            changes.append(f"年度 {row.year} → {created_year}")
            row.year = created_year
        for name, lo, hi in fields:
            value = getattr(row, name)
            if value is None:
                continue
            fixed = clamp(value, lo, hi)
            if fixed != value:
                changes.append(f"{name} {value} → {fixed}")
                setattr(row, name, fixed)
        if changes:
            row.note = (
                (row.note + "\n" if row.note else "")
                + "（迁移时修正越界值："
                + "；".join(changes)
                + "）"
            )
            row.save()

    common = [
        ("ratio", Decimal("0"), Decimal("1")),
        ("base_count", 0, 100_000_000),
        ("batches", 1, 100),
        ("deadline", low, high),
    ]
    for plan in apps.get_model("plans", "AnnualPlan").objects.all():
        fix(plan, common + [("filed_on", low, high)])
    for task in apps.get_model("plans", "Task").objects.all():
        fix(task, common + [("start_date", low, high), ("inspectors_per_target", 1, 10)])


class Migration(migrations.Migration):
    dependencies = [
        ("plans", "0003_task_updated_by"),
    ]

    operations = [
        migrations.RunPython(repair_out_of_range, migrations.RunPython.noop),
    ]
