"""People's controls of the robots in the admin: download, send to the SAT, re-run and cancel, and the job's page."""

import pytest
from django.contrib.messages import constants
from django.urls import reverse

from processos.admin import ExecucaoAdmin
from processos.models import Execucao, Processo
from tests.conftest import campo_somente_leitura, mensagens, textos
from tests.factories import ClienteFactory, ExecucaoFactory, ExecucaoLogFactory, OperadoraFactory, ProcessoFactory

pytestmark = pytest.mark.django_db

S = Processo.Status
E = Execucao.Status
T = Execucao.Tipo
LISTA_PROCESSOS = reverse("admin:processos_processo_changelist")
LISTA_EXECUCOES = reverse("admin:processos_execucao_changelist")
SEM_PERMISSAO = ["aprovador", "leitor"]


def url_processo(nome: str, processo: Processo) -> str:
    return reverse(f"admin:processos_processo_{nome}", args=[processo.pk])


def url_execucao(nome: str, execucao: Execucao) -> str:
    return reverse(f"admin:processos_execucao_{nome}", args=[execucao.pk])


def ultima(resposta) -> tuple[int, str]:
    # Messages of an earlier request that nobody opened are still queued: the latest is this request's.
    return mensagens(resposta)[-1]


def acao(client, lista: str, nome: str, objetos):
    dados = {"action": nome, "_selected_action": [str(o.pk) for o in objetos], "index": "0"}
    return client.post(lista, dados)


def sem_robo() -> Processo:
    return ProcessoFactory(
        cliente=ClienteFactory(operadora=OperadoraFactory(possui_rpa=False, nome="Operadora Manual"))
    )


# Download from the process list


def test_operador_baixa_fatura_dos_selecionados(client, operador):
    processos = ProcessoFactory.create_batch(2)
    client.force_login(operador)

    resposta = acao(client, LISTA_PROCESSOS, "baixar_fatura_selecionados", processos)

    assert resposta.status_code == 302
    assert mensagens(resposta) == [(constants.SUCCESS, "2 downloads enfileirados.")]
    for processo in processos:
        execucao = processo.execucoes.get()
        assert execucao.tipo == T.DOWNLOAD_FATURA
        assert execucao.status == E.PENDENTE
        assert execucao.origem == Execucao.Origem.MANUAL
        assert execucao.solicitado_por == operador


def test_baixar_fatura_em_lote_explica_o_que_nao_se_aplica(client, operador):
    pronto = ProcessoFactory()
    aguardando_aprovacao = ProcessoFactory(status=S.AGUARDANDO_APROVACAO)
    manual = sem_robo()
    inativo = ProcessoFactory(cliente=ClienteFactory(ativo=False))
    em_andamento = ProcessoFactory()
    ExecucaoFactory(processo=em_andamento, status=E.EM_EXECUCAO, job_id="job-1")
    client.force_login(operador)

    resposta = acao(
        client,
        LISTA_PROCESSOS,
        "baixar_fatura_selecionados",
        [pronto, aguardando_aprovacao, manual, inativo, em_andamento],
    )

    [(nivel, texto)] = mensagens(resposta)
    assert nivel == constants.WARNING
    assert texto.startswith("1 download enfileirado; 4 não se aplicam (")
    for parte in (
        "1 em outra situação",
        "1 de operadora sem robô",
        "1 de cliente ou operadora inativos",
        "1 já com download em andamento",
    ):
        assert parte in texto
    assert pronto.execucoes.count() == 1
    assert em_andamento.execucoes.count() == 1
    for processo in (aguardando_aprovacao, manual, inativo):
        assert not processo.execucoes.exists()


def test_segundo_baixar_fatura_em_lote_nao_cria_nada_e_avisa(client, operador, processo):
    client.force_login(operador)
    acao(client, LISTA_PROCESSOS, "baixar_fatura_selecionados", [processo])

    resposta = acao(client, LISTA_PROCESSOS, "baixar_fatura_selecionados", [processo])

    assert ultima(resposta) == (
        constants.WARNING,
        "0 downloads enfileirados; 1 não se aplica (1 já com download em andamento).",
    )
    assert processo.execucoes.count() == 1


def test_acoes_dos_robos_aparecem_para_o_operador(client, operador, processo):
    client.force_login(operador)

    conteudo = client.get(LISTA_PROCESSOS).content.decode()

    assert "Baixar fatura dos selecionados" in conteudo
    assert "enviar_sat_selecionados" in conteudo


@pytest.mark.parametrize("papel", SEM_PERMISSAO)
@pytest.mark.parametrize("nome", ["baixar_fatura_selecionados", "enviar_sat_selecionados"])
def test_quem_nao_comanda_robos_nao_ve_nem_roda_acoes_de_processo(client, request, papel, nome):
    processos = [ProcessoFactory(), ProcessoFactory(status=S.AGUARDANDO_ENVIO_SAT)]
    client.force_login(request.getfixturevalue(papel))

    assert nome not in client.get(LISTA_PROCESSOS).content.decode()
    acao(client, LISTA_PROCESSOS, nome, processos)

    assert not Execucao.objects.exists()


# Download button on the process page


def test_botao_baixar_fatura_enfileira_um_download(client, operador, processo):
    client.force_login(operador)
    assert url_processo("baixar_fatura", processo) in client.get(url_processo("change", processo)).content.decode()

    assert client.get(url_processo("baixar_fatura", processo)).status_code == 405
    resposta = client.post(url_processo("baixar_fatura", processo))

    assert resposta.status_code == 302
    assert resposta.url == url_processo("change", processo)
    [(nivel, texto)] = mensagens(resposta)
    assert nivel == constants.SUCCESS
    assert "enfileirado" in texto
    execucao = processo.execucoes.get()
    assert (execucao.tipo, execucao.status, execucao.solicitado_por) == (T.DOWNLOAD_FATURA, E.PENDENTE, operador)
    pagina = client.get(url_processo("change", processo)).content.decode()
    assert url_processo("baixar_fatura", processo) not in pagina
    assert "Robô trabalhando" in pagina
    assert url_execucao("change", execucao) in pagina


def test_segundo_baixar_fatura_com_um_em_andamento_nao_cria_nada_e_avisa(client, operador, processo):
    client.force_login(operador)
    client.post(url_processo("baixar_fatura", processo))

    resposta = client.post(url_processo("baixar_fatura", processo))

    nivel, texto = ultima(resposta)
    assert nivel == constants.WARNING
    assert "já há um download em andamento" in texto
    assert processo.execucoes.count() == 1


def test_baixar_fatura_de_processo_sem_robo_avisa_e_nao_cria_nada(client, operador):
    processo = sem_robo()
    client.force_login(operador)

    assert url_processo("baixar_fatura", processo) not in client.get(url_processo("change", processo)).content.decode()
    resposta = client.post(url_processo("baixar_fatura", processo))
    em_lote = acao(client, LISTA_PROCESSOS, "baixar_fatura_selecionados", [processo])

    [(nivel, texto)] = mensagens(resposta)
    assert nivel == constants.WARNING
    assert "a operadora Operadora Manual não tem robô; envie a fatura manualmente" in texto
    assert textos(em_lote)[-1:] == ["0 downloads enfileirados; 1 não se aplica (1 de operadora sem robô)."]
    assert not Execucao.objects.exists()


def test_baixar_fatura_de_processo_em_outra_situacao_avisa_e_nao_cria_nada(client, operador):
    processo = ProcessoFactory(status=S.AGUARDANDO_APROVACAO)
    client.force_login(operador)

    assert url_processo("baixar_fatura", processo) not in client.get(url_processo("change", processo)).content.decode()
    resposta = client.post(url_processo("baixar_fatura", processo))

    [(nivel, texto)] = mensagens(resposta)
    assert nivel == constants.WARNING
    assert "“Aguardando aprovação”" in texto
    assert not Execucao.objects.exists()


def test_baixar_fatura_depois_de_uma_falha_liga_o_novo_download_a_ela(client, operador, processo):
    falha = ExecucaoFactory(processo=processo, status=E.FALHA, erro="Portal fora do ar.")
    client.force_login(operador)

    client.post(url_processo("baixar_fatura", processo))

    nova = processo.execucoes.get(status=E.PENDENTE)
    assert nova.anterior == falha
    assert nova.tentativa == 2
    assert nova.origem == Execucao.Origem.REEXECUCAO


@pytest.mark.parametrize("papel", SEM_PERMISSAO)
def test_botoes_dos_robos_recusam_quem_nao_comanda_robos(client, request, papel):
    baixar = ProcessoFactory()
    enviar = ProcessoFactory(status=S.AGUARDANDO_ENVIO_SAT)
    client.force_login(request.getfixturevalue(papel))

    assert client.post(url_processo("baixar_fatura", baixar)).status_code == 403
    assert client.post(url_processo("enviar_sat", enviar)).status_code == 403
    assert url_processo("baixar_fatura", baixar) not in client.get(url_processo("change", baixar)).content.decode()
    assert url_processo("enviar_sat", enviar) not in client.get(url_processo("change", enviar)).content.decode()
    assert not Execucao.objects.exists()


# Send to the SAT


def test_botao_enviar_ao_sat_enfileira_um_envio_e_nao_repete(client, operador):
    processo = ProcessoFactory(status=S.AGUARDANDO_ENVIO_SAT)
    client.force_login(operador)
    assert url_processo("enviar_sat", processo) in client.get(url_processo("change", processo)).content.decode()

    primeira = client.post(url_processo("enviar_sat", processo))
    segunda = client.post(url_processo("enviar_sat", processo))

    assert mensagens(primeira)[0][0] == constants.SUCCESS
    nivel, texto = ultima(segunda)
    assert nivel == constants.ERROR
    assert "em andamento" in texto
    execucao = processo.execucoes.get()
    assert (execucao.tipo, execucao.origem, execucao.solicitado_por) == (T.UPLOAD_SAT, Execucao.Origem.MANUAL, operador)
    assert url_processo("enviar_sat", processo) not in client.get(url_processo("change", processo)).content.decode()


def test_enviar_ao_sat_fora_de_situacao_avisa_e_nao_cria_nada(client, operador, processo):
    client.force_login(operador)

    assert url_processo("enviar_sat", processo) not in client.get(url_processo("change", processo)).content.decode()
    resposta = client.post(url_processo("enviar_sat", processo))

    [(nivel, texto)] = mensagens(resposta)
    assert nivel == constants.ERROR
    assert "Não é possível enviar ao SAT" in texto
    assert not Execucao.objects.exists()


def test_enviar_ao_sat_em_lote_avisa_cada_processo_que_nao_se_aplica(client, operador):
    pronto = ProcessoFactory(status=S.AGUARDANDO_ENVIO_SAT)
    sem_fatura = ProcessoFactory()
    client.force_login(operador)

    resposta = acao(client, LISTA_PROCESSOS, "enviar_sat_selecionados", [pronto, sem_fatura])

    assert pronto.execucoes.get().tipo == T.UPLOAD_SAT
    assert not sem_fatura.execucoes.exists()
    recebidas = mensagens(resposta)
    assert (constants.SUCCESS, "1 envio ao SAT enfileirado.") in recebidas
    assert any(
        nivel == constants.WARNING and str(sem_fatura) in texto and "Não é possível enviar ao SAT" in texto
        for nivel, texto in recebidas
    )


# Re-run


def test_reexecutar_cria_nova_execucao_ligada_a_anterior(client, operador, processo):
    falha = ExecucaoFactory(processo=processo, status=E.FALHA, erro="Portal fora do ar.", tentativa=2)
    client.force_login(operador)
    assert url_execucao("reexecutar", falha) in client.get(url_execucao("change", falha)).content.decode()

    assert client.get(url_execucao("reexecutar", falha)).status_code == 405
    resposta = client.post(url_execucao("reexecutar", falha))

    nova = Execucao.objects.get(anterior=falha)
    assert resposta.status_code == 302
    assert resposta.url == url_execucao("change", nova)
    assert mensagens(resposta) == [
        (constants.SUCCESS, "Reexecução enfileirada (tentativa 3): o robô começa assim que houver vaga.")
    ]
    assert nova.tentativa == 3
    assert nova.origem == Execucao.Origem.REEXECUCAO
    assert nova.status == E.PENDENTE
    assert nova.solicitado_por == operador
    falha.refresh_from_db()
    assert falha.status == E.FALHA
    assert url_execucao("change", nova) in client.get(url_execucao("change", falha)).content.decode()
    assert url_execucao("change", falha) in client.get(url_execucao("change", nova)).content.decode()


def test_reexecutar_cancelada_tambem_vale(client, operador, processo):
    cancelada = ExecucaoFactory(processo=processo, status=E.CANCELADA)
    client.force_login(operador)

    client.post(url_execucao("reexecutar", cancelada))

    assert Execucao.objects.get(anterior=cancelada).tentativa == 2


def test_reexecutar_execucao_com_sucesso_e_recusado_sem_efeitos(client, operador):
    sucesso = ExecucaoFactory(status=E.SUCESSO)
    client.force_login(operador)

    assert url_execucao("reexecutar", sucesso) not in client.get(url_execucao("change", sucesso)).content.decode()
    resposta = client.post(url_execucao("reexecutar", sucesso))

    assert resposta.url == url_execucao("change", sucesso)
    [(nivel, texto)] = mensagens(resposta)
    assert nivel == constants.ERROR
    assert "Só execuções com falha ou canceladas" in texto
    assert Execucao.objects.count() == 1


def test_reexecutar_com_outra_em_andamento_e_recusado(client, operador, processo):
    falha = ExecucaoFactory(processo=processo, status=E.FALHA)
    ExecucaoFactory(processo=processo, status=E.PENDENTE)
    client.force_login(operador)

    resposta = client.post(url_execucao("reexecutar", falha))

    assert "em andamento" in textos(resposta)[0]
    assert not Execucao.objects.filter(anterior=falha).exists()


def test_reexecutar_em_lote(client, operador):
    falha = ExecucaoFactory(status=E.FALHA)
    cancelada = ExecucaoFactory(status=E.CANCELADA)
    sucesso = ExecucaoFactory(status=E.SUCESSO)
    client.force_login(operador)

    resposta = acao(client, LISTA_EXECUCOES, "reexecutar_selecionadas", [falha, cancelada, sucesso])

    assert Execucao.objects.get(anterior=falha).tentativa == 2
    assert Execucao.objects.get(anterior=cancelada).tentativa == 2
    assert not Execucao.objects.filter(anterior=sucesso).exists()
    recebidas = mensagens(resposta)
    assert (constants.SUCCESS, "2 reexecuções enfileiradas.") in recebidas
    assert any(nivel == constants.WARNING and str(sucesso) in texto for nivel, texto in recebidas)


# Cancel


def test_cancelar_move_pendente_para_cancelada(client, operador):
    pendente = ExecucaoFactory(status=E.PENDENTE)
    client.force_login(operador)
    assert url_execucao("cancelar", pendente) in client.get(url_execucao("change", pendente)).content.decode()

    resposta = client.post(url_execucao("cancelar", pendente))

    assert resposta.url == url_execucao("change", pendente)
    assert mensagens(resposta) == [(constants.SUCCESS, "Execução cancelada.")]
    pendente.refresh_from_db()
    assert pendente.status == E.CANCELADA
    assert pendente.finalizado_em is not None
    assert str(operador) in pendente.erro


def test_cancelar_execucao_com_sucesso_e_recusado_sem_efeitos(client, operador):
    sucesso = ExecucaoFactory(status=E.SUCESSO, resultado={"protocolo": "SAT-1"})
    antes = Execucao.objects.filter(pk=sucesso.pk).values().get()
    client.force_login(operador)

    assert url_execucao("cancelar", sucesso) not in client.get(url_execucao("change", sucesso)).content.decode()
    resposta = client.post(url_execucao("cancelar", sucesso))

    [(nivel, texto)] = mensagens(resposta)
    assert nivel == constants.ERROR
    assert "não pode ser cancelada" in texto
    assert Execucao.objects.filter(pk=sucesso.pk).values().get() == antes


def test_cancelar_em_execucao_diz_que_o_robo_segue_com_o_trabalho(client, operador, simulador, configuracao_rpa):
    rodando = ExecucaoFactory(status=E.EM_EXECUCAO, job_id="job-no-robo")
    client.force_login(operador)

    resposta = client.post(url_execucao("cancelar", rodando))

    # The contract has no cancel call: nothing is asked of the robot, and the person is told so.
    assert simulador.estatisticas()["requisicoes"] == 0
    rodando.refresh_from_db()
    assert rodando.status == E.CANCELADA and rodando.robo_ocupado
    (nivel, texto), *_ = mensagens(resposta)
    assert nivel == constants.SUCCESS
    assert texto.endswith(
        "O robô não permite cancelar; o trabalho segue no robô até terminar e continua contando no limite."
    )


def test_cancelar_em_lote(client, operador):
    pendentes = ExecucaoFactory.create_batch(2, status=E.PENDENTE)
    sucesso = ExecucaoFactory(status=E.SUCESSO)
    client.force_login(operador)

    resposta = acao(client, LISTA_EXECUCOES, "cancelar_selecionadas", [*pendentes, sucesso])

    for execucao in pendentes:
        execucao.refresh_from_db()
        assert execucao.status == E.CANCELADA
    sucesso.refresh_from_db()
    assert sucesso.status == E.SUCESSO
    recebidas = mensagens(resposta)
    assert (constants.SUCCESS, "2 execuções canceladas.") in recebidas
    assert any(nivel == constants.WARNING and "não pode ser cancelada" in texto for nivel, texto in recebidas)


@pytest.mark.parametrize("papel", SEM_PERMISSAO)
def test_quem_nao_comanda_robos_nao_reexecuta_nem_cancela(client, request, papel):
    falha = ExecucaoFactory(status=E.FALHA)
    pendente = ExecucaoFactory(status=E.PENDENTE)
    client.force_login(request.getfixturevalue(papel))

    assert client.post(url_execucao("reexecutar", falha)).status_code == 403
    assert client.post(url_execucao("cancelar", pendente)).status_code == 403
    lista = client.get(LISTA_EXECUCOES).content.decode()
    assert "reexecutar_selecionadas" not in lista
    assert "cancelar_selecionadas" not in lista
    acao(client, LISTA_EXECUCOES, "reexecutar_selecionadas", [falha])
    acao(client, LISTA_EXECUCOES, "cancelar_selecionadas", [pendente])
    pagina = client.get(url_execucao("change", falha)).content.decode()
    assert url_execucao("reexecutar", falha) not in pagina

    assert Execucao.objects.count() == 2
    pendente.refresh_from_db()
    assert pendente.status == E.PENDENTE


# The job's page


def test_pagina_da_execucao_com_falha_mostra_erro_em_destaque_log_e_cadeia(client, leitor, processo):
    primeira = ExecucaoFactory(processo=processo, status=E.FALHA, erro="Portal fora do ar.")
    falha = ExecucaoFactory(
        processo=processo,
        status=E.FALHA,
        anterior=primeira,
        tentativa=2,
        origem=Execucao.Origem.AUTOMATICA,
        job_id="job-abc-123",
        erro="O portal recusou o login do cliente.",
    )
    ExecucaoLogFactory(execucao=falha, mensagem="Abrindo o portal da operadora")
    client.force_login(leitor)

    conteudo = client.get(url_execucao("change", falha)).content.decode()

    assert 'class="brm-erro"' in conteudo
    assert "O portal recusou o login do cliente." in conteudo
    assert 'class="brm-badge"' in conteudo
    assert "job-abc-123" in conteudo
    assert "Abrindo o portal da operadora" in conteudo
    assert url_execucao("change", primeira) in conteudo
    assert url_processo("change", processo) in conteudo
    assert url_execucao("reexecutar", falha) not in conteudo
    assert 'name="_save"' not in conteudo


def test_pagina_da_execucao_mostra_resultado_como_json_legivel(client, admin_user):
    execucao = ExecucaoFactory(
        status=E.SUCESSO, tipo=T.UPLOAD_SAT, resultado={"protocolo": "SAT-2026-000123", "observacao": "ação"}
    )
    client.force_login(admin_user)

    resposta = client.get(url_execucao("change", execucao))

    conteudo = resposta.content.decode()
    assert 'class="brm-json"' in conteudo
    assert "&quot;protocolo&quot;: &quot;SAT-2026-000123&quot;" in conteudo
    # As written, not as \u escapes ("ação" alone is on every page: "Situação", "Configuração").
    assert '"observacao": "ação"' in campo_somente_leitura(resposta, "resultado_formatado")
    assert 'class="brm-erro"' not in conteudo


def test_execucao_mostra_log_e_nao_edita_o_que_o_robo_escreve(client, admin_user):
    execucao = ExecucaoFactory(status=Execucao.Status.FALHA, erro="Login recusado pelo portal.")
    ExecucaoLogFactory(execucao=execucao, mensagem="Abrindo o portal da operadora")
    client.force_login(admin_user)

    resposta = client.get(url_execucao("change", execucao))

    conteudo = resposta.content.decode()
    assert "Abrindo o portal da operadora" in conteudo
    assert "Login recusado pelo portal." in conteudo
    for campo in ("status", "erro", "job_id", "processo", "resultado"):
        assert f'name="{campo}"' not in conteudo


def test_execucao_que_ainda_ocupa_o_robo_aparece_assim_na_lista_e_na_pagina(client, leitor):
    deixada = ExecucaoFactory(status=E.CANCELADA, job_id="job-9", robo_ocupado=True)
    livre = ExecucaoFactory(status=E.CANCELADA)
    client.force_login(leitor)

    lista = client.get(reverse("admin:processos_execucao_changelist"))
    pagina = client.get(url_execucao("change", deixada))

    assert lista.status_code == pagina.status_code == 200
    situacoes = {linha.pk: str(ExecucaoAdmin.situacao(None, linha)) for linha in lista.context["cl"].result_list}
    assert "ainda no robô" in situacoes[deixada.pk] and "ainda no robô" not in situacoes[livre.pk]
    assert "ainda no robô" in pagina.content.decode()
