"""统计表导出（XLSX、CSV）：表名、填报单位、期间、填报人、日期，两行表头（分组合并）。"""

from shuangsui.lib.exporters import Exporter

from . import services


class StatsExporter(Exporter):
    sheet_title = "抽查统计"
    filename_stem = "stats"

    def __init__(self, table, user, day=None):
        self.table = table
        day = day or services.today()
        reporter = (user.get_full_name() or user.username) if user else ""
        self.preamble = [
            table.title,
            f"填报单位：{table.unit.name}",
            f"统计期间：{table.period_label}",
            f"填报人：{reporter}",
            f"填报日期：{day.isoformat()}",
        ]
        self.keys, groups, self.lines = self.layout(table)
        first = (
            "单位" if isinstance(table, services.StatsTable) else services.BREAKDOWNS[table.by][1:]
        )
        self.header_groups = [("", 1)] + [(title, len(cols)) for title, cols in groups]
        self.columns = [first] + [name for _, cols in groups for _, name in cols]
        by = f"-{table.by}" if getattr(table, "by", "") else ""
        self.filename_stem = f"stats-{table.unit.code}-{table.year}{table.period}{by}"

    @staticmethod
    def layout(table):
        """(列键, 表头分组, 行)：按单位的表有年度比例等列，分组表只有工作列。"""
        if isinstance(table, services.StatsTable):
            return services.COLUMNS, services.COLUMN_GROUPS, table.all_rows
        return services.WORK_COLUMNS, services.WORK_GROUPS, table.lines

    def rows(self):
        for row in self.lines:
            cells = zip(self.keys, row.cells(self.keys), strict=True)
            yield [row.label] + [services.display(k, v) for k, v in cells]
