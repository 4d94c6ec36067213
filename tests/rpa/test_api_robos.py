"""The robot API client against the simulator as a real HTTP server: every failure becomes an `ErroRPA` that
says whether to try again and carries a sentence a person can act on."""

import hashlib
import time

import pytest

from brm.rpa.api_robos import ApiRobos, ErroRPA, JobNaoEncontrado, LinhaLog
from tests.conftest import esperar, porta_fechada

TOKEN = "token-do-cliente"


@pytest.fixture(scope="module")
def opcoes_simulador():
    return {"token": TOKEN, "duracao": 0.3, "intervalo_log": 0.05, "atraso_inicio": 0.05}


@pytest.fixture
def cliente(simulador):
    return ApiRobos(url_base=simulador.url, token=TOKEN, timeout=0.5)


def payload(referencia="ref-1", **extra):
    return {
        "referencia": referencia,
        "competencia": "2026-11",
        "cliente": {"cnpj": "12.ABC.345/01DE-35", "razao_social": "Empresa Teste Ltda", "login": "financeiro"},
        "fatura": None,
        **extra,
    }


def esperar_fim(cliente, job_id, prazo=5.0):
    return esperar(
        lambda: (estado := cliente.job(job_id)).final and estado, prazo=prazo, descricao=f"o fim do job {job_id}"
    )


# Starting jobs ----------------------------------------------------------------------------------------


def test_executar_inicia_job_e_le_a_situacao_ate_concluir_com_resultado(cliente):
    iniciado = cliente.executar("vivo", payload())

    assert iniciado.job_id and iniciado.status == "queued" and not iniciado.ja_existia
    estado = esperar_fim(cliente, iniciado.job_id)
    assert estado.status == "completed" and estado.final
    assert estado.iniciado_em is not None and estado.finalizado_em is not None
    assert estado.iniciado_em.tzinfo is not None and estado.iniciado_em <= estado.finalizado_em
    assert estado.erro_codigo == "" and estado.erro_mensagem == ""
    assert estado.resultado["arquivos"][0]["url"] == f"/jobs/{iniciado.job_id}/arquivos/fatura-2026-11.pdf"
    assert estado.resultado["numero_fatura"].startswith("VIVO-202611-")


def test_referencia_repetida_adota_o_job_que_ja_existe(cliente, simulador):
    primeiro = cliente.executar("vivo", payload("mesma"))
    segundo = cliente.executar("vivo", payload("mesma"))

    assert segundo.ja_existia is True
    assert segundo.job_id == primeiro.job_id
    estatisticas = simulador.estatisticas()
    assert estatisticas["jobs_por_referencia"] == {"mesma": 1}
    assert estatisticas["posts_por_referencia"] == {"mesma": 2}


def test_job_que_falhou_traz_codigo_e_mensagem_do_robo(cliente, simulador):
    simulador.configurar(falha_login=True)
    iniciado = cliente.executar("claro", payload())

    estado = esperar_fim(cliente, iniciado.job_id)

    assert estado.status == "failed"
    assert estado.erro_codigo == "LOGIN_INVALIDO"
    assert "usuário ou senha inválidos" in estado.erro_mensagem
    assert estado.resultado == {}


# Transient failures: try again later ------------------------------------------------------------------


def test_porta_fechada_e_erro_temporario_de_conexao():
    url = f"http://127.0.0.1:{porta_fechada()}"
    cliente = ApiRobos(url_base=url, token=TOKEN, timeout=0.5)

    with pytest.raises(ErroRPA) as erro:
        cliente.executar("vivo", payload())

    assert erro.value.transitorio is True
    assert erro.value.status is None
    assert str(erro.value) == f"Não foi possível conectar à API de robôs em {url}; será tentado de novo."


def test_servidor_que_nao_responde_estoura_o_timeout_e_o_job_criado_e_adotado_depois(cliente, simulador):
    simulador.configurar(travar_proximas=1, tempo_travamento=2.0)
    inicio = time.monotonic()

    with pytest.raises(ErroRPA) as erro:
        cliente.executar("vivo", payload("travada"))

    assert time.monotonic() - inicio < 1.5
    assert erro.value.transitorio is True
    # The POST reached the robot and its answer was lost: it may have started the job.
    assert erro.value.incerto is True
    assert str(erro.value) == f"A API de robôs em {simulador.url} não respondeu a tempo."
    # The hung POST did start a job: sending again with the same referencia adopts it instead of starting another.
    adotado = cliente.executar("vivo", payload("travada"))
    assert adotado.ja_existia is True
    assert simulador.estatisticas()["jobs_por_referencia"] == {"travada": 1}


@pytest.mark.parametrize(
    "falha, status, detalhe",
    [
        ({"erro_503_proximas": 1}, 503, "Servidor de robôs indisponível no momento."),
        ({"erro_429_proximas": 1}, 429, "Muitas requisições: tente mais tarde."),
    ],
)
def test_robo_ocupado_e_temporario_e_certamente_sem_job(cliente, simulador, falha, status, detalhe):
    simulador.configurar(**falha)

    with pytest.raises(ErroRPA) as erro:
        cliente.executar("vivo", payload())

    assert erro.value.transitorio is True and erro.value.incerto is False
    assert erro.value.status == status
    assert erro.value.retry_after is None
    assert str(erro.value) == f"A API de robôs está ocupada (HTTP {status}); será tentado de novo. ({detalhe})"
    assert simulador.estatisticas()["jobs"] == 0


def test_erro_500_no_envio_deixa_o_desfecho_incerto(cliente, simulador):
    simulador.configurar(erro_500_proximas=1)

    with pytest.raises(ErroRPA) as erro:
        cliente.executar("vivo", payload())

    assert erro.value.transitorio is True and erro.value.incerto is True
    assert str(erro.value) == "A API de robôs respondeu com erro (HTTP 500). (Erro interno do servidor de robôs.)"


def test_conexao_recusada_e_temporaria_e_certamente_sem_job():
    cliente = ApiRobos(url_base=f"http://127.0.0.1:{porta_fechada()}", token=TOKEN, timeout=1)

    with pytest.raises(ErroRPA) as erro:
        cliente.executar("vivo", payload())

    assert erro.value.transitorio is True and erro.value.incerto is False
    assert str(erro.value).startswith("Não foi possível conectar à API de robôs em")


@pytest.mark.parametrize("falha", ["erro_429_proximas", "erro_503_proximas"])
def test_retry_after_da_resposta_vai_para_retry_after_do_erro(cliente, simulador, falha):
    simulador.configurar(**{falha: 1, "retry_after": 7})

    with pytest.raises(ErroRPA) as erro:
        cliente.job("qualquer")

    assert erro.value.transitorio is True
    assert erro.value.retry_after == 7.0


def test_corpo_que_nao_e_json_ao_ler_o_job_e_temporario(cliente, simulador):
    job_id = cliente.executar("vivo", payload()).job_id
    simulador.configurar(corpo_invalido_proximas=1)

    with pytest.raises(ErroRPA) as erro:
        cliente.job(job_id)

    assert erro.value.transitorio is True
    assert str(erro.value) == "A API de robôs respondeu algo que não é JSON; será tentado de novo."
    assert cliente.job(job_id).job_id == job_id


def test_corpo_que_nao_e_json_ao_iniciar_e_temporario(cliente, simulador):
    simulador.configurar(corpo_invalido_proximas=1)

    with pytest.raises(ErroRPA) as erro:
        cliente.executar("vivo", payload())

    assert erro.value.transitorio is True and erro.value.incerto is True
    assert str(erro.value) == "A API de robôs respondeu algo que não é JSON; será tentado de novo."


def test_json_sem_as_chaves_esperadas_ao_ler_o_job_e_temporario(cliente, simulador):
    job_id = cliente.executar("vivo", payload()).job_id
    simulador.configurar(json_incompleto_proximas=1)

    with pytest.raises(ErroRPA) as erro:
        cliente.job(job_id)

    assert erro.value.transitorio is True
    assert str(erro.value) == (f"A API de robôs respondeu uma situação desconhecida para o trabalho {job_id}: vazia.")


def test_json_sem_job_id_ao_iniciar_e_temporario(cliente, simulador):
    simulador.configurar(json_incompleto_proximas=1)

    with pytest.raises(ErroRPA) as erro:
        cliente.executar("vivo", payload())

    assert erro.value.transitorio is True and erro.value.incerto is True
    assert str(erro.value) == "A API de robôs aceitou o trabalho mas não informou o job_id."


def test_logs_com_json_sem_as_chaves_esperadas_voltam_vazios(cliente, simulador):
    job_id = cliente.executar("vivo", payload()).job_id
    simulador.configurar(json_incompleto_proximas=1)

    assert cliente.logs(job_id, desde=1) == []


def test_job_desconhecido_e_job_nao_encontrado_temporario(cliente):
    with pytest.raises(JobNaoEncontrado) as erro:
        cliente.job("nao-existe")

    assert erro.value.transitorio is True
    assert erro.value.status == 404
    assert str(erro.value) == "O robô não conhece mais este trabalho (pode ter sido reiniciado)."


def test_job_perdido_pelo_robo_e_job_nao_encontrado(cliente, simulador):
    job_id = cliente.executar("vivo", payload()).job_id
    simulador.perder_todos_os_jobs()

    with pytest.raises(JobNaoEncontrado):
        cliente.job(job_id)
    with pytest.raises(JobNaoEncontrado):
        cliente.logs(job_id, desde=1)


# Permanent failures: a person must act -----------------------------------------------------------------


def test_token_recusado_e_permanente_e_pede_ao_administrador_que_atualize(simulador):
    cliente = ApiRobos(url_base=simulador.url, token="errado", timeout=0.5)

    with pytest.raises(ErroRPA) as erro:
        cliente.executar("vivo", payload())

    assert erro.value.transitorio is False
    assert erro.value.status == 401
    assert str(erro.value) == (
        "A API de robôs recusou o token. Um administrador precisa atualizar o token em Configuração dos robôs. "
        "(Token inválido ou expirado.)"
    )
    assert not isinstance(erro.value, JobNaoEncontrado)


def test_token_recusado_ao_ler_job_nao_e_confundido_com_job_perdido(cliente, simulador):
    simulador.configurar(token_rejeitado=True)

    with pytest.raises(ErroRPA) as erro:
        cliente.job("qualquer")

    assert not isinstance(erro.value, JobNaoEncontrado)
    assert erro.value.transitorio is False and erro.value.status == 401


def test_robo_desconhecido_e_permanente_e_diz_o_nome_do_robo(cliente, simulador):
    simulador.configurar(robos_inexistentes=["oi"])

    with pytest.raises(ErroRPA) as erro:
        cliente.executar("oi", payload())

    assert erro.value.transitorio is False
    assert erro.value.status == 404
    assert not isinstance(erro.value, JobNaoEncontrado)
    assert str(erro.value) == "A API de robôs não tem o robô “oi”. Confira o código da operadora. (Robô oi não existe.)"


def test_payload_recusado_com_422_e_permanente_com_o_detalhe(cliente, simulador):
    with pytest.raises(ErroRPA) as erro:
        cliente.executar("vivo", payload(competencia="novembro"))

    assert erro.value.transitorio is False
    assert erro.value.status == 422
    assert str(erro.value) == (
        "O robô recusou os dados enviados; confira o cadastro do cliente e a fatura. "
        "(Campo competencia ausente ou inválido: use AAAA-MM.)"
    )
    assert simulador.estatisticas()["jobs"] == 0


# Logs, read leniently ---------------------------------------------------------------------------------


def test_logs_desde_trazem_so_as_linhas_novas_com_nivel_e_quando(cliente):
    job_id = cliente.executar("vivo", payload()).job_id
    esperar_fim(cliente, job_id)

    todas = cliente.logs(job_id, desde=1)
    novas = cliente.logs(job_id, desde=3)

    assert [linha.seq for linha in todas] == list(range(1, len(todas) + 1))
    assert todas[0].mensagem == "Abrindo portal da vivo" and todas[0].nivel == "INFO"
    assert todas[-1].mensagem == "Execução concluída"
    assert all(linha.quando is not None and linha.quando.tzinfo is not None for linha in todas)
    assert novas == todas[2:]


def test_logs_como_texto_sem_proximo_sao_numerados_a_partir_de_desde(cliente, simulador):
    job_id = cliente.executar("vivo", payload()).job_id
    esperar_fim(cliente, job_id)
    estruturadas = cliente.logs(job_id, desde=1)
    simulador.configurar(logs_como_texto=True)

    texto = cliente.logs(job_id, desde=2)

    assert texto == [LinhaLog(linha.seq, None, "INFO", linha.mensagem) for linha in estruturadas[1:]]


def test_logs_repetidos_sao_descartados(cliente, simulador):
    job_id = cliente.executar("vivo", payload()).job_id
    esperar_fim(cliente, job_id)
    simulador.configurar(logs_repetidos=True)

    linhas = cliente.logs(job_id, desde=3)

    # The simulator sends line 2 again; the client drops it.
    assert linhas[0].seq == 3
    assert [linha.seq for linha in linhas] == list(range(3, 3 + len(linhas)))


# Files ----------------------------------------------------------------------------------------------


def test_arquivo_baixado_confere_com_o_sha256(cliente):
    job_id = cliente.executar("vivo", payload()).job_id
    arquivo = esperar_fim(cliente, job_id).resultado["arquivos"][0]

    conteudo = cliente.baixar_arquivo(arquivo["url"], sha256=arquivo["sha256"], tamanho_maximo=10**6)

    assert conteudo.startswith(b"%PDF-")
    assert hashlib.sha256(conteudo).hexdigest() == arquivo["sha256"]
    assert len(conteudo) == arquivo["tamanho"]


def test_arquivo_com_url_absoluta_da_mesma_api_e_aceito(cliente, simulador):
    job_id = cliente.executar("vivo", payload()).job_id
    arquivo = esperar_fim(cliente, job_id).resultado["arquivos"][0]

    conteudo = cliente.baixar_arquivo(simulador.url + arquivo["url"], sha256=arquivo["sha256"], tamanho_maximo=10**6)

    assert hashlib.sha256(conteudo).hexdigest() == arquivo["sha256"]


def test_arquivo_com_sha256_divergente_e_recusado(cliente, simulador):
    simulador.configurar(sha256_errado=True)
    job_id = cliente.executar("vivo", payload()).job_id
    arquivo = esperar_fim(cliente, job_id).resultado["arquivos"][0]

    with pytest.raises(ErroRPA) as erro:
        cliente.baixar_arquivo(arquivo["url"], sha256=arquivo["sha256"], tamanho_maximo=10**6)

    assert erro.value.transitorio is False
    assert erro.value.codigo == "SHA256_DIVERGENTE"
    assert str(erro.value) == "O arquivo baixado do robô não confere com o SHA-256 informado; ele não foi aceito."


def test_arquivo_maior_que_o_limite_e_recusado(cliente):
    job_id = cliente.executar("vivo", payload()).job_id
    arquivo = esperar_fim(cliente, job_id).resultado["arquivos"][0]

    with pytest.raises(ErroRPA) as erro:
        cliente.baixar_arquivo(arquivo["url"], sha256=arquivo["sha256"], tamanho_maximo=100)

    assert erro.value.transitorio is False
    assert erro.value.codigo == "ARQUIVO_GRANDE"


def test_arquivo_em_outro_endereco_nao_e_buscado(cliente, simulador):
    with pytest.raises(ErroRPA) as erro:
        cliente.baixar_arquivo("http://203.0.113.9/fatura.pdf", sha256="", tamanho_maximo=10**6)

    assert erro.value.transitorio is False
    assert "fora da API de robôs" in str(erro.value)
    assert simulador.estatisticas()["requisicoes"] == 0


# Cancelling: not in the contract, only where the configuration names the robot's own endpoint -----------

CANCELAR = "/jobs/{job_id}/cancelar"


def test_cancelar_job_em_andamento_o_torna_cancelado(cliente, simulador):
    simulador.configurar(permitir_cancelar=True)
    job_id = cliente.executar("vivo", payload()).job_id

    cliente.cancelar(job_id, caminho=CANCELAR)

    assert cliente.job(job_id).status == "cancelled"


def test_cancelar_job_terminado_ou_desconhecido_nao_e_erro(cliente, simulador):
    simulador.configurar(permitir_cancelar=True)
    job_id = cliente.executar("vivo", payload()).job_id
    esperar_fim(cliente, job_id)

    cliente.cancelar(job_id, caminho=CANCELAR)
    cliente.cancelar("nao-existe", caminho=CANCELAR)

    assert cliente.job(job_id).status == "completed"


# Text from the robot is text --------------------------------------------------------------------------------


def test_cores_ansi_e_caracteres_de_controle_nos_logs_chegam_como_texto(cliente, simulador):
    simulador.configurar(logs_com_controle=True, duracao=0.3, intervalo_log=0.05)
    job_id = cliente.executar("vivo", payload()).job_id
    esperar_fim(cliente, job_id)

    linhas = cliente.logs(job_id, desde=1)

    assert linhas and all("\x1b" not in linha.mensagem and "\r" not in linha.mensagem for linha in linhas)
    assert linhas[0].mensagem == "␇Abrindo portal da vivo␍"
    assert linhas[1].mensagem.startswith("Fazendo login como ")
