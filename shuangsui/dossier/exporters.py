"""卷内的表格：清单（文件名、大小、SHA-256）、邮寄记录、检查结果（全部版本）、审核与审批、后续处置。"""

from shuangsui.lib.exporters import Exporter


class RowsExporter(Exporter):
    """给定表头与行的导出器（卷内每张表都很小）。"""

    def __init__(self, columns, rows):
        self.columns = columns
        self._rows = rows

    def rows(self):
        yield from self._rows


MANIFEST_COLUMNS = ["序号", "文件名", "字节数", "SHA-256", "部分"]
MAILING_COLUMNS = [
    "轮次",
    "次序",
    "邮寄方式",
    "寄出日期",
    "邮件号",
    "结果",
    "结果日期",
    "退回原因",
    "登记人",
    "登记时间",
]
RESULT_COLUMNS = [
    "事项代码",
    "事项名称",
    "版本",
    "现行",
    "状态",
    "检查日期（起）",
    "检查日期（止）",
    "核查方式",
    "检查结果",
    "检查发现的事实",
    "适用条款",
    "到场人员",
    "录入人",
    "提交时间",
    "审核人",
    "审核时间",
    "审核意见",
    "更正原因",
]
APPROVAL_COLUMNS = ["时间", "操作人", "动作", "对象", "内容"]
FOLLOWUP_COLUMNS = [
    "编号",
    "处置措施",
    "事项代码",
    "结果版本",
    "采取措施日期",
    "改正期限",
    "接收单位",
    "行政处罚决定书文号",
    "处罚决定日期",
    "处置情况",
    "状态",
    "完结日期",
    "完结情况",
    "上一项措施",
    "复查日期",
    "复查人员",
    "复查结论",
]
LISTING_COLUMNS = ["列异编号", "事项", "状态", "环节", "经办人", "时间", "意见或情况"]
