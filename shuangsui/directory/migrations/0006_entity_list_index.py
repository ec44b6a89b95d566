"""名录列表的索引带上可筛选的列：筛选在索引里判断，计数只扫索引（issue 13 第 3 项）。"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("directory", "0005_bigram_search")]

    operations = [
        migrations.AddIndex(
            model_name="entity",
            index=models.Index(
                fields=["scope_path", "uid", "credit_class", "status", "entity_type", "industry_code"],
                name="entity_scope_list",
            ),
        ),
        migrations.RemoveIndex(model_name="entity", name="entity_scope_uid"),
    ]
