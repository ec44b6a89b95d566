"""百万行导入的收尾少重建几个索引（issue 13 第 2 项）。

- 企业基数不再单独建索引：成立日期并入 entity_scope_list，基数计数照样只读索引。
- PostgreSQL：代码类的列（统一社会信用代码、辖区路径、类型、状态、分类、行业）改用 "C" 排序规则。
  这些列只有 ASCII 字符，C 与库的默认规则（C.UTF-8）排序相同；但默认规则逐次调用 strcoll、
  排序建索引时不能用缩略键，C 直接比字节，建索引快得多。C 规则的 B 树索引本身就能做
  LIKE '前缀%' 查询，Django 为代码另建的 varchar_pattern_ops 索引因此多余，去掉。
SQLite 默认就按字节比较（BINARY），不用改。
"""

from django.db import migrations, models

COLUMNS = {
    "uid": "varchar(18)",
    "scope_path": "varchar(255)",
    "entity_type": "varchar(16)",
    "status": "varchar(12)",
    "credit_class": "varchar(1)",
    "industry_code": "varchar(8)",
}
LIKE_INDEX = "directory_entity_uid_1438729c_like"  # Django 为 unique 的 CharField 建的


def _collate(schema_editor, collation):
    alter = ", ".join(
        f'ALTER COLUMN "{column}" TYPE {kind} COLLATE "{collation}"'
        for column, kind in COLUMNS.items()
    )
    schema_editor.execute(f"ALTER TABLE directory_entity {alter}")


def to_c(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f'DROP INDEX IF EXISTS "{LIKE_INDEX}"')
    _collate(schema_editor, "C")


def to_default(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    _collate(schema_editor, "default")
    schema_editor.execute(
        f'CREATE INDEX IF NOT EXISTS "{LIKE_INDEX}" ON directory_entity (uid varchar_pattern_ops)'
    )


class Migration(migrations.Migration):
    dependencies = [("directory", "0009_entity_filter_index")]

    operations = [
        migrations.RemoveIndex(model_name="entity", name="entity_scope_list"),
        migrations.RemoveIndex(model_name="entity", name="entity_base_count"),
        migrations.RunPython(to_c, to_default),
        migrations.AddIndex(
            model_name="entity",
            index=models.Index(
                fields=[
                    "scope_path",
                    "uid",
                    "credit_class",
                    "status",
                    "entity_type",
                    "industry_code",
                    "established",
                ],
                name="entity_scope_list",
            ),
        ),
    ]
