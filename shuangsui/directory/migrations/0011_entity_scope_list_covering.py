"""PostgreSQL：名录索引 entity_scope_list 带上名称与所属单位（INCLUDE，只存不排序）。

名录按“所、代码”的顺序逐行比对名称取第一页时（很宽泛的片段如“丰泽”，或命中集中在个体户里的“小吃店”），
原来每走一行都要回表读名称：百万户里走过六七万行、读两三万个表页，约 0.1 秒。带上名称与所属单位（列表页
要显示），走名录索引就是只读索引的扫描，不回表（表清理过、可见性图标好之后），同样的第一页约 0.03 秒。

只在 PostgreSQL 上改（SQLite 没有 INCLUDE；Django 的 Index(include=…) 在 SQLite 上会报检查警告），所以
模型里的索引定义不变，这里直接改库。索引名不变，导入时的去掉、补建（按 pg_get_indexdef 的定义）照旧。
"""

from django.db import migrations

KEYS = "scope_path, uid, credit_class, status, entity_type, industry_code, established"


def _rebuild(schema_editor, include):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("DROP INDEX IF EXISTS entity_scope_list")
    schema_editor.execute(f"CREATE INDEX entity_scope_list ON directory_entity ({KEYS}){include}")


def covering(apps, schema_editor):
    _rebuild(schema_editor, " INCLUDE (name, unit_id)")


def plain(apps, schema_editor):
    _rebuild(schema_editor, "")


class Migration(migrations.Migration):
    dependencies = [("directory", "0010_entity_index_for_import")]

    operations = [migrations.RunPython(covering, plain)]
