"""两个字的名称片段也走索引。

SQLite：FTS5 trigram 表改为无内容表（content=''），名称后加一个分隔符 U+001F 再入索引，另建
fts5vocab 词表。名称中每个两字片段后面都跟着一个字或分隔符，所以都是某个三元组的前缀：查两个字时
从词表按前缀范围取出这些三元组，再 OR 查找（shuangsui.directory.search）。
PostgreSQL：pg_trgm 的三元组是散列过的，不能按前缀查；改建名称二元组数组上的 GIN 表达式索引，
两个字及以上的片段都用它（片段的每个二元组都在其中，再用 ILIKE 复核）。它取代原来的 pg_trgm 索引。
"""

from django.db import migrations

SQLITE_UP = [
    "DROP TRIGGER IF EXISTS directory_entity_fts_ai",
    "DROP TRIGGER IF EXISTS directory_entity_fts_ad",
    "DROP TRIGGER IF EXISTS directory_entity_fts_au",
    "DROP TABLE IF EXISTS directory_entity_fts_vocab",
    "DROP TABLE IF EXISTS directory_entity_fts",
    "CREATE VIRTUAL TABLE directory_entity_fts USING fts5(name, content='', tokenize='trigram')",
    "CREATE VIRTUAL TABLE directory_entity_fts_vocab USING fts5vocab(directory_entity_fts, 'row')",
    "INSERT INTO directory_entity_fts(rowid, name) SELECT id, name || char(31) FROM directory_entity",
    "CREATE TRIGGER directory_entity_fts_ai AFTER INSERT ON directory_entity BEGIN "
    "INSERT INTO directory_entity_fts(rowid, name) VALUES (new.id, new.name || char(31)); END",
    "CREATE TRIGGER directory_entity_fts_ad AFTER DELETE ON directory_entity BEGIN "
    "INSERT INTO directory_entity_fts(directory_entity_fts, rowid, name) "
    "VALUES ('delete', old.id, old.name || char(31)); END",
    "CREATE TRIGGER directory_entity_fts_au AFTER UPDATE OF name ON directory_entity BEGIN "
    "INSERT INTO directory_entity_fts(directory_entity_fts, rowid, name) "
    "VALUES ('delete', old.id, old.name || char(31)); "
    "INSERT INTO directory_entity_fts(rowid, name) VALUES (new.id, new.name || char(31)); END",
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS directory_entity_fts_ai",
    "DROP TRIGGER IF EXISTS directory_entity_fts_ad",
    "DROP TRIGGER IF EXISTS directory_entity_fts_au",
    "DROP TABLE IF EXISTS directory_entity_fts_vocab",
    "DROP TABLE IF EXISTS directory_entity_fts",
    "CREATE VIRTUAL TABLE directory_entity_fts USING fts5("
    "name, content='directory_entity', content_rowid='id', tokenize='trigram')",
    "INSERT INTO directory_entity_fts(directory_entity_fts) VALUES ('rebuild')",
    "CREATE TRIGGER directory_entity_fts_ai AFTER INSERT ON directory_entity BEGIN "
    "INSERT INTO directory_entity_fts(rowid, name) VALUES (new.id, new.name); END",
    "CREATE TRIGGER directory_entity_fts_ad AFTER DELETE ON directory_entity BEGIN "
    "INSERT INTO directory_entity_fts(directory_entity_fts, rowid, name) "
    "VALUES ('delete', old.id, old.name); END",
    "CREATE TRIGGER directory_entity_fts_au AFTER UPDATE OF name ON directory_entity "
    "BEGIN INSERT INTO directory_entity_fts(directory_entity_fts, rowid, name) "
    "VALUES ('delete', old.id, old.name); "
    "INSERT INTO directory_entity_fts(rowid, name) VALUES (new.id, new.name); END",
]
# 与 shuangsui.directory.search.PG_BIGRAMS 相同（迁移里抄一份，以后改那边不影响这里）
BIGRAMS = (
    "string_to_array(regexp_replace(lower(name), '(..)', '\\1' || chr(31), 'g') || chr(31) || "
    "regexp_replace(substr(lower(name), 2), '(..)', '\\1' || chr(31), 'g'), chr(31))"
)
PG_UP = [
    "SET LOCAL maintenance_work_mem = '256MB'",
    f"CREATE INDEX directory_entity_name_bigram ON directory_entity USING gin (({BIGRAMS}))",
    "DROP INDEX IF EXISTS directory_entity_name_trgm",
]
PG_DOWN = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS directory_entity_name_trgm ON directory_entity "
    "USING gin (name gin_trgm_ops)",
    "DROP INDEX IF EXISTS directory_entity_name_bigram",
]


def up(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for sql in SQLITE_UP if vendor == "sqlite" else PG_UP if vendor == "postgresql" else []:
        schema_editor.execute(sql)


def down(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for sql in SQLITE_DOWN if vendor == "sqlite" else PG_DOWN if vendor == "postgresql" else []:
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("directory", "0004_credit_history")]
    operations = [migrations.RunPython(up, down)]
