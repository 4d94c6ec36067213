"""The grouped e-mails: ten robot jobs that fail for good, through the real failure path against the simulator,
reach a real SMTP server (aiosmtpd on 127.0.0.1) as ONE e-mail; the next one of that kind waits for the hour;
an SMTP server that refuses loses nothing; a sender that dies mid-send repeats, never loses."""

import datetime as dt
from concurrent.futures import ThreadPoolExecutor

import pytest
import time_machine
from celery.exceptions import SoftTimeLimitExceeded
from django.core.mail import EmailMultiAlternatives
from django.db import connection
from django.utils import timezone

from brm.alertas.models import EnvioDeAlerta, EventoDeAlerta, TipoDeAlerta
from brm.alertas.services import INTERVALO, RESERVA, alerta_registrar, alertas_enviar
from processos.models import Execucao
from processos.services import execucao_enviar, execucao_solicitar, execucoes_acompanhar, execucoes_despachar, filas
from tests.conftest import esperar, porta_fechada
from tests.factories import ConfiguracaoRPAFactory, ProcessoFactory

from .conftest import html, mensagem, texto

pytestmark = pytest.mark.django_db

T = TipoDeAlerta
E = Execucao.Status
P = EventoDeAlerta.Status
FINAIS = {E.SUCESSO, E.FALHA, E.CANCELADA}


@pytest.fixture(autouse=True)
def tarefas(tarefas, monkeypatch):
    """Tasks recorded instead of sent; the poll's helper goes through Redis before Celery, so it is left out: the
    tests drive dispatch, send and poll themselves, as the workers would."""
    monkeypatch.setattr(filas, "acompanhamento_agendar", lambda **kwargs: None)
    return tarefas


@pytest.fixture
def configuracao(simulador, media):
    # One automatic re-run: a job fails for good on its second attempt.
    return ConfiguracaoRPAFactory(
        url_base=simulador.url,
        token=simulador.token,
        limite_global=10,
        intervalo_polling_ms=100,
        timeout_http_segundos=1,
        reexecucoes_automaticas=1,
    )


def rodar(execucoes: list[Execucao], *, apressando: bool = False) -> None:
    """Dispatch, send and poll until every execution ends (bounded)."""

    def terminaram() -> bool:
        if apressando:
            Execucao.objects.filter(pk__in=[e.pk for e in execucoes], status=E.PENDENTE).update(
                proxima_tentativa_em=timezone.now() - dt.timedelta(seconds=1)
            )
        for pk in execucoes_despachar():
            execucao_enviar(execucao_id=pk)
        execucoes_acompanhar()
        for execucao in execucoes:
            execucao.refresh_from_db()
        return all(execucao.status in FINAIS for execucao in execucoes)

    esperar(
        terminaram,
        prazo=20,
        descricao="o fim das execuções",
        detalhe=lambda: ", ".join(f"{e.pk} {e.status} {e.erro}" for e in execucoes),
    )


def assunto(envelope) -> str:
    # A folded, encoded header comes back with the space of its fold.
    return str(mensagem(envelope)["Subject"]).strip()


def test_dez_falhas_definitivas_chegam_num_unico_email_e_a_decima_primeira_espera_a_hora(
    simulador, configuracao, operador, smtp, receber, settings
):
    settings.BRM_URL_BASE = "https://brm.exemplo.com.br"
    receber(T.EXECUCAO_FALHOU, email="plantao@brm.test")
    simulador.configurar(taxa_falha=1.0)
    primeiras = [
        execucao_solicitar(processo=ProcessoFactory(), tipo=Execucao.Tipo.DOWNLOAD_FATURA, por=operador)
        for _ in range(10)
    ]

    rodar(primeiras)

    # Each first failure queued its automatic re-run: nobody needs to hear of it yet.
    assert {execucao.status for execucao in primeiras} == {E.FALHA}
    assert not EventoDeAlerta.objects.exists()
    reexecucoes = [Execucao.objects.get(anterior=execucao) for execucao in primeiras]
    assert {(r.origem, r.tentativa) for r in reexecucoes} == {(Execucao.Origem.AUTOMATICA, 2)}

    rodar(reexecucoes, apressando=True)

    # The last automatic re-run failed too: ten failures for good, ten events, no e-mail yet.
    assert {execucao.status for execucao in reexecucoes} == {E.FALHA}
    assert not Execucao.objects.filter(anterior__in=reexecucoes).exists()
    assert EventoDeAlerta.objects.filter(tipo=T.EXECUCAO_FALHOU, status=P.PENDENTE).count() == 10
    assert smtp.envelopes == []

    resultado = alertas_enviar()

    assert resultado.enviados == {T.EXECUCAO_FALHOU.value: 10}
    (envelope,) = smtp.envelopes
    assert envelope.rcpt_tos == ["plantao@brm.test"]
    assert assunto(envelope) == "BRM · 10 execuções falharam sem nova tentativa automática"
    corpo, pagina = texto(envelope), html(envelope)
    assert corpo.count("\n- ") == 10
    for execucao in reexecucoes:
        link = f"https://brm.exemplo.com.br/admin/processos/execucao/{execucao.pk}/change/"
        assert link in corpo and f'href="{link}"' in pagina
        assert f"{execucao.processo.cliente}" in corpo
        assert execucao.erro.split(".")[0] in corpo
    assert "tentativa 2" in corpo
    (envio,) = EnvioDeAlerta.objects.all()
    assert (envio.status, envio.total_eventos, envio.destinatarios) == (
        EnvioDeAlerta.Status.ENVIADO,
        10,
        "plantao@brm.test",
    )
    assert set(EventoDeAlerta.objects.values_list("status", "envio")) == {(P.ENVIADO, envio.pk)}

    # Again at once: nothing new, nothing sent.
    assert alertas_enviar().enviados == {}
    assert len(smtp.envelopes) == 1

    # An eleventh job fails for good at once (the portal refused the login: a re-run would not help).
    simulador.configurar(taxa_falha=0.0, falha_login=True)
    decima_primeira = execucao_solicitar(processo=ProcessoFactory(), tipo=Execucao.Tipo.DOWNLOAD_FATURA, por=operador)
    rodar([decima_primeira])
    assert decima_primeira.resultado["codigo"] == "LOGIN_INVALIDO"

    # Within the hour it waits, however often the sender runs.
    assert alertas_enviar().retidos == [T.EXECUCAO_FALHOU.value]
    with time_machine.travel(envio.enviado_em + INTERVALO - dt.timedelta(seconds=1), tick=False):
        assert alertas_enviar().retidos == [T.EXECUCAO_FALHOU.value]
    assert len(smtp.envelopes) == 1
    assert EventoDeAlerta.objects.get(status=P.PENDENTE).chave == f"execucao:{decima_primeira.pk}"

    # The hour has passed: a second e-mail, with the eleventh only.
    with time_machine.travel(envio.enviado_em + INTERVALO, tick=False):
        assert alertas_enviar().enviados == {T.EXECUCAO_FALHOU.value: 1}

    assert len(smtp.envelopes) == 2
    segundo = smtp.envelopes[1]
    assert assunto(segundo) == "BRM · 1 execução falhou sem nova tentativa automática"
    assert texto(segundo).count("\n- ") == 1
    assert f"/admin/processos/execucao/{decima_primeira.pk}/change/" in texto(segundo)
    assert "O portal recusou o login do cliente" in texto(segundo)
    assert not EventoDeAlerta.objects.filter(status=P.PENDENTE).exists()


def registrar(tipo: str, n: int) -> None:
    for i in range(n):
        assert alerta_registrar(tipo=tipo, chave=f"caso-{i}", titulo=f"Caso {i}", detalhe="Detalhe.", caminho="/x/")


def test_cada_tipo_vai_no_seu_email_so_para_quem_o_recebe(smtp, receber, operador):
    receber(T.FATURA_ATRASADA, T.VENCIMENTO_PROXIMO, email="Financeiro@BRM.test")
    receber(T.VENCIMENTO_PROXIMO, usuario=operador)
    receber(T.VENCIMENTO_PROXIMO, email="inativo@brm.test", ativo=False)
    registrar(T.FATURA_ATRASADA, 2)
    registrar(T.VENCIMENTO_PROXIMO, 3)

    resultado = alertas_enviar()

    assert resultado.enviados == {T.FATURA_ATRASADA.value: 2, T.VENCIMENTO_PROXIMO.value: 3}
    por_assunto = {assunto(envelope): sorted(envelope.rcpt_tos) for envelope in smtp.envelopes}
    assert por_assunto == {
        "BRM · 2 faturas atrasadas": ["financeiro@brm.test"],
        "BRM · 3 faturas perto do vencimento sem aprovação": ["financeiro@brm.test", "operador@brm.test"],
    }


def test_servidor_de_email_fora_do_ar_deixa_os_eventos_pendentes_e_o_envio_seguinte_os_leva(smtp, receber, settings):
    receber(T.FATURA_ATRASADA)
    registrar(T.FATURA_ATRASADA, 3)
    porta = settings.EMAIL_PORT
    settings.EMAIL_PORT = porta_fechada()

    resultado = alertas_enviar()

    assert resultado.enviados == {}
    assert (
        f"O servidor de e-mail 127.0.0.1:{settings.EMAIL_PORT} não aceitou o alerta"
        in (resultado.falhas[T.FATURA_ATRASADA.value])
    )
    (falhou,) = EnvioDeAlerta.objects.all()
    assert falhou.status == EnvioDeAlerta.Status.FALHOU and "não aceitou o alerta" in falhou.erro
    assert set(EventoDeAlerta.objects.values_list("status", flat=True)) == {P.PENDENTE}

    # The server is back: the next run (a minute later) sends them; a failed attempt is not the hour's e-mail.
    settings.EMAIL_PORT = porta
    assert alertas_enviar().enviados == {T.FATURA_ATRASADA.value: 3}
    (envelope,) = smtp.envelopes
    assert texto(envelope).count("\n- ") == 3
    assert set(EventoDeAlerta.objects.values_list("status", flat=True)) == {P.ENVIADO}


def test_envio_interrompido_depois_do_smtp_aceitar_repete_o_email_e_nao_perde_nada(smtp, receber, monkeypatch):
    receber(T.VENCIMENTO_PROXIMO)
    registrar(T.VENCIMENTO_PROXIMO, 2)
    enviar_de_verdade = EmailMultiAlternatives.send

    def enviar_e_morrer(self, *args, **kwargs):
        enviar_de_verdade(self, *args, **kwargs)
        # Celery's time limit strikes after the server accepted, before the events are marked sent.
        raise SoftTimeLimitExceeded()

    monkeypatch.setattr(EmailMultiAlternatives, "send", enviar_e_morrer)
    with pytest.raises(SoftTimeLimitExceeded):
        alertas_enviar()
    monkeypatch.setattr(EmailMultiAlternatives, "send", enviar_de_verdade)
    assert len(smtp.envelopes) == 1
    (preso,) = EnvioDeAlerta.objects.all()
    assert preso.status == EnvioDeAlerta.Status.ENVIANDO
    assert set(EventoDeAlerta.objects.values_list("status", flat=True)) == {P.PENDENTE}

    # While the claim lasts, another sender leaves the kind alone.
    assert alertas_enviar().retidos == [T.VENCIMENTO_PROXIMO.value]
    assert len(smtp.envelopes) == 1

    # After it, the same events go again: a repeated e-mail (at least once), not a lost one.
    with time_machine.travel(preso.reservado_ate + dt.timedelta(seconds=1), tick=False):
        assert alertas_enviar().enviados == {T.VENCIMENTO_PROXIMO.value: 2}
    assert len(smtp.envelopes) == 2
    assert texto(smtp.envelopes[0]) == texto(smtp.envelopes[1])
    preso.refresh_from_db()
    assert preso.status == EnvioDeAlerta.Status.FALHOU and "parou antes de confirmar" in preso.erro
    assert preso.reservado_ate - preso.iniciado_em == RESERVA
    assert set(EventoDeAlerta.objects.values_list("status", flat=True)) == {P.ENVIADO}


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_dois_envios_ao_mesmo_tempo_mandam_um_email_so(smtp, receber):
    receber(T.FATURA_ATRASADA)
    registrar(T.FATURA_ATRASADA, 3)
    # A slow server: the second sender starts while the first is still sending.
    smtp.demora = 1.0

    def enviar(_):
        try:
            return alertas_enviar()
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=2) as pool:
        resultados = list(pool.map(enviar, range(2)))

    assert len(smtp.envelopes) == 1
    assert sorted(resultado.enviados.get(T.FATURA_ATRASADA.value, 0) for resultado in resultados) == [0, 3]
    assert EnvioDeAlerta.objects.get().status == EnvioDeAlerta.Status.ENVIADO


def test_eventos_de_um_tipo_que_ninguem_mais_recebe_sao_descartados_sem_email(smtp, receber):
    destinatario = receber(T.FATURA_ATRASADA)
    registrar(T.FATURA_ATRASADA, 2)
    destinatario.ativo = False
    destinatario.save()

    resultado = alertas_enviar()

    assert resultado.descartados == 2 and resultado.enviados == {}
    assert smtp.envelopes == [] and not EnvioDeAlerta.objects.exists()
    assert set(EventoDeAlerta.objects.values_list("status", flat=True)) == {P.DESCARTADO}


def test_sem_destinatario_nada_e_registrado(receber):
    receber(T.FATURA_ATRASADA)

    assert not alerta_registrar(tipo=T.VENCIMENTO_PROXIMO, chave="x", titulo="X")
    assert alerta_registrar(tipo=T.FATURA_ATRASADA, chave="x", titulo="X")
    # The same key again: known already.
    assert not alerta_registrar(tipo=T.FATURA_ATRASADA, chave="x", titulo="X de novo")
    assert list(EventoDeAlerta.objects.values_list("tipo", "titulo")) == [(T.FATURA_ATRASADA, "X")]
