"""按名称片段查找：SQLite 的 FTS5 trigram 索引（含触发器）与 PostgreSQL 的 pg_trgm 都在。"""

from django.db import connection

from shuangsui.core.tests.base import BaseTestCase, make_entity
from shuangsui.directory import search
from shuangsui.directory.models import Entity


class SearchTests(BaseTestCase):
    def test_the_search_index_survives_all_migrations(self):
        with connection.cursor() as cur:
            if connection.vendor == "sqlite":
                cur.execute("SELECT name FROM sqlite_master WHERE type='trigger'")
                triggers = {row[0] for row in cur.fetchall()}
                self.assertTrue(
                    {
                        "directory_entity_fts_ai",
                        "directory_entity_fts_ad",
                        "directory_entity_fts_au",
                    }
                    <= triggers
                )
            else:
                cur.execute("SELECT indexname FROM pg_indexes WHERE tablename='directory_entity'")
                self.assertIn("directory_entity_name_trgm", {row[0] for row in cur.fetchall()})

    def test_it_finds_by_part_of_a_name_and_follows_renames(self):
        entity = make_entity(self.station, 501, name="泉州海丝嘉禾食品有限公司")
        found = lambda text: set(search.search_entities(Entity.objects.all(), text))  # noqa: E731
        self.assertIn(entity, found("海丝嘉禾"))
        self.assertIn(entity, found("嘉禾"))
        self.assertIn(entity, found(entity.uid[:10]))
        entity.name = "泉州刺桐永盛贸易有限公司"
        entity.save()
        self.assertNotIn(entity, found("海丝嘉禾"))
        self.assertIn(entity, found("刺桐永盛"))
        entity.delete()
        self.assertEqual(found("刺桐永盛"), set())
