"""What production's logs say about a whole month's pipeline, read from the real processes in JSON and at DEBUG: a web
process (uvicorn, ASGI) where people sign in to the API and drive the work, a worker and beat of Celery, and the robot
simulator as a real server. Every line is JSON; web lines name their request, task lines their execution; and no
password, token or key appears anywhere, not even encoded."""

import base64
import json
from urllib.parse import quote, quote_plus

import pytest
import requests
from django.conf import settings

from brm.api.services import token_de_servico_criar
from brm.usuarios.models import Usuario
from processos.models import Execucao, Processo
from processos.services import processos_criar_mensais
from tests.conftest import esperar
from tests.factories import ClienteFactory, OperadoraFactory, UsuarioFactory

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

SENHA_PORTAL = "Portal#Vivo!2026/segredo"
TOKEN_ROBO = "robo-Tok3n+/=segredo_4455"
SENHA_OPERADOR = "Operador#Senha-2026!"
SENHA_APROVADOR = "Aprovador@Senha 2026?"
REQUEST_ID = "req-prova-baixar-1"


@pytest.fixture(scope="module")
def opcoes_simulador() -> dict:
    return {"duracao": 0.6, "intervalo_log": 0.1, "atraso_inicio": 0.05, "token": TOKEN_ROBO}


def formas(segredo: str) -> set[str]:
    """A secret as a log could carry it: as it is, URL-encoded (both ways), in base64, and escaped in JSON."""
    bruto = segredo.encode()
    return {
        segredo,
        quote(segredo, safe=""),
        quote_plus(segredo),
        base64.b64encode(bruto).decode(),
        base64.urlsafe_b64encode(bruto).decode(),
        json.dumps(segredo)[1:-1],
    }


class Api:
    """The web process's API, as another system calls it."""

    def __init__(self, url: str):
        self.url = url + "/api/v1"

    def entrar(self, email: str, senha: str) -> dict:
        resposta = requests.post(f"{self.url}/auth/token/", json={"email": email, "password": senha}, timeout=10)
        assert resposta.status_code == 200, resposta.text
        return resposta.json()

    def chamar(self, metodo: str, caminho: str, credencial: str, esperado: int, **kwargs) -> requests.Response:
        cabecalhos = {"Authorization": f"Bearer {credencial}", **kwargs.pop("headers", {})}
        resposta = requests.request(metodo, f"{self.url}{caminho}", headers=cabecalhos, timeout=10, **kwargs)
        assert resposta.status_code == esperado, resposta.text
        return resposta


def test_registros_de_um_mes_inteiro_sao_json_com_contexto_e_sem_segredos(
    celery_processos, simulador, configuracao_rpa
):
    # Production's log format, at DEBUG, with one line per request.
    celery_processos.ambiente.update(
        {
            "BRM_LOG_FORMATO": "json",
            "BRM_LOG_REQUISICOES": "true",
            "DJANGO_LOG_LEVEL": "DEBUG",
            # Celery warns, before any logging exists, when it runs as root (as tests here may): not production's case.
            "PYTHONWARNINGS": "ignore:You're running the worker with superuser privileges",
        }
    )
    cliente = ClienteFactory(
        operadora=OperadoraFactory(codigo="vivo"), login_portal="joao.portal", senha_portal=SENHA_PORTAL
    )
    operador = UsuarioFactory(papel=Usuario.Papel.OPERADOR, email="operador@brm.test", password=SENHA_OPERADOR)
    UsuarioFactory(papel=Usuario.Papel.APROVADOR, email="aprovador@brm.test", password=SENHA_APROVADOR)
    _, chave_de_servico = token_de_servico_criar(nome="ERP", usuario=operador, por=None)
    processos_criar_mensais()
    processo = Processo.objects.get(cliente=cliente)
    web = celery_processos.web()
    worker = celery_processos.worker(nivel="DEBUG")
    beat = celery_processos.beat(nivel="DEBUG", quieto=True)
    api = Api(web.url)
    tokens_vistos: list[str] = [chave_de_servico]

    # Sign-ins (one wrong), a renewal, the service key and a bad one; then the download, asked through the API.
    requests.post(f"{api.url}/auth/token/", json={"email": "operador@brm.test", "password": "errada"}, timeout=10)
    par = api.entrar("operador@brm.test", SENHA_OPERADOR)
    api.chamar("GET", "/me/", par["access"], 200)
    renovado = requests.post(f"{api.url}/auth/token/renovar/", json={"refresh": par["refresh"]}, timeout=10).json()
    api.chamar("GET", "/me/", chave_de_servico, 200)
    api.chamar("GET", "/me/", "brm_" + "x" * 43, 401)
    api.chamar(
        "POST", f"/processos/{processo.pk}/baixar/", renovado["access"], 202, headers={"X-Request-ID": REQUEST_ID}
    )
    tokens_vistos += [par["access"], par["refresh"], renovado["access"], renovado["refresh"]]
    esperar(
        lambda: Processo.objects.filter(pk=processo.pk, status=Processo.Status.AGUARDANDO_APROVACAO).exists(),
        prazo=60,
        intervalo=0.2,
        detalhe=celery_processos.situacao,
        descricao="a fatura baixada pelo robô",
    )

    # Approved through the API: the SAT upload follows; then the approver signs out.
    aprovador = api.entrar("aprovador@brm.test", SENHA_APROVADOR)
    tokens_vistos += [aprovador["access"], aprovador["refresh"]]
    api.chamar("POST", f"/processos/{processo.pk}/aprovar/", aprovador["access"], 200, json={})
    esperar(
        lambda: Processo.objects.filter(pk=processo.pk, status=Processo.Status.UPLOAD_REALIZADO).exists(),
        prazo=60,
        intervalo=0.2,
        detalhe=celery_processos.situacao,
        descricao="a fatura enviada ao SAT",
    )
    api.chamar("POST", "/auth/sair/", aprovador["access"], 204, json={"refresh": aprovador["refresh"]})
    esperar(
        lambda: "concluída: o SAT deu o protocolo" in celery_processos.log(worker),
        prazo=10,
        descricao="a linha do envio ao SAT concluído no log do worker",
    )
    logs = {
        "web": celery_processos.log(web.processo),
        "worker": celery_processos.log(worker),
        "beat": celery_processos.log(beat),
    }

    # Every line of every process is one JSON object with the four fields.
    linhas: dict[str, list[dict]] = {}
    for nome, texto in logs.items():
        linhas[nome] = []
        for numero, linha in enumerate(texto.splitlines(), start=1):
            try:
                dados = json.loads(linha)
            except ValueError:
                pytest.fail(f"Linha {numero} do {nome} não é JSON: {linha!r}")
            assert {"time", "level", "logger", "message"} <= set(dados), linha
            linhas[nome].append(dados)
    # Not vacuous: DEBUG from three processes is a lot of lines, and they tell the story.
    assert len(linhas["web"]) >= 8 and len(linhas["worker"]) >= 40 and len(linhas["beat"]) >= 3, {
        nome: len(valor) for nome, valor in linhas.items()
    }

    # Web: every line of a request names it; the id a proxy sent is the one used.
    acessos = [linha for linha in linhas["web"] if linha["logger"] == "brm.requisicoes"]
    assert len(acessos) >= 8 and all(linha.get("request_id") for linha in acessos)
    (baixar,) = [
        linha for linha in acessos if linha["message"].startswith(f"POST /api/v1/processos/{processo.pk}/baixar/")
    ]
    assert baixar["request_id"] == REQUEST_ID and baixar["status_code"] == 202
    recusas = [linha for linha in linhas["web"] if linha["logger"] == "django.request"]
    assert recusas and all(linha.get("request_id") for linha in recusas)

    # Worker: lines about an execution name it, and both jobs have lines of their own.
    download = Execucao.objects.get(processo=processo, tipo=Execucao.Tipo.DOWNLOAD_FATURA)
    envio_sat = Execucao.objects.get(processo=processo, tipo=Execucao.Tipo.UPLOAD_SAT)
    for execucao in (download, envio_sat):
        proprias = [linha for linha in linhas["worker"] if linha.get("execucao_id") == str(execucao.pk)]
        assert any(f"Execução {execucao.pk}" in linha["message"] for linha in proprias), execucao
        assert all(linha.get("tarefa") for linha in proprias)
    for linha in linhas["worker"]:
        if linha["message"].startswith("Execução ") and linha["logger"].startswith("processos."):
            assert linha["message"].split()[1] == linha.get("execucao_id"), linha
    assert any(linha.get("tarefa") == "processos.enviar_execucao" for linha in linhas["worker"])

    # No secret, in any form, in any process's output.
    texto = "\n".join(logs.values())
    segredos = {
        "senha do portal do cliente": SENHA_PORTAL,
        "token da API de robôs": TOKEN_ROBO,
        "senha do operador": SENHA_OPERADOR,
        "senha do aprovador": SENHA_APROVADOR,
        "SECRET_KEY": settings.SECRET_KEY,
        **{f"chave Fernet {i}": chave for i, chave in enumerate(settings.FERNET_KEYS, start=1)},
        **{f"token {i} (JWT ou chave de serviço)": token for i, token in enumerate(tokens_vistos, start=1)},
    }
    for nome, segredo in segredos.items():
        for forma in formas(segredo):
            assert forma not in texto, f"{nome} apareceu nos registros"
