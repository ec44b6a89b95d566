# shuangsui：两条命令。`make demo` 安装并以演示数据运行；`make test` 运行全部测试。
PYTHON ?= python3.11
VENV ?= .venv
BIN = $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
DEMO_ENTITIES ?= 5000
DEMO_INSPECTORS ?= 80

.PHONY: demo install lock test test-fast browser lint bench clean

# 让 Python 照常把字节码写进 .venv 与 __pycache__（环境里设了 PYTHONDONTWRITEBYTECODE 时，
# 每个进程都要从源码重新编译 Django，第一次 make demo 会慢十几秒）
unexport PYTHONDONTWRITEBYTECODE

# 安装：依赖版本固定在 requirements.lock（`make lock` 由 pyproject.toml 重新生成）。
# 有 uv 就用 uv（系统里的，或先装进虚拟环境，快数倍）；装不上 uv 时用 pip，装的是同一份锁定版本。
UV ?= $(shell command -v uv 2>/dev/null)

$(BIN)/shuangsui: pyproject.toml requirements.lock
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "需要 Python 3.11（$(PYTHON)）"; exit 1; }
	@set -e; uv="$(UV)"; \
	if [ -n "$$uv" ]; then \
	  [ -x $(BIN)/python ] || "$$uv" venv -q --python $(PYTHON) $(VENV); \
	elif [ -x $(BIN)/uv ]; then \
	  uv=$(BIN)/uv; \
	else \
	  [ -x $(BIN)/python ] || $(PYTHON) -m venv --without-pip $(VENV); \
	  if $(PYTHON) -m pip --python $(BIN)/python install -q --disable-pip-version-check uv; then \
	    uv=$(BIN)/uv; \
	  else \
	    $(PYTHON) -m venv $(VENV); \
	  fi; \
	fi; \
	if [ -n "$$uv" ]; then \
	  echo "用 uv 安装依赖（requirements.lock）"; \
	  VIRTUAL_ENV=$(VENV) "$$uv" pip install -q -r requirements.lock; \
	  VIRTUAL_ENV=$(VENV) "$$uv" pip install -q --no-deps -e .; \
	else \
	  echo "没有 uv，用 pip 安装依赖（requirements.lock）"; \
	  $(BIN)/pip install -q --disable-pip-version-check -r requirements.lock; \
	  $(BIN)/pip install -q --disable-pip-version-check --no-deps -e .; \
	fi
	@touch $@

install: $(BIN)/shuangsui

lock:
	$(or $(UV),uv) pip compile pyproject.toml --extra test --python-version 3.11 --universal -q -o requirements.lock --custom-compile-command "make lock"

install: $(BIN)/shuangsui

demo: install
	@# 一个进程里：生成密钥文件（已有则保留）、迁移、载入演示数据（库里已有数据则保留）
	$(BIN)/shuangsui demo-data --setup --if-empty --entities $(DEMO_ENTITIES) --inspectors $(DEMO_INSPECTORS)
	@echo "演示账号见上（或 README）；密码均为 Shuangsui#2026。打开 http://$(HOST):$(PORT)/"
	@# 与生产一样：DEBUG 关闭，gunicorn 提供页面，WhiteNoise 提供静态文件，出错时是中文的 404/403/500 页
	@# 后台任务的工作进程（导入、导出、大总体的抽取）与网站一同启动、一同停止
	@trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	$(BIN)/shuangsui jobs_worker --no-reload -v0 & worker=$$!; \
	$(BIN)/gunicorn shuangsui.wsgi --bind $(HOST):$(PORT) --workers 2 --threads 4 --preload --access-logfile -

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
