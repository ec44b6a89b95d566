"""shuangsui 的设置：全部从环境变量读取，未设置时为本机演示用的安全默认值。"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url

from shuangsui import secretkey

BASE_DIR = Path(__file__).resolve().parent.parent
PACKAGE_DIR = Path(__file__).resolve().parent


def envbool(name, default):
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in ("1", "true", "yes", "on")


def envint(name, default):
    return int(os.environ.get(name, default))


def envlist(name, default):
    value = os.environ.get(name)
    if value is None:
        return default
    return [v.strip() for v in value.split(",") if v.strip()]


DATA_DIR = Path(os.environ.get("SHUANGSUI_DATA_DIR", BASE_DIR / "var"))
try:  # 数据目录（SQLite 库、上传、抽取文件）不存在时建立，新克隆的仓库即可运行
    DATA_DIR.mkdir(parents=True, exist_ok=True)
except OSError:
    pass
DEBUG = envbool("DEBUG", False)
# 密钥：环境变量 SECRET_KEY，否则数据目录里的密钥文件；DEBUG 时没有就生成一份留在那里。
# DEBUG=0 且两处都没有时为空：wsgi 拒绝启动，check --deploy 报错（shuangsui.core.checks）。
SECRET_KEY_FILE = DATA_DIR / secretkey.FILENAME
SECRET_KEY = os.environ.get("SECRET_KEY", "").strip() or secretkey.read(SECRET_KEY_FILE)
if not SECRET_KEY and DEBUG:
    try:
        SECRET_KEY = secretkey.ensure(SECRET_KEY_FILE)[0]
    except OSError:  # 数据目录不可写：本进程用一次性的随机密钥
        SECRET_KEY = secretkey.new_key()
ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS", [])
SITE_NAME = os.environ.get("SITE_NAME", "双随机一公开监管平台")
SMS_SENDER = os.environ.get(
    "SHUANGSUI_SMS_SENDER", "shuangsui.listings.sms.log_sender"
)  # 列异前提醒的短信发送器

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_filters",
    "ninja",
    "django_tasks",
    "django_tasks_db",
    "shuangsui.core",
    "shuangsui.jobs",
    "shuangsui.catalog",
    "shuangsui.directory",
    "shuangsui.inspectors",
    "shuangsui.plans",
    "shuangsui.draws",
    "shuangsui.inspections",
    "shuangsui.results",
    "shuangsui.notices",
    "shuangsui.listings",
    "shuangsui.followups",
    "shuangsui.dossier",
    "shuangsui.credit",
    "shuangsui.transfer",
    "shuangsui.publicity",
    "shuangsui.rechecks",
    "shuangsui.stats",
    "shuangsui.api",
    "shuangsui.demo",
    "axes",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",  # 静态文件（DEBUG 关闭时也由本进程提供）
    "shuangsui.core.middleware.NulBytesMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "shuangsui.core.middleware.ActorMiddleware",
    "shuangsui.core.middleware.PasswordChangeRequiredMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "shuangsui.urls"
WSGI_APPLICATION = "shuangsui.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "shuangsui.core.context.site",
            ],
        },
    }
]

DATABASE_URL = os.environ.get("DATABASE_URL", "")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
    # 测试库名带进程号：同一台机器上并行的测试运行互不干扰
    DATABASES["default"]["TEST"] = {
        "NAME": f"test_{DATABASES['default']['NAME']}_{os.getpid()}",
    }
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": os.environ.get("SQLITE_PATH", str(DATA_DIR / "shuangsui.sqlite3")),
            "OPTIONS": {
                "timeout": 30,
                "transaction_mode": "IMMEDIATE",
                "init_command": (
                    "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
                    "PRAGMA busy_timeout=30000; PRAGMA foreign_keys=ON;"
                ),
            },
            "TEST": {"NAME": os.environ.get("SQLITE_TEST_PATH") or None},
        }
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "core.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# 登录限速（django-axes，见 shuangsui/core/lockout.py）：用户名、来源地址分别计数，覆盖所有登录入口
AUTHENTICATION_BACKENDS = [
    "shuangsui.core.lockout.LockoutBackend",
    "shuangsui.core.backends.UserBackend",  # ModelBackend，载入会话用户时带出单位
]
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]  # 两个独立的计数，不是组合
AXES_FAILURE_LIMIT = envint("LOGIN_FAILURE_LIMIT", 5)  # 同一用户名
LOGIN_FAILURE_LIMIT_PER_ADDRESS = envint("LOGIN_FAILURE_LIMIT_PER_ADDRESS", 30)  # 同一来源地址
AXES_COOLOFF_TIME = timedelta(seconds=envint("LOGIN_COOLOFF_SECONDS", 900))
AXES_RESET_ON_SUCCESS = True  # 只清该用户名的计数
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False  # 被拒的尝试不累加
AXES_HANDLER = "shuangsui.core.lockout.DatabaseHandler"
AXES_LOCKOUT_CALLABLE = "shuangsui.core.lockout.lockout_response"
AXES_CLIENT_IP_CALLABLE = "shuangsui.core.lockout.client_ip"
AXES_DISABLE_ACCESS_LOG = True  # 登录、登出已记在审计链里
# 反向代理：只有直接连来的地址在此列表（地址或网段）中，才采信 X-Forwarded-For
TRUSTED_PROXIES = envlist("TRUSTED_PROXIES", [])

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文")]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATICFILES_DIRS = [PACKAGE_DIR / "static"]
# WhiteNoise 直接从各应用的 static 目录提供静态文件（DEBUG 关闭时也是），不必先 collectstatic
WHITENOISE_USE_FINDERS = True
try:  # collectstatic 的目标目录；WhiteNoise 启动时要它存在
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)
except OSError:
    pass
# 后台任务（django-tasks，数据库后端：SQLite 也无需别的服务；工作进程 `shuangsui jobs_worker`）
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
# 任务目录：上传待导入的文件、进度、导出的文件（网页与工作进程须共用此目录）
JOBS_DIR = Path(os.environ.get("SHUANGSUI_JOBS_DIR", DATA_DIR / "jobs"))
# 导出超过这么多行时在后台写成文件（任务页给进度和下载链接），否则直接边查边发
EXPORT_BACKGROUND_ROWS = envint("EXPORT_BACKGROUND_ROWS", 50_000)
# 名单超过这么多户时，“执行抽取”交给后台工作进程（任务页显示进度，完成后回到抽取页）
DRAW_BACKGROUND_POPULATION = envint("DRAW_BACKGROUND_POPULATION", 500_000)
MEDIA_ROOT = DATA_DIR / "uploads"  # 上传文件放在静态目录之外，不经 web 直接访问
DRAW_FILES_ROOT = DATA_DIR / "draws"
# 审计检查点的 Ed25519 签名私钥：放在数据库之外（PEM 文本的环境变量，或数据目录中的 0600 文件）
AUDIT_KEY = os.environ.get("SHUANGSUI_AUDIT_KEY", "")
AUDIT_KEY_FILE = Path(os.environ.get("SHUANGSUI_AUDIT_KEY_FILE", DATA_DIR / "audit-ed25519.key"))
# 轮换回避：不派上次检查过同一对象的执法人员
INSPECTION_ROTATION = envbool("INSPECTION_ROTATION", True)

# 上传大小上限（导入文件）
IMPORT_MAX_BYTES = envint("IMPORT_MAX_BYTES", 200 * 1024 * 1024)
# 大批量市场主体导入时留到提交之后、与名称检索索引在同一个后台任务里补建的名录索引（只能是非唯一索引；
# 唯一约束与外键提交时都在）。默认只有名录筛选索引；加上 entity_scope_list（名录列表按所、代码排序与
# 企业基数用的索引）导入更快，但补建完之前名录列表与基数计数也不走索引（照样答对，只是慢）
# 大批量导入留到提交后补建的名录索引（非唯一；唯一约束、外键提交时都在）：名录索引与筛选索引
IMPORT_DEFERRED_INDEXES = envlist(
    "IMPORT_DEFERRED_INDEXES", ["entity_scope_list", "entity_filter_list"]
)
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_TEMP_DIR = None

SESSION_COOKIE_AGE = envint("SESSION_COOKIE_AGE", 8 * 3600)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

# 生产（DEBUG 关闭且设置了 HTTPS）时的安全项
SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", False)
SESSION_COOKIE_SECURE = envbool("SESSION_COOKIE_SECURE", False)
CSRF_COOKIE_SECURE = envbool("CSRF_COOKIE_SECURE", False)
SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = envbool("SECURE_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = envbool("SECURE_HSTS_PRELOAD", False)

# 门户查询每个客户端每分钟的次数（超过答 429）；只有基准（bench/portal.py）才调高
PUBLIC_SEARCH_LIMIT = envint("PUBLIC_SEARCH_LIMIT", 60)

CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
if os.environ.get(
    "REDIS_URL"
):  # 多台机器共用：缓存与登录计数放 Redis（需 pip install 'shuangsui[redis]'）
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": os.environ["REDIS_URL"],
        }
    }
    AXES_HANDLER = "shuangsui.core.lockout.CacheHandler"
elif os.environ.get("CACHE_DIR"):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": os.environ["CACHE_DIR"],
        }
    }

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}

# 每日提醒邮件（`shuangsui stats digest`）：默认打印到控制台；生产环境设 EMAIL_BACKEND、EMAIL_HOST 等
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "shuangsui@localhost")

NINJA_PAGINATION_PER_PAGE = 50
FILTERS_EMPTY_CHOICE_LABEL = "全部"
