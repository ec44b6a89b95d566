"""按名称片段或代码查找市场主体：SQLite 用 FTS5 trigram，PostgreSQL 用 pg_trgm。"""

import unicodedata

from django.db import connection

from . import uscc


def search_entities(queryset, text):
    text = unicodedata.normalize("NFKC", text or "").strip()
    if not text:
        return queryset
    code = uscc.normalise(text)
    if len(code) >= 6 and all(c in uscc.VALUES for c in code):
        # 像代码：按代码前缀（18 位即精确）
        return queryset.filter(uid__startswith=code)
    if connection.vendor == "sqlite" and len(text) >= 3:
        # FTS5 trigram 索引：三个字及以上的子串查找
        quoted = '"' + text.replace('"', '""') + '"'
        return queryset.extra(
            where=[
                "directory_entity.id IN (SELECT rowid FROM directory_entity_fts "
                "WHERE directory_entity_fts MATCH %s)"
            ],
            params=[quoted],
        )
    # PostgreSQL 的 ILIKE 由 pg_trgm GIN 索引支持；SQLite 两字以内回落到 LIKE
    return queryset.filter(name__icontains=text)
