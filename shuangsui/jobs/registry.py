"""后台任务的种类：各领域应用在自己的 AppConfig.ready() 里登记（本应用不引用任何领域应用）。

登记的函数形如 `fn(job, progress) -> dict`：`job` 是 Job（参数在 job.params，上传的文件在
`services.job_dir(job)`），`progress(done, total, stage)` 报告进度。返回的字典存为 job.result：
`url`（结果页）、`redirect`（完成后直接打开结果页）、`file`（任务目录里供下载的文件名）、
`summary`（[(名称, 值), …]）。干净的失败抛 `JobFailed(原因, result)`：函数自己保证没有写入半截数据
（导入在一个事务里，要么全写要么不写）。
"""

KINDS = {}


class JobFailed(Exception):
    """预期之内的失败（如导入文件有错）：带中文原因和可选的结果（错误报告的链接等）。"""

    def __init__(self, message, result=None):
        super().__init__(message)
        self.message = message
        self.result = result or {}


def register(kind, label):
    def decorate(fn):
        KINDS[kind] = (label, fn)
        return fn

    return decorate


def get(kind):
    try:
        return KINDS[kind]
    except KeyError:
        raise JobFailed(f"未知的后台任务种类：{kind}") from None
