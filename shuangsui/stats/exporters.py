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
        self.header_groups = [("", 1)] + [
            (title, len(cols)) for title, cols in services.COLUMN_GROUPS
        ]
        self.columns = ["单位"] + [name for _, cols in services.COLUMN_GROUPS for _, name in cols]
        self.filename_stem = f"stats-{table.unit.code}-{table.year}{table.period}"

    def rows(self):
        for row in self.table.all_rows:
            cells = zip(services.COLUMNS, row.cells(), strict=True)
            yield [row.label] + ["" if v is None else services.display(k, v) for k, v in cells]
