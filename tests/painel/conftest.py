"""What the painel tests share: a fixed instant in São Paulo, and the counts a painel page shows."""

import datetime as dt
from html.parser import HTMLParser
from typing import NamedTuple

import pytest
import time_machine

# 15/11/2026 12:00 in São Paulo (UTC-03:00).
AGORA = dt.datetime(2026, 11, 15, 15, 0, tzinfo=dt.UTC)
NOVEMBRO = dt.date(2026, 11, 1)


@pytest.fixture
def relogio():
    """Time stands still at AGORA: today is 15/11/2026 in America/Sao_Paulo, the current month November."""
    with time_machine.travel(AGORA, tick=False) as viajante:
        yield viajante


class Contagem(NamedTuple):
    valor: int
    url: str
    texto: str
    id: str


class _Contagens(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.contagens: dict[str, Contagem] = {}
        self._aberta: tuple[str, dict] | None = None
        self._texto: list[str] = []

    def handle_starttag(self, tag, attrs):
        atributos = dict(attrs)
        if "data-contagem" in atributos:
            self._aberta = (tag, atributos)
            self._texto = []

    def handle_data(self, data):
        if self._aberta:
            self._texto.append(data)

    def handle_endtag(self, tag):
        if self._aberta and tag == self._aberta[0]:
            atributos = self._aberta[1]
            chave = atributos["data-contagem"]
            assert chave not in self.contagens, f"data-contagem repetido: {chave}"
            self.contagens[chave] = Contagem(
                valor=int(atributos["data-valor"]),
                url=atributos.get("href", ""),
                texto=" ".join("".join(self._texto).split()),
                id=atributos.get("id", ""),
            )
            self._aberta = None


def contagens(resposta) -> dict[str, Contagem]:
    """Every count on a painel page (or fragment), by its `data-contagem`."""
    leitor = _Contagens()
    leitor.feed(resposta.content.decode())
    leitor.close()
    return leitor.contagens


def valores(resposta) -> dict[str, int]:
    return {chave: contagem.valor for chave, contagem in contagens(resposta).items()}
