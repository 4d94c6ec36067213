"""The container's health check (`bin/entrypoint saude`, the image's HEALTHCHECK).

One image runs every process, and a HEALTHCHECK cannot see the container's command: `bin/entrypoint` writes
what this container runs into a small file, and this reads it. The web asks its own /readyz; a worker answers a
ping through the broker; beat is healthy while its last tick is recent. Exit 0 healthy, 1 not, with one line
saying why (docker inspect shows it).
"""

import json
import os
import socket
import sys
import urllib.error
import urllib.request
from pathlib import Path

TEMPO_MAXIMO = 10


def web() -> tuple[bool, str]:
    url = f"http://127.0.0.1:{os.environ.get('PORT', '8000')}/readyz"
    try:
        with urllib.request.urlopen(url, timeout=TEMPO_MAXIMO) as resposta:
            return True, f"{url} respondeu {resposta.status}."
    except urllib.error.HTTPError as erro:
        try:
            falhas = ", ".join(json.loads(erro.read()).get("falhas") or [])
        except ValueError:
            falhas = ""
        return False, f"{url} respondeu {erro.code}" + (f": falham {falhas}." if falhas else ".")
    except OSError as erro:
        return False, f"{url} não respondeu ({erro})."


def worker(prefixo: str) -> tuple[bool, str]:
    import django

    django.setup()
    from brm.celery import app

    no = f"{prefixo}@{socket.gethostname()}"
    respostas = app.control.ping(destination=[no], timeout=TEMPO_MAXIMO / 2)
    if any(no in resposta for resposta in respostas):
        return True, f"O worker {no} respondeu."
    return False, f"O worker {no} não respondeu ao ping pelo Redis."


def beat() -> tuple[bool, str]:
    import django

    django.setup()
    from brm.saude.verificacoes import FalhaDaParte, beat_verificar

    try:
        detalhes = beat_verificar()
    except FalhaDaParte as falha:
        return False, falha.mensagem
    return True, f"O último tick do beat foi há {detalhes['ultimo_tick_ha_s']} s."


def main(arquivo_papel: str) -> int:
    try:
        papel = Path(arquivo_papel).read_text().split()
    except OSError:
        # migrate, collectstatic, manage: one-shot commands, healthy while they run.
        return 0
    if papel[0] == "web":
        ok, mensagem = web()
    elif papel[0] == "worker":
        ok, mensagem = worker(papel[1])
    elif papel[0] == "beat":
        ok, mensagem = beat()
    else:
        ok, mensagem = False, f"Papel desconhecido em {arquivo_papel}: {' '.join(papel)}."
    print(mensagem)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
