#!/usr/bin/env python
"""Django 的命令行入口（与 `shuangsui` 命令相同）。"""

from shuangsui.cli import main

if __name__ == "__main__":
    main()
