"""A setting the environment gives wrong stops the process at start with one sentence, not a traceback.

Settings raise `ConfiguracaoInvalida` naming the variable and what it expects; `brm/__init__.py` installs
`frase_no_lugar_do_traceback`, so whatever loads the settings first (manage.py, uvicorn, gunicorn, Celery)
prints that sentence alone and exits with status 1.
"""

import sys

from django.core.exceptions import ImproperlyConfigured


class ConfiguracaoInvalida(ImproperlyConfigured):
    """An environment variable missing or malformed: the message is the whole explanation."""


def _causa(erro: BaseException | None) -> BaseException | None:
    while erro is not None and not isinstance(erro, ConfiguracaoInvalida):
        erro = erro.__cause__ or erro.__context__
    return erro


def frase_no_lugar_do_traceback(tipo, valor, rastro, _anterior=sys.excepthook) -> None:
    causa = _causa(valor)
    if causa is None:
        _anterior(tipo, valor, rastro)
        return
    print(f"Configuração inválida: {causa}", file=sys.stderr)


def instalar() -> None:
    sys.excepthook = frase_no_lugar_do_traceback


# gunicorn's "worker failed to boot": the server stops instead of starting the same broken worker again.
SAIDA_FALHA_AO_INICIAR = 3


def carregar_aplicacao(carregar):
    """`carregar()` (Django's get_asgi_application or get_wsgi_application), or the sentence and exit: servers such
    as gunicorn catch a worker's exceptions themselves and would print the traceback."""
    try:
        return carregar()
    except ConfiguracaoInvalida as erro:
        print(f"Configuração inválida: {erro}", file=sys.stderr)
        raise SystemExit(SAIDA_FALHA_AO_INICIAR) from None


def chaves_fernet_validar(chaves: list[str]) -> list[str]:
    """`chaves` when each is a Fernet key (32 bytes in URL-safe base64); otherwise a sentence naming which."""
    from cryptography.fernet import Fernet

    for posicao, chave in enumerate(chaves, start=1):
        try:
            Fernet(chave.encode())
        except ValueError:
            raise ConfiguracaoInvalida(
                f"FERNET_KEYS: a chave {posicao} de {len(chaves)} não é uma chave Fernet (32 bytes em base64 "
                'URL-safe, 44 caracteres terminando em “=”). Gere uma com: python -c "from cryptography.fernet '
                'import Fernet; print(Fernet.generate_key().decode())"'
            ) from None
    return chaves
