"""The robot API simulator, talked to over real HTTP on 127.0.0.1 as the client and the demo will."""

import base64
import hashlib
import os
import re
import signal
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

import pytest
import requests

from brm.rpa.management.commands.rpa_simulador import Command
from brm.rpa.simulador import fatura_pdf
from tests.conftest import esperar

TOKEN = "token-de-teste"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
TIMEOUT = 3
ISO_UTC = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$")
RAIZ = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def opcoes_simulador():
    return {
        "token": TOKEN,
        "duracao": 0.4,
        "intervalo_log": 0.05,
        "atraso_inicio": 0.1,
        "robos_inexistentes": ["inexistente"],
    }


def cliente(**extra):
    return {
        "cnpj": "12.ABC.345/01DE-35",
        "razao_social": "Empresa Teste Ltda",
        "conta": "900100",
        "unidade": "Matriz",
        "login": "financeiro@teste",
        "senha": "segredo",
        "dados": {},
        **extra,
    }


def payload(referencia="ref-1", **extra):
    return {"referencia": referencia, "competencia": "2026-11", "cliente": cliente(), "fatura": None, **extra}


def payload_sat(referencia="sat-1", conteudo=None, sha256=None):
    pdf = conteudo if conteudo is not None else fatura_pdf("Fatura VIVO", ["Valor total: R$ 10,00"])
    fatura = {
        "nome": "fatura.pdf",
        "conteudo_base64": base64.b64encode(pdf).decode(),
        "sha256": sha256 or hashlib.sha256(pdf).hexdigest(),
        "valor_total": "10.00",
        "vencimento": "2026-12-10",
        "numero": "VIVO-1",
    }
    return payload(referencia, cliente=cliente(codigo_sat="SAT-77"), fatura=fatura)


def executar(sim, robo="vivo", corpo=None, headers=AUTH, timeout=TIMEOUT):
    return requests.post(f"{sim.url}/executar/{robo}", json=corpo or payload(), headers=headers, timeout=timeout)


def get(sim, caminho, headers=AUTH, **kwargs):
    return requests.get(f"{sim.url}{caminho}", headers=headers, timeout=TIMEOUT, **kwargs)


def iniciar_job(sim, robo="vivo", corpo=None):
    resposta = executar(sim, robo, corpo)
    assert resposta.status_code == 202, resposta.text
    return resposta.json()["job_id"]


def esperar_job(sim, job_id, status=("completed", "failed", "cancelled"), prazo=5.0):
    return esperar(
        lambda: (job := get(sim, f"/jobs/{job_id}").json())["status"] in status and job,
        prazo=prazo,
        descricao=f"o job {job_id} chegar a {status}",
        intervalo=0.02,
        detalhe=lambda: f"está {get(sim, f'/jobs/{job_id}').json()['status']}",
    )


def logs(sim, job_id, desde=None):
    params = {} if desde is None else {"desde": desde}
    resposta = get(sim, f"/jobs/{job_id}/logs", params=params)
    assert resposta.status_code == 200
    return resposta.json()


def reais(valor):
    return "R$ " + f"{Decimal(valor):,.2f}".replace(",", "_").replace(".", ",").replace("_", ".")


# The happy paths -----------------------------------------------------------------------------------


def test_download_passa_por_fila_e_execucao_com_logs_crescendo_e_entrega_a_fatura(simulador):
    resposta = executar(simulador)
    assert resposta.status_code == 202
    assert resposta.json()["status"] == "queued"
    job_id = resposta.json()["job_id"]

    job = get(simulador, f"/jobs/{job_id}").json()
    assert job["status"] == "queued"
    assert job["referencia"] == "ref-1"
    assert ISO_UTC.match(job["criado_em"])
    assert job["iniciado_em"] is None and job["finalizado_em"] is None
    assert job["erro"] is None and job["resultado"] is None

    job = esperar_job(simulador, job_id, status=("running",))
    assert ISO_UTC.match(job["iniciado_em"])
    assert job["finalizado_em"] is None and job["resultado"] is None
    contagens = []

    def terminou():
        job = get(simulador, f"/jobs/{job_id}").json()
        if job["status"] == "running":
            contagens.append(len(logs(simulador, job_id)["logs"]))
            return None
        return job

    job = esperar(terminou, prazo=5, descricao=f"o fim do job {job_id}", intervalo=0.03)
    assert contagens == sorted(contagens) and contagens[-1] > contagens[0]

    assert job["status"] == "completed"
    assert ISO_UTC.match(job["finalizado_em"]) and job["finalizado_em"] > job["iniciado_em"]
    resultado = job["resultado"]
    assert resultado["vencimento"] == "2026-12-10"
    assert re.fullmatch(r"VIVO-202611-\d{6}", resultado["numero_fatura"])
    assert Decimal("80.00") <= Decimal(resultado["valor_total"]) <= Decimal("25000.00")
    (arquivo,) = resultado["arquivos"]
    assert arquivo["nome"] == "fatura-2026-11.pdf"
    assert arquivo["url"] == f"/jobs/{job_id}/arquivos/fatura-2026-11.pdf"

    pdf = get(simulador, arquivo["url"])
    assert pdf.status_code == 200
    assert pdf.headers["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF-")
    assert hashlib.sha256(pdf.content).hexdigest() == arquivo["sha256"]
    assert len(pdf.content) == arquivo["tamanho"]
    assert b"Empresa Teste Ltda" in pdf.content
    assert f"Valor total: {reais(resultado['valor_total'])}".encode("cp1252") in pdf.content
    assert resultado["numero_fatura"].encode() in pdf.content

    linhas = logs(simulador, job_id)
    mensagens = [linha["mensagem"] for linha in linhas["logs"]]
    assert [linha["seq"] for linha in linhas["logs"]] == list(range(1, len(mensagens) + 1))
    assert linhas["proximo"] == len(mensagens) + 1
    assert mensagens[:3] == [
        "Abrindo portal da vivo",
        "Fazendo login como financeiro@teste",
        "Localizando fatura de 2026-11",
    ]
    assert "Baixando PDF" in mensagens
    assert mensagens[-1] == "Execução concluída"
    assert all(ISO_UTC.match(linha["quando"]) and linha["nivel"] == "INFO" for linha in linhas["logs"])
    assert not any("segredo" in mensagem for mensagem in mensagens)


def test_fatura_pdf_tem_tabela_xref_que_aponta_para_cada_objeto():
    pdf = fatura_pdf("Fatura CLARO", ["Razão social: Ação (Matriz) Ltda", "Valor total: R$ 1.234,56"])
    assert pdf.startswith(b"%PDF-1.4\n") and pdf.endswith(b"%%EOF\n")
    inicio_xref = int(re.search(rb"startxref\n(\d+)\n%%EOF\n$", pdf)[1])
    assert pdf[inicio_xref:].startswith(b"xref\n0 7\n")
    entradas = re.findall(rb"(\d{10}) 00000 n \n", pdf[inicio_xref:])
    assert len(entradas) == 6
    for numero, posicao in enumerate(entradas, start=1):
        assert pdf[int(posicao) :].startswith(f"{numero} 0 obj\n".encode())
    fluxo = re.search(rb"<< /Length (\d+) >>\nstream\n", pdf)
    assert pdf[fluxo.end() + int(fluxo[1]) :].startswith(b"\nendstream")
    assert "Ação \\(Matriz\\) Ltda".encode("cp1252") in pdf


def test_valor_e_numero_da_fatura_dependem_so_da_referencia(simulador):
    primeiro = esperar_job(simulador, iniciar_job(simulador))["resultado"]
    simulador.resetar()
    segundo_id, outro_id = iniciar_job(simulador), iniciar_job(simulador, corpo=payload("ref-2"))
    segundo, outro = esperar_job(simulador, segundo_id)["resultado"], esperar_job(simulador, outro_id)["resultado"]
    assert (primeiro["valor_total"], primeiro["numero_fatura"]) == (segundo["valor_total"], segundo["numero_fatura"])
    assert primeiro["arquivos"][0]["sha256"] == segundo["arquivos"][0]["sha256"]
    assert outro["numero_fatura"] != primeiro["numero_fatura"]


def test_competencia_de_dezembro_vence_em_janeiro_do_ano_seguinte(simulador):
    job = esperar_job(simulador, iniciar_job(simulador, corpo=payload(competencia="2026-12")))
    assert job["resultado"]["vencimento"] == "2027-01-10"
    assert job["resultado"]["arquivos"][0]["nome"] == "fatura-2026-12.pdf"


def test_envio_ao_sat_devolve_protocolos_sequenciais(simulador):
    primeiro_id = iniciar_job(simulador, "sat", payload_sat("sat-1"))
    segundo_id = iniciar_job(simulador, "sat", payload_sat("sat-2"))
    primeiro, segundo = esperar_job(simulador, primeiro_id), esperar_job(simulador, segundo_id)
    ano = time.gmtime().tm_year
    assert primeiro["status"] == "completed"
    assert primeiro["resultado"] == {"protocolo": f"SAT-{ano}-000001"}
    assert segundo["resultado"] == {"protocolo": f"SAT-{ano}-000002"}
    mensagens = [linha["mensagem"] for linha in logs(simulador, primeiro["job_id"])["logs"]]
    assert "Enviando fatura ao SAT" in mensagens
    assert f"Protocolo recebido: SAT-{ano}-000001" in mensagens


@pytest.mark.parametrize(
    ("corpo", "trecho"),
    [
        (payload_sat(sha256="0" * 64), "sha256"),
        (payload_sat(conteudo=b"<html>nao sou pdf</html>"), "PDF"),
        (payload("sat-3"), "fatura"),
        ({**payload_sat(), "fatura": {"conteudo_base64": "@@@", "sha256": "0" * 64}}, "base64"),
    ],
)
def test_sat_recusa_fatura_inutilizavel_com_422(simulador, corpo, trecho):
    resposta = executar(simulador, "sat", corpo)
    assert resposta.status_code == 422
    assert trecho in resposta.json()["detail"]
    assert simulador.estatisticas()["jobs"] == 0


# Contract errors -----------------------------------------------------------------------------------


def test_referencia_repetida_responde_409_com_o_mesmo_job_sem_criar_outro(simulador):
    job_id = iniciar_job(simulador)
    repetida = executar(simulador)
    assert repetida.status_code == 409
    assert repetida.json()["job_id"] == job_id
    assert repetida.json()["status"] in ("queued", "running")
    esperar_job(simulador, job_id)
    assert executar(simulador).json() == {"job_id": job_id, "status": "completed"}
    estatisticas = simulador.estatisticas()
    assert estatisticas["posts"] == 3
    assert estatisticas["posts_por_referencia"] == {"ref-1": 3}
    assert estatisticas["jobs_por_referencia"] == {"ref-1": 1}
    assert estatisticas["jobs"] == 1


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer errado"}, {"Authorization": f"Basic {TOKEN}"}])
def test_sem_token_ou_com_token_errado_responde_401(simulador, headers):
    resposta = executar(simulador, headers=headers)
    assert resposta.status_code == 401
    assert resposta.json()["detail"]
    assert get(simulador, "/jobs/qualquer", headers=headers).status_code == 401
    assert simulador.estatisticas()["jobs"] == 0


def test_robo_inexistente_responde_404(simulador):
    resposta = executar(simulador, "inexistente")
    assert resposta.status_code == 404
    assert "inexistente" in resposta.json()["detail"]


def test_lista_de_robos_restringe_os_aceitos_mas_sempre_aceita_o_sat(simulador):
    simulador.configurar(robos=["vivo"])
    assert executar(simulador, "claro").status_code == 404
    assert executar(simulador, "vivo").status_code == 202
    assert executar(simulador, "sat", payload_sat()).status_code == 202


@pytest.mark.parametrize(
    ("corpo", "trecho"),
    [
        (b"isto nao e json", "JSON"),
        (b"[1, 2]", "objeto"),
        (b'{"competencia": "2026-11", "cliente": {}}', "referencia"),
        (b'{"referencia": "r", "competencia": "2026-13", "cliente": {}}', "competencia"),
        (b'{"referencia": "r", "cliente": {}}', "competencia"),
        (b'{"referencia": "r", "competencia": "2026-11"}', "cliente"),
    ],
)
def test_payload_inutilizavel_responde_422_com_detalhe(simulador, corpo, trecho):
    resposta = requests.post(
        f"{simulador.url}/executar/vivo",
        data=corpo,
        headers={**AUTH, "Content-Type": "application/json"},
        timeout=TIMEOUT,
    )
    assert resposta.status_code == 422
    assert trecho in resposta.json()["detail"]


def test_job_desconhecido_responde_404(simulador):
    for caminho in ("/jobs/nao-existe", "/jobs/nao-existe/logs", "/jobs/nao-existe/arquivos/fatura.pdf"):
        resposta = get(simulador, caminho)
        assert resposta.status_code == 404
        assert resposta.json()["detail"]


def test_arquivo_so_existe_quando_o_job_terminou_bem(simulador):
    job_id = iniciar_job(simulador)
    assert get(simulador, f"/jobs/{job_id}/arquivos/fatura-2026-11.pdf").status_code == 404
    esperar_job(simulador, job_id)
    assert get(simulador, f"/jobs/{job_id}/arquivos/fatura-2026-11.pdf").status_code == 200
    assert get(simulador, f"/jobs/{job_id}/arquivos/outra.pdf").status_code == 404


# Logs ---------------------------------------------------------------------------------------------


def test_logs_desde_devolve_so_as_linhas_a_partir_dele(simulador):
    job_id = iniciar_job(simulador)
    esperar_job(simulador, job_id)
    todas = logs(simulador, job_id)
    total = len(todas["logs"])
    parte = logs(simulador, job_id, desde=3)
    assert [linha["seq"] for linha in parte["logs"]] == list(range(3, total + 1))
    assert parte["logs"] == todas["logs"][2:]
    assert parte["proximo"] == total + 1
    assert logs(simulador, job_id, desde=total + 1) == {"job_id": job_id, "logs": [], "proximo": total + 1}
    assert get(simulador, f"/jobs/{job_id}/logs", params={"desde": "x"}).status_code == 422


def test_logs_como_texto_sao_uma_lista_de_strings_sem_proximo(simulador):
    job_id = iniciar_job(simulador)
    esperar_job(simulador, job_id)
    objetos = logs(simulador, job_id)["logs"]
    simulador.configurar(logs_como_texto=True)
    texto = logs(simulador, job_id)
    assert "proximo" not in texto
    assert texto["logs"] == [linha["mensagem"] for linha in objetos]
    assert logs(simulador, job_id, desde=2)["logs"] == [linha["mensagem"] for linha in objetos[1:]]


def test_logs_repetidos_devolvem_de_novo_a_ultima_linha_ja_enviada(simulador):
    job_id = iniciar_job(simulador)
    esperar_job(simulador, job_id)
    simulador.configurar(logs_repetidos=True)
    assert [linha["seq"] for linha in logs(simulador, job_id, desde=3)["logs"]][:2] == [2, 3]
    assert logs(simulador, job_id, desde=1)["logs"][0]["seq"] == 1


# Cancelling: beyond the contract, only with `permitir_cancelar` -------------------------------------------


def test_sem_a_opcao_o_robo_nao_tem_como_cancelar(simulador):
    job_id = iniciar_job(simulador)

    resposta = requests.post(f"{simulador.url}/jobs/{job_id}/cancelar", headers=AUTH, timeout=TIMEOUT)

    assert resposta.status_code == 404
    assert get(simulador, f"/jobs/{job_id}").json()["status"] in ("queued", "running")


def test_cancelar_job_em_execucao_e_final(simulador):
    simulador.configurar(permitir_cancelar=True)
    job_id = iniciar_job(simulador)
    esperar_job(simulador, job_id, status=("running",))
    resposta = requests.post(f"{simulador.url}/jobs/{job_id}/cancelar", headers=AUTH, timeout=TIMEOUT)
    assert resposta.status_code == 200
    assert resposta.json() == {"job_id": job_id, "status": "cancelled"}
    # A job started after the cancel has run its whole course: the cancelled one would have ended by now.
    esperar_job(simulador, iniciar_job(simulador, corpo=payload("testemunha")), status=("completed",))
    job = get(simulador, f"/jobs/{job_id}").json()
    assert job["status"] == "cancelled"
    assert job["iniciado_em"] and ISO_UTC.match(job["finalizado_em"])
    assert job["resultado"] is None and job["erro"] is None
    linhas = logs(simulador, job_id)["logs"]
    assert linhas[-1]["mensagem"] == "Execução cancelada a pedido" and linhas[-1]["nivel"] == "WARNING"
    de_novo = requests.post(f"{simulador.url}/jobs/{job_id}/cancelar", headers=AUTH, timeout=TIMEOUT)
    assert de_novo.status_code == 409
    assert de_novo.json()["status"] == "cancelled"


def test_cancelar_job_na_fila_nunca_o_inicia(simulador):
    simulador.configurar(atraso_inicio=0.3, permitir_cancelar=True)
    job_id = iniciar_job(simulador)
    assert requests.post(f"{simulador.url}/jobs/{job_id}/cancelar", headers=AUTH, timeout=TIMEOUT).status_code == 200
    # A job of another robot, queued after the cancel, has started: the cancelled one would have started too.
    esperar_job(simulador, iniciar_job(simulador, "claro", payload("testemunha")), status=("running",))
    job = get(simulador, f"/jobs/{job_id}").json()
    assert job["status"] == "cancelled" and job["iniciado_em"] is None
    assert [linha["mensagem"] for linha in logs(simulador, job_id)["logs"]] == ["Execução cancelada a pedido"]
    assert simulador.estatisticas()["max_simultaneos_por_robo"] == {"claro": 1, "vivo": 0}


def test_cancelar_job_terminado_responde_409(simulador):
    simulador.configurar(permitir_cancelar=True)
    job_id = iniciar_job(simulador)
    esperar_job(simulador, job_id)
    resposta = requests.post(f"{simulador.url}/jobs/{job_id}/cancelar", headers=AUTH, timeout=TIMEOUT)
    assert resposta.status_code == 409
    assert resposta.json()["status"] == "completed"


# Fault modes ---------------------------------------------------------------------------------------


def test_taxa_de_perda_faz_o_job_sumir_ao_comecar_e_o_409_devolve_o_perdido(simulador):
    simulador.configurar(taxa_perda=1.0, atraso_inicio=0.05)
    job_id = iniciar_job(simulador)

    esperar(lambda: get(simulador, f"/jobs/{job_id}").status_code == 404, prazo=5, descricao="o job sumir do robô")

    de_novo = requests.post(f"{simulador.url}/executar/vivo", json=payload(), headers=AUTH, timeout=TIMEOUT)
    assert (de_novo.status_code, de_novo.json()["job_id"]) == (409, job_id)
    # A lost job no longer runs at the robot.
    assert simulador.estatisticas()["max_simultaneos"] == 0


def test_taxa_de_travamento_segura_a_resposta_do_post_mas_cria_o_job(simulador):
    simulador.configurar(taxa_travamento=1.0, tempo_travamento=2.0)

    with pytest.raises(requests.Timeout):
        requests.post(f"{simulador.url}/executar/vivo", json=payload(), headers=AUTH, timeout=0.5)

    assert simulador.estatisticas()["jobs_por_referencia"] == {payload()["referencia"]: 1}


def test_taxa_de_status_invalido_responde_algo_que_nao_e_json(simulador):
    job_id = iniciar_job(simulador)
    simulador.configurar(taxa_status_invalido=1.0)

    resposta = get(simulador, f"/jobs/{job_id}")

    assert resposta.status_code == 200 and resposta.text.startswith("<html>")
    # The logs are not touched by it.
    assert get(simulador, f"/jobs/{job_id}/logs").json()["job_id"] == job_id


def test_logs_com_controle_tem_cores_ansi_e_caracteres_de_controle(simulador):
    simulador.configurar(logs_com_controle=True)
    job_id = iniciar_job(simulador)
    esperar_job(simulador, job_id)

    primeira = logs(simulador, job_id)["logs"][0]["mensagem"]

    assert primeira.startswith("\x07\x1b[36m") and primeira.endswith("\x1b[0m\r")


def test_erro_500_nas_proximas_requisicoes_e_depois_volta_ao_normal(simulador):
    configurado = requests.post(f"{simulador.url}/_simulador/config", json={"erro_500_proximas": 2}, timeout=TIMEOUT)
    assert configurado.json()["erro_500_proximas"] == 2
    for _ in range(2):
        resposta = executar(simulador)
        assert resposta.status_code == 500
        assert resposta.json()["detail"]
    assert executar(simulador).status_code == 202
    assert simulador.estatisticas()["posts"] == 3


@pytest.mark.parametrize("status", [429, 503])
def test_ocupado_responde_com_retry_after_quando_configurado(simulador, status):
    simulador.configurar(**{f"erro_{status}_proximas": 1}, retry_after=7)
    resposta = executar(simulador)
    assert resposta.status_code == status
    assert resposta.headers["Retry-After"] == "7"
    assert resposta.json()["detail"]
    simulador.configurar(**{f"erro_{status}_proximas": 1}, retry_after=None)
    resposta = executar(simulador)
    assert resposta.status_code == status
    assert "Retry-After" not in resposta.headers
    assert executar(simulador).status_code == 202


def test_servidor_travado_estoura_o_timeout_do_cliente_e_ainda_para_rapido(simulador):
    simulador.configurar(travar_proximas=1, tempo_travamento=30)
    with pytest.raises(requests.ReadTimeout):
        executar(simulador, timeout=0.5)
    # The hung request was processed: the job exists, and the retry adopts it.
    assert executar(simulador).status_code == 409
    assert simulador.estatisticas()["jobs"] == 1
    inicio = time.monotonic()
    simulador.parar()
    assert time.monotonic() - inicio < 2
    with pytest.raises(requests.ConnectionError):
        executar(simulador)


def test_corpo_que_nao_e_json(simulador):
    simulador.configurar(corpo_invalido_proximas=1)
    resposta = executar(simulador)
    assert resposta.status_code == 200
    assert resposta.text == "<html>erro</html>"
    with pytest.raises(ValueError):
        resposta.json()
    assert executar(simulador).status_code == 202


def test_json_sem_as_chaves_esperadas(simulador):
    simulador.configurar(json_incompleto_proximas=1)
    resposta = executar(simulador)
    assert resposta.status_code == 200
    assert "job_id" not in resposta.json()


def test_jobs_perdidos_respondem_404(simulador):
    job_id = iniciar_job(simulador)
    simulador.configurar(perder_jobs=True)
    assert get(simulador, f"/jobs/{job_id}").status_code == 404
    assert get(simulador, f"/jobs/{job_id}/logs").status_code == 404
    simulador.configurar(perder_jobs=False, perder_jobs_proximos=1)
    assert get(simulador, f"/jobs/{job_id}").status_code == 404
    assert get(simulador, f"/jobs/{job_id}").status_code == 200


def test_robo_reiniciado_esquece_os_jobs_e_aceita_a_referencia_de_novo(simulador):
    job_id = iniciar_job(simulador)
    assert requests.post(f"{simulador.url}/_simulador/perder-jobs", timeout=TIMEOUT).status_code == 200
    assert get(simulador, f"/jobs/{job_id}").status_code == 404
    novo = iniciar_job(simulador)
    assert novo != job_id
    assert simulador.estatisticas()["jobs_por_referencia"] == {"ref-1": 2}


def test_token_rejeitado_responde_401_mesmo_com_o_token_certo(simulador):
    simulador.configurar(token_rejeitado=True)
    assert executar(simulador).status_code == 401
    assert get(simulador, "/jobs/qualquer").status_code == 401
    assert requests.get(f"{simulador.url}/_simulador/config", timeout=TIMEOUT).status_code == 200


def test_falha_de_login_termina_o_job_com_login_invalido(simulador):
    simulador.configurar(falha_login=True)
    job = esperar_job(simulador, iniciar_job(simulador))
    assert job["status"] == "failed"
    assert job["erro"]["codigo"] == "LOGIN_INVALIDO"
    assert "senha inválidos" in job["erro"]["mensagem"]
    assert job["resultado"] is None
    linhas = logs(simulador, job["job_id"])["logs"]
    assert linhas[-1]["nivel"] == "ERROR" and linhas[-1]["mensagem"] == job["erro"]["mensagem"]
    assert "Baixando PDF" not in [linha["mensagem"] for linha in linhas]
    assert get(simulador, f"/jobs/{job['job_id']}/arquivos/fatura-2026-11.pdf").status_code == 404


def test_logins_invalidos_so_falham_para_esses_logins(simulador):
    simulador.configurar(logins_invalidos=["bloqueado"])
    recusado = iniciar_job(simulador, corpo=payload("r-1", cliente=cliente(login="bloqueado")))
    aceito = iniciar_job(simulador, corpo=payload("r-2"))
    assert esperar_job(simulador, recusado)["erro"]["codigo"] == "LOGIN_INVALIDO"
    assert esperar_job(simulador, aceito)["status"] == "completed"


def test_taxa_de_falha_decide_pela_referencia(simulador):
    simulador.configurar(taxa_falha=1.0)
    job = esperar_job(simulador, iniciar_job(simulador))
    assert job["status"] == "failed"
    assert job["erro"]["codigo"] in ("PORTAL_FORA_DO_AR", "FATURA_INDISPONIVEL")
    referencias = [f"ref-taxa-{indice}" for indice in range(8)]

    def desfechos():
        simulador.resetar()
        simulador.configurar(taxa_falha=0.5, duracao=0.1, atraso_inicio=0.0)
        jobs = [iniciar_job(simulador, corpo=payload(referencia)) for referencia in referencias]
        return [esperar_job(simulador, job_id)["status"] for job_id in jobs]

    primeira = desfechos()
    assert primeira == desfechos()
    assert set(primeira) == {"completed", "failed"}


def test_sha256_errado_nao_confere_com_o_arquivo_servido(simulador):
    simulador.configurar(sha256_errado=True)
    job = esperar_job(simulador, iniciar_job(simulador))
    arquivo = job["resultado"]["arquivos"][0]
    conteudo = get(simulador, arquivo["url"]).content
    assert conteudo.startswith(b"%PDF-")
    assert hashlib.sha256(conteudo).hexdigest() != arquivo["sha256"]


def test_job_que_nunca_termina_fica_em_execucao(simulador):
    simulador.configurar(nunca_finalizar=True)
    job_id = iniciar_job(simulador)
    simulador.configurar(nunca_finalizar=False)
    # A normal job started after it has ended: this one's usual duration has passed.
    esperar_job(simulador, iniciar_job(simulador, corpo=payload("testemunha")), status=("completed",))
    assert get(simulador, f"/jobs/{job_id}").json()["status"] == "running"
    assert "Aguardando resposta do portal" in [linha["mensagem"] for linha in logs(simulador, job_id)["logs"]]


# Configuration and statistics ---------------------------------------------------------------------


def test_configuracao_recusa_chave_desconhecida_e_valor_invalido(simulador):
    for mudanca in ({"nao_existe": 1}, {"taxa_falha": 2}, {"erro_500_proximas": -1}, {"perder_jobs": "sim"}):
        resposta = requests.post(f"{simulador.url}/_simulador/config", json=mudanca, timeout=TIMEOUT)
        assert resposta.status_code == 400
        assert resposta.json()["detail"]
        with pytest.raises(ValueError):
            simulador.configurar(**mudanca)
    assert requests.get(f"{simulador.url}/_simulador/config", timeout=TIMEOUT).json()["taxa_falha"] == 0


def test_resetar_limpa_jobs_estatisticas_e_falhas(simulador):
    job_id = iniciar_job(simulador)
    simulador.configurar(falha_login=True, duracao=5)
    assert requests.post(f"{simulador.url}/_simulador/resetar", timeout=TIMEOUT).status_code == 200
    assert get(simulador, f"/jobs/{job_id}").status_code == 404
    config = requests.get(f"{simulador.url}/_simulador/config", timeout=TIMEOUT).json()
    assert config["falha_login"] is False and config["duracao"] == 0.4
    estatisticas = requests.get(f"{simulador.url}/_simulador/estatisticas", timeout=TIMEOUT).json()
    assert estatisticas["jobs"] == 0 and estatisticas["posts"] == 0 and estatisticas["max_simultaneos"] == 0


def test_pico_de_simultaneos_conta_jobs_que_se_sobrepoem(simulador):
    simulador.configurar(duracao=1.0, atraso_inicio=0.05)
    jobs = [
        iniciar_job(simulador, robo, payload(f"simultaneo-{indice}"))
        for indice, robo in enumerate(["vivo", "vivo", "vivo", "claro", "claro"])
    ]
    for job_id in jobs:
        esperar_job(simulador, job_id, status=("completed",))
    estatisticas = requests.get(f"{simulador.url}/_simulador/estatisticas", timeout=TIMEOUT).json()
    assert estatisticas["max_simultaneos"] == 5
    assert estatisticas["max_simultaneos_por_robo"] == {"claro": 2, "vivo": 3}
    assert estatisticas["jobs"] == 5


def test_pico_de_simultaneos_e_um_para_jobs_em_sequencia(simulador):
    simulador.configurar(duracao=0.2, atraso_inicio=0.0)
    for indice in range(3):
        esperar_job(simulador, iniciar_job(simulador, corpo=payload(f"sequencia-{indice}")))
    assert simulador.estatisticas()["max_simultaneos"] == 1


def test_pico_conta_jobs_ainda_em_execucao(simulador):
    simulador.configurar(nunca_finalizar=True, atraso_inicio=0.0)
    for job_id in (iniciar_job(simulador, corpo=payload("a")), iniciar_job(simulador, corpo=payload("b"))):
        esperar_job(simulador, job_id, status=("running",))
    assert simulador.estatisticas()["max_simultaneos"] == 2


# The management command ----------------------------------------------------------------------------


def test_comando_entende_as_opcoes():
    opcoes = (
        Command()
        .create_parser("manage.py", "rpa_simulador")
        .parse_args(
            ["--porta", "9000", "--token", "x", "--duracao", "2", "--intervalo-log", "0.25", "--taxa-falha", "0.3"]
        )
    )
    assert (opcoes.porta, opcoes.token, opcoes.duracao, opcoes.intervalo_log, opcoes.taxa_falha) == (
        9000,
        "x",
        2.0,
        0.25,
        0.3,
    )
    assert opcoes.host == "127.0.0.1"


def test_comando_serve_ate_ctrl_c():
    codigo = (
        "import django; django.setup(); "
        "from brm.rpa.management.commands.rpa_simulador import Command; "
        "Command().run_from_argv(['manage.py', 'rpa_simulador', '--porta', '0', '--token', 'tk'])"
    )
    ambiente = {**os.environ, "DJANGO_SETTINGS_MODULE": "brm.settings.test", "PYTHONUNBUFFERED": "1"}
    processo = subprocess.Popen(
        [sys.executable, "-c", codigo],
        cwd=RAIZ,
        env=ambiente,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        primeira = processo.stdout.readline()
        url = re.search(r"http://127\.0\.0\.1:\d+", primeira)
        assert url, primeira + processo.stderr.read()
        assert processo.stdout.readline().strip() == "Token: tk"
        assert requests.get(f"{url[0]}/_simulador/saude", timeout=TIMEOUT).json() == {"ok": True}
        assert (
            requests.get(f"{url[0]}/jobs/x", headers={"Authorization": "Bearer tk"}, timeout=TIMEOUT).status_code == 404
        )
        processo.send_signal(signal.SIGINT)
        saida, _ = processo.communicate(timeout=10)
    finally:
        processo.kill()
    assert processo.returncode == 0
    assert "Simulador parado." in saida
