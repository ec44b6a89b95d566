"""进度报告：`progress(done, total, stage)`。

- `FileProgress`：工作进程写任务目录里的 progress.json（先写临时文件再改名，读者看不到半截）；
  页面轮询读它。节流：同一阶段内至多每 0.2 秒写一次。
- `TerminalProgress`：命令行。终端上用“\\r”刷新同一行；重定向到文件时每个阶段和每 10% 各一行。
"""

import json
import os
import time

INTERVAL = 0.2


def percent(done, total):
    if not total:
        return 0
    return max(0, min(100, int(done * 100 / total)))


def null_progress(done, total, stage=""):
    return None


class FileProgress:
    def __init__(self, path, interval=INTERVAL):
        self.path = path
        self.interval = interval
        self.last = 0.0
        self.stage = None

    def __call__(self, done, total, stage=""):
        now = time.monotonic()
        if stage == self.stage and now - self.last < self.interval and done < total:
            return
        self.last, self.stage = now, stage
        tmp = f"{self.path}.tmp"
        with open(tmp, "w", encoding="utf-8") as fh:
            json.dump({"done": int(done), "total": int(total), "stage": stage}, fh)
        os.replace(tmp, self.path)


def read(path):
    try:
        with open(path, encoding="utf-8") as fh:
            data = json.load(fh)
        return int(data["done"]), int(data["total"]), str(data["stage"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


class TerminalProgress:
    def __init__(self, stream, tty=None):
        self.stream = stream
        self.tty = stream.isatty() if tty is None else tty
        self.stage = None
        self.step = -1
        self.last = 0.0
        self.open_line = False

    def __call__(self, done, total, stage=""):
        pct = percent(done, total)
        text = f"{stage}：{done:,}/{total:,}（{pct}%）" if total else f"{stage}……"
        if self.tty:
            now = time.monotonic()
            if stage == self.stage and now - self.last < 0.1 and done < total:
                return
            self.last, self.stage = now, stage
            self.stream.write("\r\x1b[K" + text)
            self.stream.flush()
            self.open_line = True
            return
        step = pct // 10
        if stage != self.stage or step > self.step:
            self.stage, self.step = stage, step
            self.stream.write(text + "\n")
            self.stream.flush()

    def close(self):
        if self.tty and self.open_line:
            self.stream.write("\n")
            self.stream.flush()
            self.open_line = False
