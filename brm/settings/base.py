"""Settings shared by every environment.

Every value comes from the environment through django-environ; `local`, `test` and `production`
only change defaults and what is required.
https://docs.djangoproject.com/en/5.2/ref/settings/
"""

from datetime import timedelta
from pathlib import Path

import environ

from brm.common.registro import configuracao_de_registro
from brm.configuracao import ConfiguracaoInvalida, chaves_fernet_validar

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
env.read_env(BASE_DIR / ".env", overwrite=False)

# General
# ------------------------------------------------------------------------------
DEBUG = env.bool("DJANGO_DEBUG", default=False)
SECRET_KEY = env("DJANGO_SECRET_KEY", default=None)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

LANGUAGE_CODE = "pt-br"
TIME_ZONE = "America/Sao_Paulo"
USE_I18N = True
USE_TZ = True
USE_THOUSAND_SEPARATOR = True
LOCALE_PATHS = [BASE_DIR / "locale"]

# Folder for everything the running system writes (SQLite file, uploads, backups, logs).
VAR_DIR = Path(env("BRM_VAR_DIR", default=str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

# Databases
# ------------------------------------------------------------------------------
# SQLite is the embedded default; PostgreSQL through DATABASE_URL (psycopg 3).
DATABASE_URL = env("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'brm.sqlite3'}")


def database_from_url(url: str) -> dict:
    """A DATABASES entry for `url`, tuned for the engine it names."""
    config = environ.Env.db_url_config(url) if url.strip() else {}
    if config.get("ENGINE") not in (
        "django.db.backends.sqlite3",
        "django.db.backends.postgresql",
        "django.db.backends.postgresql_psycopg2",
    ):
        raise ConfiguracaoInvalida(
            f"DATABASE_URL {'está vazia' if not url.strip() else 'não é de um banco suportado'}: use "
            "postgres://usuario:senha@servidor:5432/banco (PostgreSQL) ou sqlite:////caminho/absoluto/brm.sqlite3."
        )
    if config["ENGINE"] == "django.db.backends.sqlite3":
        # IMMEDIATE transactions serialise writers up front, so the web, the worker and beat can share
        # one file without "database is locked" on read-then-write transactions (Django 5.1+).
        config["OPTIONS"] = {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    elif config["ENGINE"] in ("django.db.backends.postgresql", "django.db.backends.postgresql_psycopg2"):
        config["ENGINE"] = "django.db.backends.postgresql"
        if env.bool("DATABASE_POOL", default=True):
            # Django's psycopg 3 pool; it requires CONN_MAX_AGE = 0.
            config["OPTIONS"] = {"pool": {"min_size": 1, "max_size": env.int("DATABASE_POOL_MAX", default=10)}}
        config["CONN_MAX_AGE"] = 0
    return config


DATABASES = {"default": database_from_url(DATABASE_URL)}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# URLs
# ------------------------------------------------------------------------------
ROOT_URLCONF = "brm.urls"
WSGI_APPLICATION = "brm.wsgi.application"
ASGI_APPLICATION = "brm.asgi.application"

# Apps
# ------------------------------------------------------------------------------
DJANGO_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
]
THIRD_PARTY_APPS = [
    "django_celery_beat",
    "rest_framework",
    "rest_framework_simplejwt.token_blacklist",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    # Sign-in: lockout after repeated wrong passwords, and optional SSO (brm/entrada, docs/entrada.md).
    "axes",
    "allauth",
    "allauth.account",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.github",
    "allauth.socialaccount.providers.openid_connect",
    # The audit trail of operators, clients, users, schedules, the robot configuration and webhooks.
    "simple_history",
]
LOCAL_APPS = [
    "brm.common",
    "brm.usuarios",
    "brm.eventos",
    "brm.rpa",
    # The REST API's shared pieces (errors, permissions, pagination, service tokens) and its /api/v1/ routes.
    "brm.api",
    # Webhooks: other systems told of processes approved, rejected, sent to the SAT and of failed robot jobs.
    "brm.webhooks",
    # Alerts by e-mail: failed jobs, late and near-due invoices, the robot API down; grouped, one e-mail per hour.
    "brm.alertas",
    "operadoras",
    "clientes",
    "processos",
    "agendamentos",
    # The home page: reads of the apps above, no data of its own.
    "painel",
    # /healthz, /readyz, /metrics and beat's heartbeat: reads of the apps above, no data of its own.
    "brm.saude",
    # Sign-in: the lockout's answers and admin, the SSO adapters and addresses (docs/entrada.md).
    "brm.entrada",
    # Demo data and the local launcher; above every app, so it comes last.
    "brm.local",
]
INSTALLED_APPS = DJANGO_APPS + THIRD_PARTY_APPS + LOCAL_APPS

# Authentication
# ------------------------------------------------------------------------------
AUTH_USER_MODEL = "usuarios.Usuario"
# ModelBackend reading a user's permissions in one query (brm/usuarios/backends.py), behind django-axes' check
# that refuses a locked-out e-mail and address before any password is looked at (it must come first).
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "brm.usuarios.backends.BackendDosPapeis"]
LOGIN_URL = "admin:login"
# After signing in, the painel (the home page), also when the admin's login had no `next` (painel.views.entrar).
LOGIN_REDIRECT_URL = "painel"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# The list indexes of processos cover the id for index-only paging on PostgreSQL (`include`); SQLite has no
# covering indexes and simply builds them without it, which is all this check says.
SILENCED_SYSTEM_CHECKS = ["models.W040"]

# Middleware and templates
# ------------------------------------------------------------------------------
MIDDLEWARE = [
    # /healthz and /readyz, first: probes by IP over plain HTTP pass no Host or HTTPS check (docs/saude.md).
    "brm.saude.middleware.SaudeMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Static files, answered before anything reads a session for them (see "Static files and the CSP" below).
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # The Content-Security-Policy header of every page; static files, answered above, carry none.
    "csp.middleware.CSPMiddleware",
    # The request id of every log line and of the X-Request-ID header (brm/common/middleware.py).
    "brm.common.middleware.RequestIdMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Gives the audit trail the request's user (DRF puts the user it authenticates on the same request).
    "simple_history.middleware.HistoryRequestMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # django-allauth's (SSO) request context.
    "allauth.account.middleware.AccountMiddleware",
    # Turns a sign-in refused by the lockout into its answer (brm/entrada/bloqueio.py); django-axes wants it last.
    "axes.middleware.AxesMiddleware",
]
# The CSRF failure page in Portuguese, saying why (no cookie, no Referer, an expired form).
CSRF_FAILURE_VIEW = "brm.erros.falha_csrf"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# Static and uploaded files
# ------------------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = env("DJANGO_STATIC_ROOT", default=str(BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]
# Static files straight from the apps and static/ (no collectstatic) when DEBUG is on or this is (the browser
# tests' web process); see "Static files and the CSP" below.
BRM_SERVIR_ESTATICOS = env.bool("BRM_SERVIR_ESTATICOS", default=False)
# Uploaded invoices are never served as public static files: views check permissions first.
MEDIA_ROOT = env("BRM_MEDIA_ROOT", default=str(VAR_DIR / "media"))
MEDIA_URL = "/media/"
# Uploads larger than this go to a temporary file instead of memory.
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024

# Secrets encrypted at rest
# ------------------------------------------------------------------------------
# Fernet keys, newest first: new values are encrypted with the first, every key decrypts.
# Rotate by putting a new key first and running `manage.py rotacionar_chaves`.
FERNET_KEYS = chaves_fernet_validar(env.list("FERNET_KEYS", default=[]))

# Business settings
# ------------------------------------------------------------------------------
# Largest invoice accepted by a manual upload, in bytes.
BRM_FATURA_TAMANHO_MAXIMO = env.int("BRM_FATURA_TAMANHO_MAXIMO", default=20 * 1024 * 1024)
# Approving an invoice whose amount changed more than this percentage (up or down) against the same client's
# invoice of the month before asks for a justification (docs/aprovacao.md).
BRM_APROVACAO_VARIACAO_ALERTA_PCT = env.float("BRM_APROVACAO_VARIACAO_ALERTA_PCT", default=20.0)
# The painel lists invoices waiting approval whose due date is at most this many days away (overdue included).
BRM_PAINEL_VENCIMENTO_DIAS = env.int("BRM_PAINEL_VENCIMENTO_DIAS", default=5)
# Demo data (seed_demo) with documented passwords is allowed only where this is on (local settings).
BRM_DEMO_PERMITIDO = False

# Logging
# ------------------------------------------------------------------------------
# `texto` for a terminal, `json` (one object per line) where logs are collected; each line names the request
# (`request_id`), the robot execution and the Celery task it belongs to, and secrets are masked (docs/registros.md).
BRM_LOG_FORMATO = env("BRM_LOG_FORMATO", default="texto")
# One line per web request (method, path, status, duration): production's access log, with the request id.
BRM_LOG_REQUISICOES = env.bool("BRM_LOG_REQUISICOES", default=False)
LOGGING = configuracao_de_registro(formato=BRM_LOG_FORMATO, nivel=env("DJANGO_LOG_LEVEL", default="INFO"))

# Robot API (first values of ConfiguracaoRPA; admins edit them afterwards)
# ------------------------------------------------------------------------------
RPA_API_URL = env("RPA_API_URL", default="http://127.0.0.1:8765")
RPA_API_TOKEN = env("RPA_API_TOKEN", default="")
RPA_ROBO_SAT = env("RPA_ROBO_SAT", default="sat")
RPA_LIMITE_GLOBAL = env.int("RPA_LIMITE_GLOBAL", default=5)
RPA_INTERVALO_POLLING_MS = env.int("RPA_INTERVALO_POLLING_MS", default=2000)
RPA_TIMEOUT_EXECUCAO = env.int("RPA_TIMEOUT_EXECUCAO", default=1800)

# Celery and Redis
# ------------------------------------------------------------------------------
# https://docs.celeryq.dev/en/stable/userguide/configuration.html
REDIS_URL = env("REDIS_URL", default="redis://127.0.0.1:6379/0")
CELERY_BROKER_URL = REDIS_URL


def redis_kwargs(url: str) -> dict:
    """Keyword arguments for `redis.Redis` from a redis:// URL (what django-eventstream asks for)."""
    from redis.connection import parse_url

    kwargs = parse_url(url)
    kwargs.pop("connection_class", None)
    if url.startswith("rediss://"):
        kwargs["ssl"] = True
    return kwargs


CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_DEFAULT_QUEUE = env("BRM_CELERY_FILA", default="brm")


def filas_celery(fila_padrao: str) -> dict:
    """Sends to the robot go to a queue of their own (see processos/services/filas.py)."""
    return {"processos.enviar_execucao": {"queue": f"{fila_padrao}-envios"}}


CELERY_TASK_ROUTES = filas_celery(CELERY_TASK_DEFAULT_QUEUE)
# State lives in our own tables (Execucao, AgendamentoExecucao): no result backend.
CELERY_TASK_IGNORE_RESULT = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Logging is Django's LOGGING in workers and beat too (brm/celery.py), so their lines have the same format.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_TASK_SOFT_TIME_LIMIT = 120
CELERY_TASK_TIME_LIMIT = 180
# acks_late is switched on per task, only where running twice is harmless.
CELERY_TASK_ACKS_LATE = False
# Above the longest countdown we use, so Redis never redelivers a task that is only waiting.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 2 * 60 * 60}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A worker whose Redis went away keeps trying to reconnect, for as long as it takes.
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
# Queuing with Redis down gives up after about two seconds (the work itself is already saved in the database).
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 2, "interval_start": 0.2, "interval_step": 0.5, "interval_max": 1}
# django-celery-beat's DatabaseScheduler, plus the heartbeat that /readyz reads (brm/saude/agendador.py).
CELERY_BEAT_SCHEDULER = "brm.saude.agendador:AgendadorBRM"
CELERY_BEAT_SCHEDULE = {
    "rpa-despachar": {"task": "processos.despachar_execucoes", "schedule": 5.0},
    "rpa-acompanhar": {"task": "processos.acompanhar_execucoes", "schedule": 2.0},
    # Webhook deliveries due whose queued attempt never ran (Redis was down) or that wait too long for a countdown.
    "webhooks-entregar-pendentes": {"task": "webhooks.entregar_pendentes", "schedule": 60.0},
}

# Live updates (django-eventstream, served over ASGI)
# ------------------------------------------------------------------------------
# https://github.com/fanout/django-eventstream. Events from any process (web, worker, beat) reach every web
# process through Redis pub/sub; they are also kept in Redis for 24 hours, so a browser that reconnects with
# Last-Event-ID gets what it missed. Redis storage rather than the model storage: an open stream then
# reads no database at all, and expired events go away by themselves. The storage class and the stream are
# ours (brm/eventos/armazenamento.py, fluxo.py): the library's repeated and reordered events with several
# senders, and its Redis listener did not survive a Redis restart.
# A Redis that does not answer fails a send within two seconds instead of holding the work that caused it.
EVENTSTREAM_REDIS = {**redis_kwargs(REDIS_URL), "socket_connect_timeout": 2}
EVENTSTREAM_STORAGE_CLASS = "brm.eventos.armazenamento.ArmazenamentoRedis"
EVENTSTREAM_STORAGE_CONNECTION = EVENTSTREAM_REDIS
EVENTSTREAM_CHANNELMANAGER_CLASS = "brm.eventos.canais.GerenciadorDeCanais"

# Cache (the API's request limits, counted alike by every web process)
# ------------------------------------------------------------------------------
# https://docs.djangoproject.com/en/5.2/topics/cache/#redis. Short timeouts: a Redis that does not answer lets the
# request through (brm/api/limites.py) instead of holding it.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": "brm-cache",
        "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
    }
}

# REST API (/api/v1/, docs/api.md)
# ------------------------------------------------------------------------------
# https://www.django-rest-framework.org/api-guide/settings/. Every view is a thin shell over the services and
# selectors; brm/api holds what they share: one error shape, the roles' permissions, pagination, throttles.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "brm.api.autenticacao.AutenticacaoPorTokenDeServico",
        "brm.api.autenticacao.AutenticacaoJWT",
        "brm.api.autenticacao.AutenticacaoPorSessao",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["brm.api.permissoes.PermissaoDoPapel"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [
        "rest_framework.parsers.JSONParser",
        "rest_framework.parsers.MultiPartParser",
        "rest_framework.parsers.FormParser",
    ],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "brm.api.paginacao.PaginacaoPorPagina",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "brm.api.erros.tratar_erro",
    "DEFAULT_SCHEMA_CLASS": "brm.api.esquema.EsquemaDaApi",
    "DEFAULT_THROTTLE_CLASSES": [
        "brm.api.limites.LimiteAnonimo",
        "brm.api.limites.LimitePorUsuario",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env("BRM_API_LIMITE_ANONIMO", default="60/min"),
        "user": env("BRM_API_LIMITE_USUARIO", default="1200/min"),
        # Signing in and refreshing, per client address: guessing passwords stays slow.
        "autenticacao": env("BRM_API_LIMITE_AUTENTICACAO", default="20/min"),
    },
    # The client address the throttles count by: how many proxies in front of BRM add to X-Forwarded-For. 0 reads
    # only REMOTE_ADDR; DRF's default (None) would trust the whole header, so a client could pick a new address
    # for each password guess. Behind one proxy (production), 1.
    # https://www.django-rest-framework.org/api-guide/settings/#num_proxies
    "NUM_PROXIES": env.int("BRM_API_NUM_PROXIES", default=0),
    "COERCE_DECIMAL_TO_STRING": True,
    "DATETIME_FORMAT": "iso-8601",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}

# https://django-rest-framework-simplejwt.readthedocs.io/en/latest/settings.html
SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=env.int("BRM_JWT_ACESSO_MINUTOS", default=10)),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=env.int("BRM_JWT_RENOVACAO_DIAS", default=7)),
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    "UPDATE_LAST_LOGIN": False,
    "AUTH_HEADER_TYPES": ("Bearer",),
    "USER_ID_FIELD": "id",
    "USER_ID_CLAIM": "user_id",
}

# https://drf-spectacular.readthedocs.io/en/latest/settings.html. Swagger UI and ReDoc come from the sidecar
# package, served by this system: the pages load nothing from the internet.
SPECTACULAR_SETTINGS = {
    "TITLE": "BRM · API de faturas",
    "DESCRIPTION": "A API do BRM para os sistemas ao redor (ERP financeiro, ferramentas da equipe de robôs, "
    "relatórios): operadoras, clientes, processos, execuções, agendamentos e usuários. Guia: docs/api.md.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    # Several models have a `Status` or a `Tipo`: each choice set gets a name of its own.
    "ENUM_NAME_OVERRIDES": {
        "TipoDeAgendamentoEnum": "agendamentos.models.Agendamento.Tipo",
        "SituacaoDaExecucaoDeAgendamentoEnum": "agendamentos.models.AgendamentoExecucao.Status",
        "PapelEnum": "brm.usuarios.models.Usuario.Papel",
        # A job's status, also the `de` and `para` of its history.
        "ExecucaoStatusEnum": "processos.models.Execucao.Status",
        "ExecucaoTipoEnum": "processos.models.Execucao.Tipo",
    },
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "brm.api.esquema.erros_em_toda_operacao",
    ],
}

# E-mail (the schedules' reports)
# ------------------------------------------------------------------------------
# https://docs.djangoproject.com/en/5.2/topics/email/
EMAIL_BACKEND = env("DJANGO_EMAIL_BACKEND", default="django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = env("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=587)
EMAIL_HOST_USER = env("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=True)
EMAIL_USE_SSL = env.bool("EMAIL_USE_SSL", default=False)
# Without a timeout a silent SMTP server holds the worker until Celery's hard limit kills it.
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=30)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="BRM <nao-responda@brm.local>")

# Backups (BACKUP_DADOS schedules and `manage.py backup_dados`)
# ------------------------------------------------------------------------------
BRM_BACKUP_DIR = env("BRM_BACKUP_DIR", default=str(VAR_DIR / "backups"))
# Longest a backup may take, in seconds: the dump, the invoice files and the check of the archive together.
# The dump is stopped at this deadline, and the Celery limits of the schedules' task sit a little above it
# (agendamentos/limites.py), so a backup fails with its own sentence instead of being killed.
try:
    BRM_BACKUP_TEMPO_MAXIMO = env.int("BRM_BACKUP_TEMPO_MAXIMO", default=50 * 60)
except ValueError:
    BRM_BACKUP_TEMPO_MAXIMO = 0
if BRM_BACKUP_TEMPO_MAXIMO < 60:
    raise ConfiguracaoInvalida(
        f"BRM_BACKUP_TEMPO_MAXIMO deve ser um número inteiro de segundos, 60 ou mais; veio "
        f"“{env.str('BRM_BACKUP_TEMPO_MAXIMO', default='')}”."
    )

# Health and metrics (/healthz, /readyz, /metrics; docs/saude.md)
# ------------------------------------------------------------------------------
# Each readiness check gives up after this many seconds; /readyz answers within it plus half a second.
BRM_PRONTIDAO_TIMEOUT = env.float("BRM_PRONTIDAO_TIMEOUT", default=2.0)
# How long a readiness result is reused: frequent probes cost one round of checks per interval.
BRM_PRONTIDAO_CACHE_SEGUNDOS = env.float("BRM_PRONTIDAO_CACHE_SEGUNDOS", default=5.0)
# Beat counts as stopped when its last heartbeat (written every 10 s) is older than this, in seconds.
BRM_BEAT_ATRASO_MAXIMO = env.int("BRM_BEAT_ATRASO_MAXIMO", default=120)
# The bearer token Prometheus sends to /metrics; empty, /metrics answers 404.
BRM_METRICAS_TOKEN = env("BRM_METRICAS_TOKEN", default="")

# Alerts by e-mail (brm/alertas, docs/alertas.md)
# ------------------------------------------------------------------------------
# Who receives which alert and the thresholds are edited in the admin. The e-mails link to BRM's pages: a mail
# client has no page to be relative to, so links start with the address people open BRM at.
BRM_URL_BASE = env("BRM_URL_BASE", default="http://127.0.0.1:8000").rstrip("/")
CELERY_BEAT_SCHEDULE.update(
    {
        # Failures are recorded when they happen; late and near-due invoices are looked for every five minutes.
        "alertas-detectar-faturas": {"task": "alertas.detectar_faturas", "schedule": 300.0},
        "alertas-verificar-api-robos": {"task": "alertas.verificar_api_robos", "schedule": 60.0},
        # Each kind with events waiting goes out in one e-mail, at most one per hour per kind.
        "alertas-enviar": {"task": "alertas.enviar", "schedule": 60.0},
    }
)

# Sign-in: lockout and SSO (brm/entrada, docs/entrada.md)
# ------------------------------------------------------------------------------
from brm.entrada.configuracao import (  # noqa: E402
    bloqueio_duracao,
    inteiro_do_ambiente,
    origens_dos_provedores,
    provedores_sso,
)

# https://django-axes.readthedocs.io/en/latest/4_configuration.html. After this many wrong passwords in a row for one
# e-mail from one address, that pair is refused (the right password too) for the wait below, or until an
# administrator deletes its row in the admin (Entrada › Tentativas de entrada com senha errada).
AXES_FAILURE_LIMIT = inteiro_do_ambiente(env, "BRM_LOGIN_FALHAS_MAXIMAS", padrao=5, minimo=1)
# Minutes; 0 keeps the lockout until an administrator lifts it. Each attempt while locked starts the wait again.
AXES_COOLOFF_TIME = bloqueio_duracao(inteiro_do_ambiente(env, "BRM_LOGIN_BLOQUEIO_MINUTOS", padrao=15, minimo=0))
# Counted per e-mail AND address. Per address alone, one guesser would lock out everyone behind the same address
# (an office's NAT); per e-mail alone, anyone could lock any person out by typing wrong passwords for them. The pair
# locks only the guesser's own tries at that account. Trying many e-mails from one address is slowed on the API by
# its request limit per address (BRM_API_LIMITE_AUTENTICACAO) and shows in the admin's list of attempts.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# A right password forgets that pair's earlier failures (the API's token endpoint does the same, services.py).
AXES_RESET_ON_SUCCESS = True
AXES_USERNAME_CALLABLE = "brm.entrada.bloqueio.email_da_tentativa"
# The address as the API's limits see it: X-Forwarded-For is trusted only through BRM_API_NUM_PROXIES proxies.
AXES_CLIENT_IP_CALLABLE = "brm.entrada.rede.endereco_do_cliente"
# The login page with the reason (page) or the API's error shape `acesso_bloqueado` (API), both 429.
AXES_LOCKOUT_CALLABLE = "brm.entrada.bloqueio.resposta_de_bloqueio"
AXES_HTTP_RESPONSE_CODE = 429
# Our admin pages for the attempts and the sign-in log, in Portuguese (brm/entrada/admin.py).
AXES_ENABLE_ADMIN = False
AXES_COOLOFF_MESSAGE = "Acesso bloqueado por excesso de tentativas com senha errada. Tente de novo mais tarde."
AXES_PERMALOCK_MESSAGE = "Acesso bloqueado por excesso de tentativas com senha errada. Peça a um administrador."

# https://docs.allauth.org/en/latest/socialaccount/configuration.html. Optional SSO with GitHub and one OpenID
# Connect provider, each on only when its BRM_SSO_* variables are set; it signs in people who already have an
# account (matched by the provider's verified e-mail) and never creates one. allauth's own pages are not mounted:
# the admin's login page stays the login page, with a button per provider.
SOCIALACCOUNT_PROVIDERS = provedores_sso(env)
SOCIALACCOUNT_ADAPTER = "brm.entrada.adaptadores.AdaptadorSocial"
ACCOUNT_ADAPTER = "brm.entrada.adaptadores.AdaptadorDeContas"
SOCIALACCOUNT_AUTO_SIGNUP = False
SOCIALACCOUNT_QUERY_EMAIL = True
SOCIALACCOUNT_STORE_TOKENS = False
# Matching by e-mail happens in the adapter; allauth's own would wipe the password of an account it matched.
SOCIALACCOUNT_EMAIL_AUTHENTICATION = False
# The provider vouched for the e-mail; BRM sends no confirmation mail of its own.
SOCIALACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*"]
# What allauth counts a client's address by, as everywhere else here.
ALLAUTH_TRUSTED_PROXY_COUNT = REST_FRAMEWORK["NUM_PROXIES"]

# Static files and the CSP (whitenoise, django-csp; docs/seguranca.md)
# ------------------------------------------------------------------------------
# https://whitenoise.readthedocs.io/en/stable/django.html. WhiteNoiseMiddleware serves /static/ in every process
# that runs Django (gunicorn with uvicorn workers, `make run`'s uvicorn): from STATIC_ROOT after collectstatic in
# production, from the apps and static/ by their finders when DEBUG is on (whitenoise's default). It answers only
# URLs of files it knows, so a path that climbs out of the folder (`/static/../manage.py`) is a plain 404.
if BRM_SERVIR_ESTATICOS:
    WHITENOISE_USE_FINDERS = True

# https://django-csp.readthedocs.io/en/latest/configuration.html. The same policy everywhere (tests and `make run`
# included), so a page that breaks it breaks on a developer's machine first. Scripts only from this site's files:
# no inline <script>, no on*= handlers, no eval. Styles likewise, except `style` attributes: the status badges
# (brm/common/admin.py `badge`, the process and execution pages) and the painel's bars carry colours and widths
# computed on the server; an attribute cannot run script or hold a selector, while <style> elements stay refused.
# The live updates (EventSource on /eventos/) and pdf.js's worker and fetches are same-origin. Pages never sit in a
# frame (frame-ancestors, with X-Frame-Options for older browsers). The API's ReDoc page adds its own exceptions
# (brm/api/urls.py).
# `form-action` also governs where a form's redirect may lead: a sign-in with an external provider (a POST that
# redirects to it) needs the provider's origin in DJANGO_CSP_FORM_ACTION (or appended below by its settings).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "style-src-attr": ["'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "worker-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "frame-ancestors": ["'none'"],
        # The SSO providers' origins: their buttons POST here and are redirected there (brm/entrada/configuracao.py).
        "form-action": [
            "'self'",
            *origens_dos_provedores(SOCIALACCOUNT_PROVIDERS),
            *env.list("DJANGO_CSP_FORM_ACTION", default=[]),
        ],
        # Where browsers report what the policy refused (optional; a URL that accepts CSP reports).
        "report-uri": env("DJANGO_CSP_REPORT_URI", default=None),
    }
}
X_FRAME_OPTIONS = "DENY"
# Django's default, said here: other sites get no Referer; this one does, and its HTTPS CSRF check needs it.
SECURE_REFERRER_POLICY = "same-origin"

# Audit trail (django-simple-history, docs/auditoria.md)
# ------------------------------------------------------------------------------
# https://django-simple-history.readthedocs.io/. Changes to operators, clients, users, schedules, the robot
# configuration and webhooks keep who, when and what (brm/common/auditoria.py). The history is a record, not an
# undo button: no page puts an old version back (it would skip the services' rules).
SIMPLE_HISTORY_REVERT_DISABLED = True
