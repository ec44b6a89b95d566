"""由人口文件直接抽取并写出抽取记录（协议 shuangsui-draw-v1）。"""

import json
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from django.core.management.base import BaseCommand, CommandError
from django.db import Error as DatabaseError

from shuangsui.draws import engines, protocol


def _pairs(values, option):
    out = {}
    for item in values or []:
        label, sep, value = item.partition("=")
        if not sep or not label:
            raise CommandError(f"{option} 的格式应为 标签=值：{item!r}")
        if label in out:
            raise CommandError(f"{option} 中的 {label} 出现了两次")
        out[label] = value
    return out


def _ints(values, option):
    out = {}
    for label, value in _pairs(values, option).items():
        try:
            out[label] = int(value)
        except ValueError:
            raise CommandError(f"{option} {label}={value}：应为整数") from None
    return out


class Command(BaseCommand):
    help = (
        "从人口文件抽取：--population POP.csv --task-code CODE --quota B=120 --ratio C=0.05 "
        "--reserve B=5 --entropy operator=... --entropy witness=... [--public beacon=...] "
        "[--eligible ELIGIBLE.json --per-target 2] [--engine python|postgres|spark] --out RECORD.json"
    )

    def add_arguments(self, parser):
        parser.add_argument("--population", required=True, help="人口文件（uid,stratum）")
        parser.add_argument("--task-code", required=True, help="任务编号")
        parser.add_argument("--quota", action="append", metavar="层=数量", help="某层抽取数量")
        parser.add_argument("--ratio", action="append", metavar="层=比例", help="某层抽取比例")
        parser.add_argument("--reserve", action="append", metavar="层=数量", help="某层备选数量")
        parser.add_argument(
            "--entropy", action="append", metavar="标签=值", help="承诺过的熵（按记录顺序）"
        )
        parser.add_argument(
            "--commitment",
            action="append",
            metavar="标签=承诺值",
            help="事先记录的承诺值；不给则由 --entropy 的值算出",
        )
        parser.add_argument("--public", metavar="标签=值", help="冻结后确定的公开值（不承诺）")
        parser.add_argument(
            "--eligible", help="检查人员候选 JSON：uid → [id]，或联合任务的各部门列表"
        )
        parser.add_argument("--per-target", type=int, default=2, help="每个对象的检查人员数")
        parser.add_argument("--created-at", help="记录时间（默认当前北京时间）")
        parser.add_argument("--out", required=True, help="输出的抽取记录 JSON")
        parser.add_argument(
            "--engine",
            choices=engines.ENGINES,
            default="python",
            help="抽取引擎：python（默认）、postgres（在数据库里用 SQL）、spark（需 shuangsui[spark]）；"
            "记录与引擎无关，逐字节相同",
        )
        parser.add_argument(
            "--spark-master",
            help="spark 引擎的 master（默认沿用 spark-submit 给的，否则 local[*]）",
        )

    def handle(self, *args, **opts):
        try:
            data = Path(opts["population"]).read_bytes()
        except OSError as exc:
            raise CommandError(f"无法读取人口文件：{exc}") from None
        entropy = _pairs(opts["entropy"], "--entropy")
        if len(entropy) < 2:
            raise CommandError("至少要两方的熵（--entropy operator=... --entropy witness=...）")
        given = _pairs(opts["commitment"], "--commitment")
        unknown = set(given) - set(entropy)
        if unknown:
            raise CommandError(f"承诺 {', '.join(sorted(unknown))} 没有对应的 --entropy 值")
        try:
            commitments = [
                {"label": k, "commitment": given.get(k) or protocol.commitment(k, v)}
                for k, v in entropy.items()
            ]
            entries = [f"{k}={v}" for k, v in entropy.items()]
            if opts["public"]:
                label, value = protocol.split_entropy(opts["public"])
                if label in entropy:
                    raise CommandError(f"公开值的标签 {label} 与承诺过的熵重复")
                entries.append(f"{label}={value}")
            ratios = _pairs(opts["ratio"], "--ratio")
            inspectors = self._inspectors(opts)
            created = opts["created_at"] or datetime.now(ZoneInfo("Asia/Shanghai")).isoformat(
                timespec="seconds"
            )
            spark = None
            if opts["engine"] == "spark":
                spark = engines.spark_session(opts["spark_master"])
            record = engines.make_record(
                opts["engine"],
                opts["task_code"],
                data,
                path=opts["population"],
                spark=spark,
                quotas=_ints(opts["quota"], "--quota"),
                quota_rule=ratios or None,
                reserves=_ints(opts["reserve"], "--reserve") or None,
                commitments=commitments,
                entropy=entries,
                created_at=created,
                inspectors=inspectors,
                explicit_zeros=True,
            )
        except protocol.ProtocolError as exc:
            raise CommandError(str(exc)) from None
        except DatabaseError as exc:
            raise CommandError(f"postgres 引擎无法使用数据库：{exc}") from None
        Path(opts["out"]).write_bytes(protocol.record_json(record))
        self.stdout.write(
            f"抽取完成：{record['population']['count']} 个候选中入选 {len(record['selected'])} 个、"
            f"备选 {len(record.get('reserve_list', []))} 个，种子 {record['seed'][:16]}…，"
            f"记录已写入 {opts['out']}"
        )

    def _inspectors(self, opts):
        if not opts["eligible"]:
            return None
        try:
            spec = json.loads(Path(opts["eligible"]).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise CommandError(f"无法读取检查人员候选文件：{exc}") from None
        if isinstance(spec, list):
            return spec
        if isinstance(spec, dict):
            return {"per_target": opts["per_target"], "eligible": spec}
        raise CommandError("检查人员候选文件应为 uid → [id] 的对象，或各部门的列表")
