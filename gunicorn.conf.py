"""gunicorn's settings, read by itself from the folder it starts in (the Procfile's web command, the image's).

Only its logging: in JSON (production's default, docs/registros.md) the master's own lines (start, workers booted
and stopped) are JSON too, as the workers' already are through Django's LOGGING. Its access log stays off: BRM
writes one line per request itself, with the request id (`BRM_LOG_REQUISICOES`).
"""

import os

_producao = os.environ.get("DJANGO_SETTINGS_MODULE", "") == "brm.settings.production"
_formato = (os.environ.get("BRM_LOG_FORMATO") or ("json" if _producao else "texto")).strip().lower()

if _formato == "json":
    from brm.common.registro import configuracao_de_registro

    logconfig_dict = configuracao_de_registro(formato="json", nivel=os.environ.get("DJANGO_LOG_LEVEL", "INFO"))
    logconfig_dict["loggers"]["gunicorn.access"] = {"handlers": [], "propagate": False}
