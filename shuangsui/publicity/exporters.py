"""交换格式的导出器（CSV、XLSX、JSON 都由 lib/exporters.py 写出）：表头、键与列序见 exchange.FIELDS。"""

from shuangsui.lib.exporters import Exporter

from . import exchange


class ExchangeExporter(Exporter):
    sheet_title = "公示的抽查结果"
    filename_stem = "exchange"
    columns = exchange.HEADERS
    keys = exchange.KEYS
    layout = exchange.LAYOUT

    def __init__(self, since=None, now=None):
        self.since = since
        self.now = now

    def rows(self):
        for record in exchange.iter_all(self.since, self.now):
            yield [record[k] for k in self.keys]
