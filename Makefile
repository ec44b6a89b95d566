# shuangsui：两条命令。`make demo` 安装并以演示数据运行；`make test` 运行全部测试。
PYTHON ?= python3.11
VENV ?= .venv
BIN = $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
DEMO_ENTITIES ?= 5000
DEMO_INSPECTORS ?= 80

.PHONY: demo install test test-fast browser lint bench clean

$(BIN)/shuangsui: pyproject.toml
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "需要 Python 3.11（$(PYTHON)）"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test]'
	@touch $@

install: $(BIN)/shuangsui

demo: install
	$(BIN)/shuangsui secret-key --ensure
	$(BIN)/shuangsui migrate --noinput -v0
	$(BIN)/shuangsui demo-data --if-empty --entities $(DEMO_ENTITIES) --inspectors $(DEMO_INSPECTORS)
	@echo "演示账号见上（或 README）；密码均为 Shuangsui#2026。打开 http://$(HOST):$(PORT)/"
	DEBUG=1 $(BIN)/shuangsui runserver $(HOST):$(PORT)

test: install
	$(BIN)/pytest -q

test-fast: install
	$(BIN)/pytest -q -m "not browser"

browser: install
	$(BIN)/pytest -q -m browser

lint: install
	$(BIN)/ruff check shuangsui bench tools
	$(BIN)/shuangsui makemigrations --check --dry-run -v0

clean:
	rm -rf $(VENV) var build *.egg-info
