"""A process that starts Sentry as production does and makes it report, with secrets everywhere it can see them:
`python -m tests.common.sentry_cliente <dsn> <segredos.json>`.

Two reports: a request (through the ASGI application, as uvicorn serves it) whose view raises, with a password in
the form, a JWT in the Authorization header, a session cookie, a token in the query string and secrets in the
exception's message; and an error logged with a client's portal password in its arguments. An info line before
them becomes a breadcrumb.
"""

import asyncio
import json
import logging
import sys
from pathlib import Path
from urllib.parse import urlencode

import django
from django.http import HttpResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt

SEGREDOS: dict[str, str] = {}


@csrf_exempt
def explode(request):
    from django.conf import settings

    logging.getLogger("brm.teste").info("chamando o robô com Authorization: Bearer %s", SEGREDOS["token_robo"])
    raise RuntimeError(f"Falhou com {SEGREDOS['dsn_banco']} e a chave {settings.SECRET_KEY} (Bearer {SEGREDOS['jwt']})")


def tudo_bem(request):
    return HttpResponse("ok")


urlpatterns = [path("explode/", explode), path("ok/", tudo_bem)]


def _pedir(aplicacao, metodo: str, caminho: str, consulta: str, cabecalhos: dict, corpo: bytes) -> int:
    """One request through the ASGI application, as uvicorn would make it; its status."""
    escopo = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "scheme": "http",
        "method": metodo,
        "path": caminho,
        "raw_path": caminho.encode(),
        "query_string": consulta.encode(),
        "headers": [(nome.lower().encode(), valor.encode()) for nome, valor in cabecalhos.items()],
        "server": ("testserver", 80),
        "client": ("127.0.0.1", 50000),
    }
    enviados = []
    mensagens = [{"type": "http.request", "body": corpo, "more_body": False}]

    async def conversa():
        respondido = asyncio.Event()

        async def receber():
            if mensagens:
                return mensagens.pop()
            # The client leaves once the whole answer arrived.
            await respondido.wait()
            return {"type": "http.disconnect"}

        async def enviar(mensagem):
            enviados.append(mensagem)
            if mensagem["type"] == "http.response.body" and not mensagem.get("more_body"):
                respondido.set()

        await aplicacao(escopo, receber, enviar)

    asyncio.run(conversa())
    return next(m["status"] for m in enviados if m["type"] == "http.response.start")


def main(dsn: str, arquivo: str) -> None:
    SEGREDOS.update(json.loads(Path(arquivo).read_text()))
    django.setup()
    import sentry_sdk
    from django.core.asgi import get_asgi_application
    from django.test import override_settings

    from brm.common.sentry import sentry_iniciar

    assert sentry_iniciar(dsn=dsn, ambiente="teste", versao="brm@1.2.3", taxa_traces="0")
    with override_settings(ROOT_URLCONF=__name__, ALLOWED_HOSTS=["testserver"]):
        status = _pedir(
            get_asgi_application(),
            "POST",
            "/explode/",
            f"token={SEGREDOS['token_servico']}",
            {
                "Host": "testserver",
                "Authorization": f"Bearer {SEGREDOS['jwt']}",
                "Cookie": f"sessionid={SEGREDOS['sessao']}",
                "Content-Type": "application/x-www-form-urlencoded",
            },
            urlencode({"email": "ana@brm.test", "password": SEGREDOS["senha_usuario"]}).encode(),
        )
        assert status == 500, status
    logging.getLogger("brm.teste").error(
        "Robô recusou o payload %s", {"cliente": {"login": "joao", "senha": SEGREDOS["senha_portal"]}}
    )
    sentry_sdk.flush(timeout=10)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
