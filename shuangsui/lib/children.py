"""fork 出的工作子进程随父进程一起结束（父进程被 kill -9 时也一样）。

子进程开头调用 `die_with_parent(父进程号)`：
- Linux：prctl(PR_SET_PDEATHSIG, SIGKILL)，父进程（确切说是 fork 它的那个线程）一结束，
  内核就杀掉子进程；
- 另起一个守望线程，每隔一会儿看父进程还在不在（不在时 getppid() 会变）——prctl 不可用的
  系统上靠它，Linux 上它兜住 prctl 之前父进程就已死去的那一瞬。
子进程还应关掉从父进程继承来的管道读端：否则父进程死后，子进程往满了的管道里写会永远阻塞。
"""

import ctypes
import os
import signal
import sys
import threading
import time

PR_SET_PDEATHSIG = 1
WATCH_INTERVAL = 0.5  # 秒


def _prctl_death_signal(sig):
    """请内核在父进程结束时给本进程发 `sig`；成功返回 True。"""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(PR_SET_PDEATHSIG, int(sig), 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def _watch(parent_pid, interval):
    while True:
        if os.getppid() != parent_pid:
            os._exit(1)
        time.sleep(interval)


def die_with_parent(parent_pid, *, interval=WATCH_INTERVAL):
    """在子进程里调用：父进程 `parent_pid` 一结束，本进程也立即结束。"""
    _prctl_death_signal(signal.SIGKILL)
    if os.getppid() != parent_pid:  # 父进程在 prctl 生效之前就已经死了
        os._exit(1)
    threading.Thread(target=_watch, args=(parent_pid, interval), daemon=True).start()
