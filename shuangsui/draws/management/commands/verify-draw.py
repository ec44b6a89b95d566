"""核验抽取记录（完整记录配两列人口文件，或公开记录配一列人口文件）。"""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from shuangsui.draws import protocol


class Command(BaseCommand):
    help = "核验抽取记录：verify-draw RECORD.json POP.csv；成立时退出码为 0，否则指出第一处不符"

    def add_arguments(self, parser):
        parser.add_argument("record", help="抽取记录 JSON")
        parser.add_argument("population", help="人口文件（公开记录配一列的公开人口文件）")

    def handle(self, *args, **opts):
        try:
            record = json.loads(Path(opts["record"]).read_bytes().decode("utf-8"))
            data = Path(opts["population"]).read_bytes()
        except (OSError, ValueError) as exc:
            raise CommandError(f"无法读取文件：{exc}") from None
        public = protocol.is_public_record(record)
        if public:
            problems = protocol.verify_public_record(record, data)
        else:
            problems = protocol.verify_record(record, data)
        if problems:
            more = f"（共 {len(problems)} 处不符）" if len(problems) > 1 else ""
            raise CommandError(f"核验不通过：{problems[0]}{more}")
        kind = "公开核验" if public else "完整核验"
        self.stdout.write(
            f"{kind}通过：{record['population']['count']} 个候选，入选 {len(record['selected'])} 个，"
            f"种子 {record['seed'][:16]}…"
        )
