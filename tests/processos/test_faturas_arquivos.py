"""Every invoice file a process has had (`FaturaArquivo`), written by the transitions; a manual upload cancels the
download the robot is running, and the robot's later end of that job leaves it cancelled and frees its slot.

Robot jobs run against the simulator as a real HTTP server, driven step by step as the workers would."""

import datetime as dt
import hashlib
import importlib
import threading
import time
from decimal import Decimal

import pytest
from django.apps import apps
from django.contrib.auth.models import Permission
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection, transaction
from django.db.migrations.loader import MigrationLoader
from django.utils import timezone

from brm.common.errors import ErroDeNegocio
from brm.rpa.api_robos import ApiRobos
from processos.models import Execucao, ExecucaoEvento, FaturaArquivo, Processo
from processos.services import (
    execucao_enviar,
    execucao_mudar_status,
    execucao_solicitar,
    execucoes_acompanhar,
    execucoes_despachar,
    execucoes_no_robo,
    filas,
    processo_aprovar,
    processo_registrar_fatura,
    processo_rejeitar,
)
from processos.services.conclusao import execucao_concluir
from tests.conftest import PDF_MINIMO, Tarefa, esperar, recusado_pelo_banco
from tests.factories import ConfiguracaoRPAFactory, ExecucaoFactory, ProcessoFactory, UsuarioFactory

pytestmark = pytest.mark.django_db

E = Execucao.Status
T = Execucao.Tipo
S = Processo.Status
F = FaturaArquivo.Status
OUTRO_PDF = PDF_MINIMO.replace(b"%%EOF", b"% segunda fatura\n%%EOF")


@pytest.fixture(autouse=True)
def tarefas(tarefas, monkeypatch):
    monkeypatch.setattr(
        filas, "acompanhamento_agendar", lambda **kwargs: tarefas.append(Tarefa("agendar_acompanhamento", (), {}))
    )
    return tarefas


@pytest.fixture
def configuracao(simulador, media):
    return ConfiguracaoRPAFactory(
        url_base=simulador.url,
        token=simulador.token,
        limite_global=5,
        intervalo_polling_ms=100,
        timeout_http_segundos=1,
    )


def enviar(processo, por, pdf, conteudo=PDF_MINIMO, **campos) -> Processo:
    return processo_registrar_fatura(
        processo=processo,
        arquivo=pdf(conteudo=conteudo),
        por=por,
        nome_original="minha fatura.pdf",
        valor_total=campos.pop("valor_total", Decimal("1234.56")),
        vencimento=campos.pop("vencimento", dt.date(2026, 12, 10)),
        numero_fatura=campos.pop("numero_fatura", "NF-1"),
        **campos,
    )


def despachar_e_enviar() -> None:
    for pk in execucoes_despachar():
        execucao_enviar(execucao_id=pk)


def robo(simulador) -> ApiRobos:
    return ApiRobos(url_base=simulador.url, token=simulador.token, timeout=2)


# The files are kept, with their fate ----------------------------------------------------------------------------


def test_envio_manual_guarda_o_arquivo_aguardando_aprovacao(media, operador, pdf):
    processo = enviar(ProcessoFactory(), operador, pdf)

    arquivo = FaturaArquivo.objects.get(processo=processo)
    assert arquivo.arquivo.name == processo.fatura.name
    assert arquivo.sha256 == hashlib.sha256(PDF_MINIMO).hexdigest() == processo.fatura_sha256
    assert (arquivo.nome_original, arquivo.valor_total, arquivo.vencimento, arquivo.numero_fatura) == (
        "minha_fatura.pdf",
        Decimal("1234.56"),
        dt.date(2026, 12, 10),
        "NF-1",
    )
    assert (arquivo.origem, arquivo.enviado_por, arquivo.execucao) == (FaturaArquivo.Origem.MANUAL, operador, None)
    assert (arquivo.status, arquivo.decidido_por, arquivo.decidido_em) == (F.AGUARDANDO_APROVACAO, None, None)


def test_rejeitar_marca_o_arquivo_como_rejeitado_e_o_arquivo_fica_guardado(media, operador, aprovador, pdf):
    processo = enviar(ProcessoFactory(), operador, pdf)
    nome = processo.fatura.name

    processo = processo_rejeitar(processo=processo, por=aprovador, motivo="Valor não confere com o contrato.")

    assert processo.fatura.name == "" and processo.status == S.AGUARDANDO_DOWNLOAD
    arquivo = FaturaArquivo.objects.get(processo=processo)
    assert arquivo.status == F.REJEITADA
    assert arquivo.motivo_rejeicao == "Valor não confere com o contrato."
    assert arquivo.decidido_por == aprovador and arquivo.decidido_em is not None
    assert arquivo.arquivo.name == nome
    assert default_storage.exists(nome)


def test_aprovar_marca_o_arquivo_como_aprovado(media, operador, aprovador, pdf):
    processo = enviar(ProcessoFactory(), operador, pdf)

    processo_aprovar(processo=processo, por=aprovador)

    arquivo = FaturaArquivo.objects.get(processo=processo)
    assert (arquivo.status, arquivo.decidido_por, arquivo.motivo_rejeicao) == (F.APROVADA, aprovador, "")
    assert arquivo.decidido_em is not None


def test_nova_fatura_depois_da_rejeicao_fica_ao_lado_da_rejeitada(media, operador, aprovador, pdf):
    processo = enviar(ProcessoFactory(), operador, pdf)
    processo = processo_rejeitar(processo=processo, por=aprovador, motivo="Fatura de outro cliente.")

    processo = enviar(processo, operador, pdf, conteudo=OUTRO_PDF, valor_total=Decimal("10.00"))

    rejeitada, atual = FaturaArquivo.objects.filter(processo=processo).order_by("criado_em")
    assert rejeitada.status == F.REJEITADA and atual.status == F.AGUARDANDO_APROVACAO
    assert rejeitada.sha256 == hashlib.sha256(PDF_MINIMO).hexdigest()
    assert atual.sha256 == hashlib.sha256(OUTRO_PDF).hexdigest() == processo.fatura_sha256
    assert atual.valor_total == Decimal("10.00") and rejeitada.valor_total == Decimal("1234.56")
    assert default_storage.exists(rejeitada.arquivo.name) and default_storage.exists(atual.arquivo.name)


def test_envio_recusado_nao_guarda_arquivo(media, operador, pdf):
    processo = ProcessoFactory(status=S.AGUARDANDO_ENVIO_SAT)

    with pytest.raises(ErroDeNegocio):
        enviar(processo, operador, pdf)

    assert not FaturaArquivo.objects.exists()


def test_banco_recusa_duas_faturas_vigentes_no_mesmo_processo(media, operador, pdf):
    processo = enviar(ProcessoFactory(), operador, pdf)
    vigente = FaturaArquivo.objects.get(processo=processo)

    with recusado_pelo_banco("faturaarquivo_uma_vigente_por_processo", "processo_id"):
        FaturaArquivo.objects.create(
            processo=processo, arquivo=vigente.arquivo.name, sha256=vigente.sha256, origem=FaturaArquivo.Origem.ROBO
        )
    # Rejected ones are as many as there were.
    FaturaArquivo.objects.create(
        processo=processo, arquivo="x.pdf", sha256="0" * 64, origem=FaturaArquivo.Origem.ROBO, status=F.REJEITADA
    )


def test_download_do_robo_guarda_o_arquivo_ligado_a_execucao(simulador, configuracao, operador):
    execucao = execucao_solicitar(processo=ProcessoFactory(), tipo=T.DOWNLOAD_FATURA, por=operador)

    def terminou():
        despachar_e_enviar()
        execucoes_acompanhar()
        execucao.refresh_from_db()
        return execucao.status in (E.SUCESSO, E.FALHA)

    esperar(terminou, prazo=10, descricao="o fim do download")

    assert execucao.status == E.SUCESSO
    processo = Processo.objects.get(pk=execucao.processo_id)
    arquivo = FaturaArquivo.objects.get(processo=processo)
    assert (arquivo.origem, arquivo.enviado_por, arquivo.execucao) == (FaturaArquivo.Origem.ROBO, None, execucao)
    assert arquivo.arquivo.name == processo.fatura.name and arquivo.sha256 == processo.fatura_sha256
    assert arquivo.valor_total == processo.valor_total and arquivo.numero_fatura == processo.numero_fatura


# A manual upload while the robot is fetching the invoice -------------------------------------------------------


def frase(pessoa) -> str:
    return f"Cancelado: a fatura foi enviada manualmente por {pessoa}."


def test_envio_manual_cancela_o_download_pendente_com_a_frase(
    media, simulador, configuracao, operador, pdf, tarefas, django_capture_on_commit_callbacks
):
    processo = ProcessoFactory()
    download = execucao_solicitar(processo=processo, tipo=T.DOWNLOAD_FATURA, por=operador)
    tarefas.clear()

    with django_capture_on_commit_callbacks(execute=True):
        processo = enviar(processo, operador, pdf)

    assert processo.status == S.AGUARDANDO_APROVACAO
    download.refresh_from_db()
    assert download.status == E.CANCELADA
    assert download.erro == frase(operador)
    assert download.finalizado_em is not None and not download.robo_ocupado
    evento = download.eventos.order_by("quando").last()
    assert (evento.de, evento.para, evento.por, evento.motivo) == (E.PENDENTE, E.CANCELADA, operador, frase(operador))
    # Nothing had reached the robot: its slot goes to the next job at once.
    assert ("despachar_execucoes", (), {}) in tarefas
    assert simulador.estatisticas()["requisicoes"] == 0


def test_envio_manual_de_quem_nao_comanda_robos_cancela_o_download_mesmo_assim(media, configuracao, pdf):
    so_envia = UsuarioFactory(nome="Bia Envia")
    so_envia.groups.clear()
    so_envia.user_permissions.add(Permission.objects.get(codename="enviar_fatura"))
    so_envia = type(so_envia).objects.get(pk=so_envia.pk)
    processo = ProcessoFactory()
    download = execucao_solicitar(processo=processo, tipo=T.DOWNLOAD_FATURA, por=None)

    enviar(processo, so_envia, pdf)

    download.refresh_from_db()
    assert download.status == E.CANCELADA
    assert download.erro == "Cancelado: a fatura foi enviada manualmente por Bia Envia."


def test_envio_manual_recusado_nao_cancela_o_download(media, configuracao, operador, pdf):
    processo = ProcessoFactory()
    download = execucao_solicitar(processo=processo, tipo=T.DOWNLOAD_FATURA, por=operador)

    with pytest.raises(ErroDeNegocio):
        enviar(processo, operador, pdf, conteudo=b"isto nao e um pdf")

    download.refresh_from_db()
    assert download.status == E.PENDENTE
    assert not FaturaArquivo.objects.exists()


def test_envio_manual_nao_mexe_no_envio_ao_sat_nem_em_downloads_terminados(media, configuracao, operador, pdf):
    processo = ProcessoFactory()
    falhou = ExecucaoFactory(processo=processo, status=E.FALHA, erro="Portal fora do ar.")

    enviar(processo, operador, pdf)

    falhou.refresh_from_db()
    assert falhou.status == E.FALHA and falhou.erro == "Portal fora do ar."


def test_download_em_execucao_cancelado_pelo_envio_termina_cancelado_no_robo_e_libera_a_vaga(
    simulador, configuracao, operador, pdf, django_capture_on_commit_callbacks
):
    simulador.configurar(duracao=0.6)
    processo = ProcessoFactory()
    download = execucao_solicitar(processo=processo, tipo=T.DOWNLOAD_FATURA, por=operador)
    despachar_e_enviar()
    download.refresh_from_db()
    assert download.status == E.EM_EXECUCAO and download.job_id

    with django_capture_on_commit_callbacks(execute=True):
        processo = enviar(processo, operador, pdf)

    download.refresh_from_db()
    assert download.status == E.CANCELADA
    assert download.erro.startswith(frase(operador))
    # The robot goes on with the job (the contract has no cancel): the slot stays taken until it ends.
    assert download.robo_ocupado and download in execucoes_no_robo()
    esperar(lambda: robo(simulador).job(download.job_id).final, prazo=5, descricao="o fim do job no robô")

    # The robot is asked about a job BRM let go of at a slower pace: its turn comes.
    Execucao.objects.filter(pk=download.pk).update(robo_consultado_em=timezone.now() - dt.timedelta(minutes=1))
    with django_capture_on_commit_callbacks(execute=True):
        execucoes_acompanhar()

    download.refresh_from_db()
    assert download.status == E.CANCELADA and not download.robo_ocupado
    assert download.erro.startswith(frase(operador))
    assert download not in execucoes_no_robo()
    assert not download.eventos.filter(para=E.FALHA).exists()
    assert not Execucao.objects.filter(anterior=download).exists()
    processo.refresh_from_db()
    assert processo.status == S.AGUARDANDO_APROVACAO
    assert processo.fatura_sha256 == hashlib.sha256(PDF_MINIMO).hexdigest()
    assert FaturaArquivo.objects.filter(processo=processo).count() == 1


def test_robo_que_termina_o_download_ja_cancelado_pelo_envio_nao_o_transforma_em_falha(
    simulador, configuracao, operador, pdf
):
    """The poll read the job while it still ran, and reaches its end after the person's upload cancelled it."""
    simulador.configurar(duracao=0.2)
    processo = ProcessoFactory()
    download = execucao_solicitar(processo=processo, tipo=T.DOWNLOAD_FATURA, por=operador)
    despachar_e_enviar()
    lida_pelo_acompanhamento = Execucao.objects.select_related("processo__cliente__operadora", "solicitado_por").get(
        pk=download.pk
    )
    assert lida_pelo_acompanhamento.status == E.EM_EXECUCAO
    enviar(processo, operador, pdf)
    estado = esperar(
        lambda: (e := robo(simulador).job(lida_pelo_acompanhamento.job_id)).final and e,
        prazo=5,
        descricao="o fim do job no robô",
    )
    assert estado.status == "completed"

    fim = execucao_concluir(lida_pelo_acompanhamento, estado, robo(simulador))

    assert fim == E.EM_EXECUCAO  # what the stale copy says; the row itself was not touched
    download.refresh_from_db()
    assert download.status == E.CANCELADA and download.erro.startswith(frase(operador))
    assert list(download.eventos.values_list("para", flat=True).order_by("quando")) == [
        E.PENDENTE,
        E.ENVIANDO,
        E.EM_EXECUCAO,
        E.CANCELADA,
    ]
    processo.refresh_from_db()
    assert processo.fatura_sha256 == hashlib.sha256(PDF_MINIMO).hexdigest()
    assert FaturaArquivo.objects.filter(processo=processo).count() == 1
    assert not ExecucaoEvento.objects.filter(execucao=download, para=E.FALHA).exists()


# The data migration ------------------------------------------------------------------------------------------


def migracao_das_faturas():
    loader = MigrationLoader(None, ignore_no_migrations=True)
    [nome] = [nome for app, nome in loader.disk_migrations if app == "processos" and nome.endswith("_faturaarquivo")]
    return importlib.import_module(f"processos.migrations.{nome}")


def test_migracao_cria_os_arquivos_das_faturas_atuais_e_acha_as_rejeitadas_no_armazenamento(
    media, operador, aprovador, pdf
):
    # A process approved after a rejection, one waiting approval sent by the robot, one rejected and not sent again,
    # and one that never had an invoice: made by the services, then the table emptied as before the migration.
    aprovado = enviar(ProcessoFactory(), operador, pdf)
    aprovado = processo_rejeitar(processo=aprovado, por=aprovador, motivo="Fatura ilegível.")
    aprovado = enviar(aprovado, operador, pdf, conteudo=OUTRO_PDF)
    aprovado = processo_aprovar(processo=aprovado, por=aprovador)
    do_robo = enviar(ProcessoFactory(), None, pdf)
    rejeitado = enviar(ProcessoFactory(), operador, pdf)
    rejeitado = processo_rejeitar(processo=rejeitado, por=aprovador, motivo="Não é deste mês.")
    sem_fatura = ProcessoFactory()
    antes = {
        (a.processo_id, a.status): (a.arquivo.name, a.sha256, a.origem, a.enviado_por_id, a.decidido_por_id)
        for a in FaturaArquivo.objects.all()
    }
    FaturaArquivo.objects.all().delete()

    migracao_das_faturas().arquivos_das_faturas_criar(apps, None)

    depois = {
        (a.processo_id, a.status): (a.arquivo.name, a.sha256, a.origem, a.enviado_por_id, a.decidido_por_id)
        for a in FaturaArquivo.objects.all()
    }
    assert depois == antes
    assert set(depois) == {
        (aprovado.pk, F.REJEITADA),
        (aprovado.pk, F.APROVADA),
        (do_robo.pk, F.AGUARDANDO_APROVACAO),
        (rejeitado.pk, F.REJEITADA),
    }
    assert FaturaArquivo.objects.get(processo=rejeitado).motivo_rejeicao == "Não é deste mês."
    atual = FaturaArquivo.objects.get(processo=aprovado, status=F.APROVADA)
    assert (atual.valor_total, atual.numero_fatura) == (Decimal("1234.56"), "NF-1")
    assert not FaturaArquivo.objects.filter(processo=sem_fatura).exists()

    # Run again, nothing more.
    migracao_das_faturas().arquivos_das_faturas_criar(apps, None)
    assert FaturaArquivo.objects.count() == 4


def test_migracao_sem_o_arquivo_rejeitado_no_armazenamento_nao_inventa_linha(media, operador, aprovador, pdf):
    processo = enviar(ProcessoFactory(), operador, pdf)
    processo = processo_rejeitar(processo=processo, por=aprovador, motivo="Errada.")
    default_storage.delete(FaturaArquivo.objects.get().arquivo.name)
    FaturaArquivo.objects.all().delete()

    migracao_das_faturas().arquivos_das_faturas_criar(apps, None)

    assert not FaturaArquivo.objects.exists()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_envio_manual_e_fim_do_download_ao_mesmo_tempo_nao_se_travam(monkeypatch, operador, media, pdf):
    """The robot's end holds the job's row and is about to write the process when the person's upload comes: the
    upload waits for the job (it takes the job's row before the process's, in the same order), then finds the
    process already moved and is refused, instead of the two transactions deadlocking."""
    # Commits are real here: what they queue on commit would reach the shared Redis.
    monkeypatch.setattr(transaction, "on_commit", lambda funcao, using=None, robust=False: None)
    processo = ProcessoFactory()
    download = ExecucaoFactory(processo=processo, status=E.EM_EXECUCAO, job_id="job-1", solicitado_por=operador)
    assert operador.has_perm("processos.enviar_fatura")
    robo_travou, envio_comecou = threading.Event(), threading.Event()
    resultados: dict[str, object] = {}

    def fim_do_download():
        try:
            with transaction.atomic():
                execucao_mudar_status(execucao=download, de=E.EM_EXECUCAO, para=E.SUCESSO, motivo="O robô terminou.")
                robo_travou.set()
                envio_comecou.wait(timeout=10)
                time.sleep(0.5)  # the upload reaches the job's row and waits there
                processo_registrar_fatura(
                    processo=Processo.objects.get(pk=processo.pk),
                    arquivo=ContentFile(OUTRO_PDF, name="baixada.pdf"),
                    por=None,
                    execucao=download,
                )
            resultados["robo"] = "gravou"
        except BaseException as exc:
            resultados["robo"] = exc
        finally:
            connection.close()

    def envio_manual():
        try:
            robo_travou.wait(timeout=10)
            envio_comecou.set()
            enviar(Processo.objects.get(pk=processo.pk), operador, pdf)
            resultados["pessoa"] = "gravou"
        except BaseException as exc:
            resultados["pessoa"] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=fim_do_download), threading.Thread(target=envio_manual)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert resultados["robo"] == "gravou", resultados
    assert isinstance(resultados["pessoa"], ErroDeNegocio), resultados
    assert "alterado por outra pessoa" in resultados["pessoa"].mensagem
    download.refresh_from_db()
    assert download.status == E.SUCESSO
    processo.refresh_from_db()
    assert processo.status == S.AGUARDANDO_APROVACAO
    assert processo.fatura_sha256 == hashlib.sha256(OUTRO_PDF).hexdigest()
    assert list(FaturaArquivo.objects.filter(processo=processo).values_list("origem", flat=True)) == ["ROBO"]
    # The refused upload left no file behind.
    assert [p.name for p in media.rglob("*.pdf")] == [processo.fatura.name.rsplit("/", 1)[-1]]
