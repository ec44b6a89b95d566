"""导入的共用部分：读文件与表头、逐行清理、值的解析、错误收集、一次写入的审计事件。

各种数据各有一个模块（entities、inspectors、items），都建在这里的函数上：
一次导入要么全部写入，要么一行也不写：任何一行有错，就收集所有错误（行号、列、值、原因）
并抛出 `ImportFailed`，事务回滚。每次成功的导入写一条审计事件（不逐行记）。
"""

import datetime
import hashlib
import re
import threading
import unicodedata
from collections import namedtuple
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied

from shuangsui.core import audit, scope
from shuangsui.core.models import OrgUnit
from shuangsui.lib.exporters import unneutralise
from shuangsui.lib.tabular import TabularError, read_bytes, read_table

from .. import specs

ERROR_LIMIT = 100_000  # 最多收集这么多条错误（其余只计数）
MODES = ("insert", "upsert")
MODE_LABELS = {"insert": "仅新增", "upsert": "新增并更新已有"}

RowError = namedtuple("RowError", "row column value reason")


class ImportFailed(Exception):
    """导入失败：`errors` 是 RowError 列表（按行号排序），`total` 是错误总数。"""

    def __init__(self, errors, total=None, rows=0):
        self.errors = sorted(errors, key=lambda e: (e.row or 0, e.column or ""))
        self.total = total if total is not None else len(errors)
        self.rows = rows
        super().__init__(f"导入失败：{self.total} 处错误")

    def lines(self):
        out = [format_error(e) for e in self.errors]
        if self.total > len(self.errors):
            out.append(f"……另有 {self.total - len(self.errors)} 处错误未列出")
        return out


def format_error(error):
    """“第{n}行 {列}：{原因}（值：…）”；文件层面的错误没有行号。"""
    where = f"第{error.row}行" if error.row else "文件"
    column = f" {error.column}" if error.column else ""
    value = f"（值：{error.value}）" if error.value not in (None, "") else ""
    return f"{where}{column}：{error.reason}{value}"


@dataclass
class ImportResult:
    kind: str
    filename: str
    mode: str
    rows: int
    created: int
    updated: int
    sha256: str
    seconds: float = 0.0
    ignored_columns: list = field(default_factory=list)
    timings: dict = field(default_factory=dict)  # 各阶段用时（秒），基准测试用
    # 名称检索索引（与筛选索引）留待提交后补建（services.run_import 排入后台任务）
    index_pending: bool = False

    @property
    def rate(self):
        return self.rows / self.seconds if self.seconds else 0.0


@dataclass
class Target:
    """谁在导入、导入到哪个辖区。`scope_path` 为空串表示系统身份（全库）。"""

    user: object
    scope_path: str
    default_unit: object  # OrgUnit 或 None


def resolve_target(spec, user=None, unit=None):
    """检查权限并确定辖区；`unit` 为组织单元或其代码（命令行的 --unit）。"""
    if isinstance(unit, str):
        code = unit
        unit = OrgUnit.objects.filter(code=code).first()
        if unit is None:
            raise PermissionDenied(f"找不到组织单元“{code}”")
    if user is not None:
        scope.require(user, spec.import_capability)
        root = scope.root_path(user)
        if not root:
            raise PermissionDenied("您的账号没有所属单位，不能导入")
        if unit is not None and not unit.path.startswith(root):
            raise PermissionDenied(f"“{unit.name}”不在您的辖区内")
        return Target(user, root, unit)
    return Target(None, unit.path if unit is not None else "", unit)


def failed(message, row=None, column="", value=""):
    return ImportFailed([RowError(row, column, value, message)])


class _Digest:
    """在线程里算 SHA-256（hashlib 算大块数据时释放 GIL，与解码、切行同时进行）。"""

    def __init__(self, data):
        self.value = None
        self.thread = threading.Thread(target=self._run, args=(data,), daemon=True)
        self.thread.start()

    def _run(self, data):
        self.value = hashlib.sha256(data).hexdigest()

    def result(self):
        self.thread.join()
        return self.value


def open_table(source, filename, *, background=False):
    """读入并打开文件，返回 (bytes, Table, 摘要)；background 时摘要为 _Digest（用 result() 取）。"""
    try:
        data = read_bytes(source)
        digest = _Digest(data) if background else None
        table = read_table(None, filename, data=data)
    except TabularError as exc:
        raise failed(exc.message, exc.row) from exc
    return data, table, digest if background else hashlib.sha256(data).hexdigest()


TITLE_ROWS = 5  # 表头上方最多允许几行标题（如“××市场主体名录”）


def read_header(spec, table, target, *, unit_key="unit", key_only=False):
    """读表头并对到列；缺少必需列、重复列时报错。返回 (行号, 列位置, 列标签, 列数, 忽略的列)。

    第一个非空行就是表头；若它一列也认不出，而下面几行中有一行认得出，则把上面的行当作标题跳过。
    """
    try:
        number, cells = table.take_header()
    except TabularError as exc:
        raise failed(exc.message, exc.row) from exc
    positions, labels, problems, ignored = specs.match_header(spec, cells)
    if not positions:
        first = (number, cells, positions, labels, problems, ignored)
        for _ in range(TITLE_ROWS):
            try:
                number, cells = table.take_header()
            except TabularError:
                break
            positions, labels, problems, ignored = specs.match_header(spec, cells)
            if positions:
                break
        if not positions:
            number, cells, positions, labels, problems, ignored = first
    required = [c for c in spec.columns if c.required]
    if key_only:  # 更新模式：只要求代码列，新增的行另行检查
        required = required[:1]
    if unit_key and target.default_unit is None and spec.kind != "items":
        required.append(spec.column(unit_key))
    missing = [c.header for c in required if c.key not in positions]
    errors = [RowError(number, "表头", "", p) for p in problems]
    if missing:
        seen = "、".join(str(c).strip() for c in cells if str(c).strip())[:200]
        hint = (
            "；请确认第一行是表头，并使用下载的模板"
            if not positions
            else (f"；未识别的列：{'、'.join(ignored[:10])}" if ignored else "")
        )
        errors.append(
            RowError(
                number,
                "表头",
                seen,
                f"缺少必需的列：{'、'.join(missing)}{hint}",
            )
        )
    if errors:
        raise ImportFailed(errors)
    width = max(i for i, c in enumerate(cells) if str(c).strip()) + 1
    return number, positions, labels, width, ignored


_NFKC = unicodedata.normalize


def clean_rows(rows, width, pads, errors, counter):
    """逐行：检查列数（XLSX 补齐）、去首尾空白、去掉导出时加的公式单引号；跳过空行。

    `errors` 收集列数问题；`counter` 为 [数据行数, 错误数]。给出 (行号, 单元格列表)；
    列表末尾多一个空串（下标 `width`），文件里没有的列都可以指向它。
    全角转半角（NFKC）只用于代码类的列（由各列的校验去做）：名称、地址、依据等中文文字保持原样。
    """
    blank_len = width - 1
    for number, cells in rows:
        if len(cells) != width:
            cells = _fit(number, cells, width, pads, errors, counter)
            if cells is None:
                continue
        joined = "\x1f".join(cells)
        if len(joined) == blank_len:  # 全部为空
            continue
        if (
            " " in joined
            or "\t" in joined
            or "\n" in joined
            or "\r" in joined
            or "\u3000" in joined
            or "\xa0" in joined
        ):
            cells = [c.strip() for c in cells]
            if not any(cells):
                continue
        if "'" in joined:
            cells = [unneutralise(c) for c in cells]
        cells.append("")
        counter[0] += 1
        yield number, cells


def nfkc(text):
    """全角转半角并去掉首尾空白（代码、日期、电话等）。"""
    return text if text.isascii() else _NFKC("NFKC", text).strip()


def _fit(number, cells, width, pads, errors, counter):
    """列数与表头不符的行：短行（CSV）与有内容的多余列报错，XLSX 的短行补齐；空行返回 None。"""
    if not any(c.strip() for c in cells):
        return None
    if len(cells) < width:
        if pads:
            return list(cells) + [""] * (width - len(cells))
        reason = f"本行只有 {len(cells)} 列，少于表头的 {width} 列（列数不足）"
    elif any(c.strip() for c in cells[width:]):
        reason = (
            f"本行有 {len(cells)} 列，多于表头的 {width} 列"
            "（可能多了分隔符，或含逗号的内容没有加引号）"
        )
    else:
        return cells[:width]
    counter[0] += 1
    add_error(errors, counter, RowError(number, "", "", reason))
    return None


def add_error(errors, counter, error):
    counter[1] += 1
    if len(errors) < ERROR_LIMIT:
        errors.append(error)


# ---------------------------------------------------------------- 值的解析

_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")
_DATE8 = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_DATETIME = re.compile(
    r"^(\d{4}-\d{2}-\d{2})[ T]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?([+-]\d{2}:?\d{2}|Z)?$"
)
_SERIAL = re.compile(r"^\d{5}(\.\d+)?$")
_EXCEL_EPOCH = datetime.date(1899, 12, 30)
DATE_HINT = "应为 YYYY-MM-DD、YYYY/M/D、YYYY年M月D日或 Excel 日期"


def parse_date(text):
    """日期文本 → ISO 字符串（YYYY-MM-DD）；无法识别时抛出 ValueError（中文原因）。"""
    if len(text) == 10 and text[4] == "-" and text[7] == "-":
        try:
            value = datetime.date.fromisoformat(text)
        except ValueError:
            value = None
        if value is not None:
            if not 1900 <= value.year <= 2100:
                raise ValueError("日期超出合理范围（1900–2100 年）")
            return text
    match = _DATE.match(text) or _DATE8.match(text)
    if match:
        y, m, d = (int(g) for g in match.groups())
        try:
            value = datetime.date(y, m, d)
        except ValueError:
            raise ValueError(f"日期不存在（{y}年{m}月{d}日）") from None
    elif _DATETIME.match(text):
        return parse_date(_DATETIME.match(text).group(1))
    elif _SERIAL.match(text):
        value = _EXCEL_EPOCH + datetime.timedelta(days=int(float(text)))
    else:
        raise ValueError(f"日期格式无法识别（{DATE_HINT}）")
    if not 1900 <= value.year <= 2100:
        raise ValueError("日期超出合理范围（1900–2100 年）")
    return value.isoformat()


def lookup_code(table, text):
    """代码表查找：原样或规范化后（去空白、小写）查找；找不到返回 None。"""
    value = table.get(text)
    if value is None:
        value = table.get(specs.norm_key(text))
    return value


# 每一位的“字符 → 字符值 × 权重”表：校验一次只需 17 次查表
_SPLIT = re.compile(r"[、,，;；\s/|]+")


def split_list(text):
    seen = []
    for part in _SPLIT.split(text or ""):
        part = part.strip()
        if part and part not in seen:
            seen.append(part)
    return seen


def log_import(spec, target, result):
    audit.log(
        spec.action,
        actor=target.user,
        object_type=spec.object_type,
        object_repr=(result.filename or "（未命名文件）")[:200],
        scope_path=target.scope_path,
        after={
            "file": result.filename,
            "sha256": result.sha256,
            "rows": result.rows,
            "created": result.created,
            "updated": result.updated,
            "mode": result.mode,
        },
    )


# ---------------------------------------------------------------- 逐行经 ORM 的导入（检查人员、抽查事项）共用


class RowCollector:
    """小批量导入共用：逐行的值与错误。"""

    def __init__(self, labels):
        self.labels = labels
        self.errors = []
        self.counter = [0, 0]

    def bad(self, number, key, value, reason):
        add_error(
            self.errors, self.counter, RowError(number, self.labels.get(key, ""), value, reason)
        )

    def model_errors(self, number, exc, field_to_key):
        for name, messages in exc.message_dict.items():
            key = field_to_key.get(name, name)
            for message in messages:
                self.bad(number, key, "", message)


def text_cell(cells, positions, key):
    """文字列：原样（已去首尾空白）。"""
    index = positions.get(key)
    return cells[index] if index is not None else ""


def code_cell(cells, positions, key):
    """代码类的列：全角转半角。"""
    return nfkc(text_cell(cells, positions, key))


def org_units(parsed, keys):
    """解析出的单位主键 → OrgUnit 实例（一次查询；full_clean 与 clean() 不再逐行查库）。"""
    ids = {row[2].get(k) for row in parsed for k in keys} - {None}
    return OrgUnit.objects.in_bulk(list(ids))


def assign(obj, values, org):
    for name, value in values.items():
        if name in ("unit_id", "department_id"):
            setattr(obj, name.removesuffix("_id"), org.get(value) if value else None)
        else:
            setattr(obj, name, value)


BAD = object()


def home_unit(c, pos, n, rowset, units, default, values, label, department_reason):
    """所在/制定单位列：按代码或名称找单位（不能是部门），记入 values；出错时记录错误并返回 BAD。"""
    text = code_cell(c, pos, "unit")
    home, reason = default, ""
    if text:
        home, reason = units.resolve(text, what=label)
        if home is not None and home.is_department:
            home, reason = None, department_reason
        if home is None:
            rowset.bad(n, "unit", text, reason)
            return BAD
    elif home is None:
        rowset.bad(n, "unit", "", f"{label}不能为空")
        return BAD
    values["unit_id"] = home.id
    values["scope_path"] = home.path
    return home


def check_mode(mode):
    if mode not in MODES:
        raise ValueError(f"mode 应为 {' 或 '.join(MODES)}")
