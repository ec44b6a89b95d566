"""名称检索索引：SQLite 建 FTS5 trigram 表及同步触发器；PostgreSQL 建 pg_trgm GIN 索引。"""

from django.db import migrations

SQLITE_UP = [
    "CREATE VIRTUAL TABLE IF NOT EXISTS directory_entity_fts USING fts5("
    "name, content='directory_entity', content_rowid='id', tokenize='trigram')",
    "CREATE TRIGGER IF NOT EXISTS directory_entity_fts_ai AFTER INSERT ON directory_entity BEGIN "
    "INSERT INTO directory_entity_fts(rowid, name) VALUES (new.id, new.name); END",
    "CREATE TRIGGER IF NOT EXISTS directory_entity_fts_ad AFTER DELETE ON directory_entity BEGIN "
    "INSERT INTO directory_entity_fts(directory_entity_fts, rowid, name) "
    "VALUES ('delete', old.id, old.name); END",
    "CREATE TRIGGER IF NOT EXISTS directory_entity_fts_au AFTER UPDATE OF name ON directory_entity "
    "BEGIN INSERT INTO directory_entity_fts(directory_entity_fts, rowid, name) "
    "VALUES ('delete', old.id, old.name); "
    "INSERT INTO directory_entity_fts(rowid, name) VALUES (new.id, new.name); END",
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS directory_entity_fts_ai",
    "DROP TRIGGER IF EXISTS directory_entity_fts_ad",
    "DROP TRIGGER IF EXISTS directory_entity_fts_au",
    "DROP TABLE IF EXISTS directory_entity_fts",
]
PG_UP = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS directory_entity_name_trgm ON directory_entity "
    "USING gin (name gin_trgm_ops)",
]
PG_DOWN = ["DROP INDEX IF EXISTS directory_entity_name_trgm"]


def up(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for sql in SQLITE_UP if vendor == "sqlite" else PG_UP if vendor == "postgresql" else []:
        schema_editor.execute(sql)


def down(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for sql in SQLITE_DOWN if vendor == "sqlite" else PG_DOWN if vendor == "postgresql" else []:
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("directory", "0001_initial")]
    operations = [migrations.RunPython(up, down)]
