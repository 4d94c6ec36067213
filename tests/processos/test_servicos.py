"""The process status machine: every transition allowed and refused, permissions, the lost race, the upload."""

import datetime as dt
import hashlib
import io
import itertools
import threading
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.files.storage import default_storage
from django.db import connection, transaction

from brm.common.errors import ErroDeNegocio
from brm.usuarios.models import Usuario
from processos.models import Execucao, Processo, ProcessoEvento
from processos.services import (
    TRANSICOES,
    processo_aprovar,
    processo_registrar_envio_sat,
    processo_registrar_fatura,
    processo_rejeitar,
)
from tests.conftest import PDF_MINIMO
from tests.factories import ProcessoFactory, UsuarioFactory

S = Processo.Status
INSTANTE = dt.datetime(2026, 11, 20, 14, 30, tzinfo=ZoneInfo("America/Sao_Paulo"))
FATURA_ANTERIOR = "faturas/2026-11/anterior.pdf"


@dataclass(frozen=True)
class Servico:
    para: str
    quem: str  # the fixture of a user allowed to do it
    executar: Callable[..., Processo]
    motivo_do_evento: str


SERVICOS = {
    "aprovar": Servico(
        para=S.AGUARDANDO_ENVIO_SAT,
        quem="aprovador",
        executar=lambda processo, por, pdf: processo_aprovar(processo=processo, por=por),
        motivo_do_evento="",
    ),
    "rejeitar": Servico(
        para=S.AGUARDANDO_DOWNLOAD,
        quem="aprovador",
        executar=lambda processo, por, pdf: processo_rejeitar(
            processo=processo, por=por, motivo="  Valor diverge do contrato.  "
        ),
        motivo_do_evento="Valor diverge do contrato.",
    ),
    "registrar_fatura": Servico(
        para=S.AGUARDANDO_APROVACAO,
        quem="operador",
        executar=lambda processo, por, pdf: processo_registrar_fatura(
            processo=processo,
            arquivo=pdf("fatura-vivo.pdf"),
            por=por,
            nome_original="fatura-vivo.pdf",
            valor_total=Decimal("1234.56"),
            vencimento=dt.date(2026, 12, 10),
            numero_fatura=" 2026-11-000123 ",
        ),
        motivo_do_evento="Fatura enviada manualmente.",
    ),
    "registrar_envio_sat": Servico(
        para=S.UPLOAD_REALIZADO,
        quem="operador",
        executar=lambda processo, por, pdf: processo_registrar_envio_sat(
            processo=processo, protocolo=" SAT-2026-0001 ", por=por
        ),
        motivo_do_evento="",
    ),
}

CASOS = list(itertools.product(S.values, SERVICOS))
PERMITIDOS = [(de, nome) for de, nome in CASOS if SERVICOS[nome].para in TRANSICOES[de]]
RECUSADOS = [(de, nome) for de, nome in CASOS if (de, nome) not in PERMITIDOS]


def _id(caso) -> str:
    de, nome = caso
    return f"{nome}-em-{de}"


def _origem(nome: str) -> str:
    """A status from which the table allows the service, so only the check under test can refuse it."""
    return next(de for de, servico in PERMITIDOS if servico == nome)


def _processo_em(status: str) -> Processo:
    """A process in `status` with the fields it would really have there."""
    campos = {}
    if status != S.AGUARDANDO_DOWNLOAD:
        campos = {
            "fatura": FATURA_ANTERIOR,
            "fatura_sha256": "a" * 64,
            "fatura_nome_original": "anterior.pdf",
            "valor_total": Decimal("99.90"),
            "vencimento": dt.date(2026, 12, 5),
            "numero_fatura": "ANTERIOR-1",
        }
    if status in (S.AGUARDANDO_ENVIO_SAT, S.UPLOAD_REALIZADO):
        campos |= {"aprovado_por": UsuarioFactory(papel=Usuario.Papel.APROVADOR), "aprovado_em": INSTANTE}
    if status == S.UPLOAD_REALIZADO:
        campos |= {"protocolo_sat": "SAT-ANTERIOR", "enviado_sat_em": INSTANTE}
    return ProcessoFactory(status=status, competencia=dt.date(2026, 11, 1), **campos)


def _linha(processo: Processo) -> dict:
    return Processo.objects.filter(pk=processo.pk).values().get()


def _arquivos(raiz) -> list[str]:
    return sorted(str(p.relative_to(raiz)) for p in Path(raiz).rglob("*") if p.is_file())


def test_tabela_de_transicoes_e_a_do_desenho():
    desenho = {
        S.AGUARDANDO_DOWNLOAD: {S.AGUARDANDO_APROVACAO},
        S.AGUARDANDO_APROVACAO: {S.AGUARDANDO_ENVIO_SAT, S.AGUARDANDO_DOWNLOAD},
        S.AGUARDANDO_ENVIO_SAT: {S.UPLOAD_REALIZADO},
        S.UPLOAD_REALIZADO: set(),
    }

    assert desenho == TRANSICOES
    assert sorted(PERMITIDOS) == sorted(
        [
            (S.AGUARDANDO_DOWNLOAD, "registrar_fatura"),
            (S.AGUARDANDO_APROVACAO, "aprovar"),
            (S.AGUARDANDO_APROVACAO, "rejeitar"),
            (S.AGUARDANDO_ENVIO_SAT, "registrar_envio_sat"),
        ]
    )


# Every pair of (status, service) ------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(("de", "servico"), PERMITIDOS, ids=map(_id, PERMITIDOS))
def test_transicao_permitida_muda_o_status_e_grava_um_evento(de, servico, request, pdf, media):
    servico = SERVICOS[servico]
    processo = _processo_em(de)
    por = request.getfixturevalue(servico.quem)

    resultado = servico.executar(processo, por, pdf)

    assert resultado.status == servico.para
    assert _linha(processo)["status"] == servico.para
    evento = ProcessoEvento.objects.get()
    assert (evento.processo_id, evento.de, evento.para, evento.por) == (processo.pk, de, servico.para, por)
    assert evento.motivo == servico.motivo_do_evento


@pytest.mark.django_db
@pytest.mark.parametrize(("de", "servico"), RECUSADOS, ids=map(_id, RECUSADOS))
def test_transicao_fora_da_tabela_falha_sem_efeitos(de, servico, request, pdf, media):
    servico = SERVICOS[servico]
    processo = _processo_em(de)
    antes = _linha(processo)
    por = request.getfixturevalue(servico.quem)

    with pytest.raises(ErroDeNegocio) as info:
        servico.executar(processo, por, pdf)

    assert info.value.codigo == ErroDeNegocio.CONFLITO
    assert S(de).label in info.value.mensagem
    assert _linha(processo) == antes
    assert processo.status == de
    assert not ProcessoEvento.objects.exists()
    assert not Execucao.objects.exists()
    assert _arquivos(media) == []


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("papel", "servico"),
    [
        ("leitor", "aprovar"),
        ("leitor", "rejeitar"),
        ("leitor", "registrar_fatura"),
        ("leitor", "registrar_envio_sat"),
        ("operador", "aprovar"),
        ("operador", "rejeitar"),
        ("aprovador", "registrar_fatura"),
        ("aprovador", "registrar_envio_sat"),
    ],
)
def test_quem_nao_tem_a_permissao_e_recusado_sem_efeitos(papel, servico, request, pdf, media):
    processo = _processo_em(_origem(servico))
    servico = SERVICOS[servico]
    antes = _linha(processo)
    por = request.getfixturevalue(papel)

    with pytest.raises(ErroDeNegocio) as info:
        servico.executar(processo, por, pdf)

    assert info.value.codigo == ErroDeNegocio.PERMISSAO
    assert info.value.mensagem.startswith("Você não tem permissão")
    assert _linha(processo) == antes
    assert not ProcessoEvento.objects.exists()
    assert not Execucao.objects.exists()
    assert _arquivos(media) == []


@pytest.mark.django_db
@pytest.mark.parametrize("servico", list(SERVICOS))
def test_administrador_pode_fazer_toda_transicao(servico, admin_user, pdf, media):
    processo = _processo_em(_origem(servico))

    SERVICOS[servico].executar(processo, admin_user, pdf)

    assert _linha(processo)["status"] == SERVICOS[servico].para
    assert ProcessoEvento.objects.get().por == admin_user


# What each transition writes -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_aprovar_registra_quem_e_quando_e_limpa_motivo_antigo(aprovador):
    processo = _processo_em(S.AGUARDANDO_APROVACAO)
    Processo.objects.filter(pk=processo.pk).update(motivo_rejeicao="Rejeitada antes")
    processo.refresh_from_db()

    with time_machine.travel(INSTANTE, tick=False):
        processo_aprovar(processo=processo, por=aprovador)

    processo.refresh_from_db()
    assert processo.status == S.AGUARDANDO_ENVIO_SAT
    assert processo.aprovado_por == aprovador
    assert processo.aprovado_em == INSTANTE
    assert processo.motivo_rejeicao == ""
    assert processo.fatura.name == FATURA_ANTERIOR
    evento = processo.eventos.get()
    assert (evento.de, evento.para, evento.por, evento.motivo) == (
        S.AGUARDANDO_APROVACAO,
        S.AGUARDANDO_ENVIO_SAT,
        aprovador,
        "",
    )
    assert evento.quando == INSTANTE
    envio = Execucao.objects.get(processo=processo)
    assert (envio.tipo, envio.status, envio.origem) == (
        Execucao.Tipo.UPLOAD_SAT,
        Execucao.Status.PENDENTE,
        Execucao.Origem.AUTOMATICA,
    )


@pytest.mark.django_db
def test_rejeitar_guarda_o_motivo_e_esquece_a_fatura(aprovador):
    processo = _processo_em(S.AGUARDANDO_APROVACAO)

    processo_rejeitar(processo=processo, por=aprovador, motivo="  Valor diverge do contrato.  ")

    processo.refresh_from_db()
    assert processo.status == S.AGUARDANDO_DOWNLOAD
    assert processo.motivo_rejeicao == "Valor diverge do contrato."
    assert (processo.fatura.name, processo.fatura_sha256, processo.fatura_nome_original) == ("", "", "")
    assert (processo.valor_total, processo.vencimento, processo.numero_fatura) == (None, None, "")
    assert processo.aprovado_por is None
    evento = processo.eventos.get()
    assert (evento.de, evento.para, evento.por, evento.motivo) == (
        S.AGUARDANDO_APROVACAO,
        S.AGUARDANDO_DOWNLOAD,
        aprovador,
        "Valor diverge do contrato.",
    )


@pytest.mark.django_db
@pytest.mark.parametrize("motivo", ["", "   ", None])
def test_rejeitar_sem_motivo_falha_sem_efeitos(motivo, aprovador):
    processo = _processo_em(S.AGUARDANDO_APROVACAO)
    antes = _linha(processo)

    with pytest.raises(ErroDeNegocio) as info:
        processo_rejeitar(processo=processo, por=aprovador, motivo=motivo)

    assert info.value.codigo == ErroDeNegocio.INVALIDO
    assert info.value.mensagem == "Informe o motivo da rejeição."
    assert _linha(processo) == antes
    assert not ProcessoEvento.objects.exists()


@pytest.mark.django_db
def test_registrar_envio_sat_guarda_protocolo_e_quando(operador):
    processo = _processo_em(S.AGUARDANDO_ENVIO_SAT)

    with time_machine.travel(INSTANTE, tick=False):
        processo_registrar_envio_sat(processo=processo, protocolo=" SAT-2026-0001 ", por=operador)

    processo.refresh_from_db()
    assert processo.status == S.UPLOAD_REALIZADO
    assert processo.protocolo_sat == "SAT-2026-0001"
    assert processo.enviado_sat_em == INSTANTE
    evento = processo.eventos.get()
    assert (evento.de, evento.para, evento.por) == (S.AGUARDANDO_ENVIO_SAT, S.UPLOAD_REALIZADO, operador)


@pytest.mark.django_db
def test_envio_sat_registrado_pelo_robo_fica_sem_autor():
    processo = _processo_em(S.AGUARDANDO_ENVIO_SAT)

    processo_registrar_envio_sat(processo=processo, protocolo="SAT-ROBO-9", por=None)

    assert _linha(processo)["protocolo_sat"] == "SAT-ROBO-9"
    assert processo.eventos.get().por is None


@pytest.mark.django_db
@pytest.mark.parametrize("protocolo", ["", "  "])
def test_registrar_envio_sat_sem_protocolo_falha_sem_efeitos(protocolo, operador):
    processo = _processo_em(S.AGUARDANDO_ENVIO_SAT)
    antes = _linha(processo)

    with pytest.raises(ErroDeNegocio) as info:
        processo_registrar_envio_sat(processo=processo, protocolo=protocolo, por=operador)

    assert info.value.codigo == ErroDeNegocio.INVALIDO
    assert _linha(processo) == antes
    assert not ProcessoEvento.objects.exists()


@pytest.mark.django_db
def test_ciclo_completo_com_uma_rejeicao_deixa_a_linha_do_tempo_inteira(operador, aprovador, pdf, media):
    processo = _processo_em(S.AGUARDANDO_DOWNLOAD)

    processo_registrar_fatura(processo=processo, arquivo=pdf(), por=operador, nome_original="errada.pdf")
    processo_rejeitar(processo=processo, por=aprovador, motivo="Fatura de outro mês")
    processo_registrar_fatura(processo=processo, arquivo=pdf(conteudo=PDF_MINIMO + b"%v2\n"), por=None)
    processo_aprovar(processo=processo, por=aprovador)
    processo_registrar_envio_sat(processo=processo, protocolo="SAT-1", por=None)

    processo.refresh_from_db()
    assert processo.status == S.UPLOAD_REALIZADO
    assert processo.motivo_rejeicao == ""
    assert list(processo.eventos.order_by("quando").values_list("de", "para", "por", "motivo")) == [
        (S.AGUARDANDO_DOWNLOAD, S.AGUARDANDO_APROVACAO, operador.pk, "Fatura enviada manualmente."),
        (S.AGUARDANDO_APROVACAO, S.AGUARDANDO_DOWNLOAD, aprovador.pk, "Fatura de outro mês"),
        (S.AGUARDANDO_DOWNLOAD, S.AGUARDANDO_APROVACAO, None, "Fatura baixada pelo robô."),
        (S.AGUARDANDO_APROVACAO, S.AGUARDANDO_ENVIO_SAT, aprovador.pk, ""),
        (S.AGUARDANDO_ENVIO_SAT, S.UPLOAD_REALIZADO, None, ""),
    ]
    # The rejected invoice stays in storage as evidence.
    assert len(_arquivos(media)) == 2


# Two people at once ------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_aprovar_com_instancia_desatualizada_falha_sem_segundo_evento(aprovador, admin_user):
    processo = _processo_em(S.AGUARDANDO_APROVACAO)
    primeira = Processo.objects.get(pk=processo.pk)
    segunda = Processo.objects.get(pk=processo.pk)
    processo_aprovar(processo=primeira, por=aprovador)
    depois_da_primeira = _linha(processo)

    with pytest.raises(ErroDeNegocio, match="alterado por outra pessoa") as info:
        processo_aprovar(processo=segunda, por=admin_user)

    assert info.value.codigo == ErroDeNegocio.CONFLITO
    assert _linha(processo) == depois_da_primeira
    assert depois_da_primeira["aprovado_por_id"] == aprovador.pk
    assert ProcessoEvento.objects.filter(processo=processo).count() == 1
    assert Execucao.objects.filter(processo=processo, tipo=Execucao.Tipo.UPLOAD_SAT).count() == 1


@pytest.mark.django_db
def test_rejeitar_processo_que_outra_pessoa_acabou_de_aprovar_falha_sem_efeitos(aprovador, admin_user):
    processo = _processo_em(S.AGUARDANDO_APROVACAO)
    desatualizada = Processo.objects.get(pk=processo.pk)
    processo_aprovar(processo=processo, por=aprovador)
    depois_da_aprovacao = _linha(processo)

    with pytest.raises(ErroDeNegocio, match="alterado por outra pessoa"):
        processo_rejeitar(processo=desatualizada, por=admin_user, motivo="Valor errado")

    assert _linha(processo) == depois_da_aprovacao
    assert depois_da_aprovacao["motivo_rejeicao"] == ""
    assert ProcessoEvento.objects.filter(processo=processo).count() == 1


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_duas_aprovacoes_ao_mesmo_tempo_so_uma_vence(monkeypatch):
    # Commits are real here: follow-up work queued on commit would be published to the shared Redis.
    monkeypatch.setattr(transaction, "on_commit", lambda funcao, using=None, robust=False: None)
    processo = _processo_em(S.AGUARDANDO_APROVACAO)
    aprovadores = [UsuarioFactory(papel=Usuario.Papel.APROVADOR) for _ in range(2)]
    # Each thread holds the status it read before the other moved, as two open browser tabs would.
    instancias = [Processo.objects.get(pk=processo.pk) for _ in range(2)]
    for aprovador in aprovadores:
        # Warm the permission cache so both threads go straight to the UPDATE once released.
        assert aprovador.has_perm("processos.aprovar_processo")
    barreira = threading.Barrier(2)
    resultados: dict[int, object] = {}

    def aprovar(indice: int) -> None:
        try:
            barreira.wait(timeout=10)
            processo_aprovar(processo=instancias[indice], por=aprovadores[indice])
            resultados[indice] = "venceu"
        except BaseException as exc:  # anything unexpected (a lock timeout, say) must fail the assertions below
            resultados[indice] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=aprovar, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sorted(resultados) == [0, 1]
    vencedores = [i for i, r in resultados.items() if r == "venceu"]
    perdedores = [r for r in resultados.values() if isinstance(r, ErroDeNegocio)]
    assert len(vencedores) == 1, resultados
    assert len(perdedores) == 1, resultados
    assert perdedores[0].codigo == ErroDeNegocio.CONFLITO
    assert "alterado por outra pessoa" in perdedores[0].mensagem
    linha = _linha(processo)
    assert linha["status"] == S.AGUARDANDO_ENVIO_SAT
    assert linha["aprovado_por_id"] == aprovadores[vencedores[0]].pk
    evento = ProcessoEvento.objects.get(processo=processo)
    assert evento.por == aprovadores[vencedores[0]]
    assert Execucao.objects.filter(processo=processo, tipo=Execucao.Tipo.UPLOAD_SAT).count() == 1


# The upload --------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_fatura_valida_e_guardada_com_nome_nosso_e_sha256_do_conteudo(operador, pdf, media):
    processo = _processo_em(S.AGUARDANDO_DOWNLOAD)

    processo_registrar_fatura(
        processo=processo,
        arquivo=pdf("fatura-vivo.pdf"),
        por=operador,
        nome_original="fatura-vivo.pdf",
        valor_total=Decimal("1234.56"),
        vencimento=dt.date(2026, 12, 10),
        numero_fatura=" 2026-11-000123 ",
    )

    processo.refresh_from_db()
    assert processo.status == S.AGUARDANDO_APROVACAO
    assert processo.fatura_sha256 == hashlib.sha256(PDF_MINIMO).hexdigest()
    assert processo.fatura.name.startswith("faturas/2026-11/")
    assert "fatura-vivo" not in processo.fatura.name
    assert default_storage.exists(processo.fatura.name)
    with default_storage.open(processo.fatura.name, "rb") as guardado:
        assert guardado.read() == PDF_MINIMO
    assert _arquivos(media) == [processo.fatura.name]
    assert processo.fatura_nome_original == "fatura-vivo.pdf"
    assert (processo.valor_total, processo.vencimento, processo.numero_fatura) == (
        Decimal("1234.56"),
        dt.date(2026, 12, 10),
        "2026-11-000123",
    )
    evento = processo.eventos.get()
    assert (evento.de, evento.para, evento.por, evento.motivo) == (
        S.AGUARDANDO_DOWNLOAD,
        S.AGUARDANDO_APROVACAO,
        operador,
        "Fatura enviada manualmente.",
    )


@pytest.mark.django_db
def test_fatura_baixada_pelo_robo_fica_sem_autor(pdf, media):
    processo = _processo_em(S.AGUARDANDO_DOWNLOAD)

    processo_registrar_fatura(processo=processo, arquivo=pdf(), por=None)

    evento = processo.eventos.get()
    assert (evento.por, evento.motivo) == (None, "Fatura baixada pelo robô.")
    assert _linha(processo)["fatura_nome_original"] == "fatura.pdf"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("nome_original", "guardado"),
    [
        ("../../etc/passwd.pdf", "....etcpasswd.pdf"),
        ("..\\..\\Windows\\win.ini.pdf", "....Windowswin.ini.pdf"),
        ("fatura de novembro (1).pdf", "fatura_de_novembro_1.pdf"),
        ("", "fatura.pdf"),
    ],
)
def test_nome_original_e_guardado_sem_caminho(nome_original, guardado, operador, pdf, media):
    processo = _processo_em(S.AGUARDANDO_DOWNLOAD)

    processo_registrar_fatura(processo=processo, arquivo=pdf(), por=operador, nome_original=nome_original)

    processo.refresh_from_db()
    assert processo.fatura_nome_original == guardado
    assert "passwd" not in processo.fatura.name
    assert _arquivos(media) == [processo.fatura.name]


@pytest.mark.django_db
@pytest.mark.parametrize("nome_original", ["..", "???", "<>|"])
def test_nome_original_sem_nada_aproveitavel_vira_fatura_pdf(nome_original, operador, pdf, media):
    processo = _processo_em(S.AGUARDANDO_DOWNLOAD)

    processo_registrar_fatura(processo=processo, arquivo=pdf(), por=operador, nome_original=nome_original)

    assert _linha(processo)["fatura_nome_original"] == "fatura.pdf"
    assert _linha(processo)["status"] == S.AGUARDANDO_APROVACAO


@pytest.mark.django_db
@pytest.mark.parametrize(
    "conteudo",
    [b"<html><body>Fatura</body></html>", b"MZ\x90\x00\x03\x00\x00\x00", b"", b" %PDF-1.4 com espaco antes"],
    ids=["html", "executavel", "vazio", "assinatura-deslocada"],
)
def test_arquivo_pdf_que_nao_e_pdf_e_recusado_e_nada_e_guardado(conteudo, operador, pdf, media):
    processo = _processo_em(S.AGUARDANDO_DOWNLOAD)
    antes = _linha(processo)

    with pytest.raises(ErroDeNegocio) as info:
        processo_registrar_fatura(
            processo=processo, arquivo=pdf("fatura.pdf", conteudo), por=operador, nome_original="fatura.pdf"
        )

    assert info.value.codigo == ErroDeNegocio.TIPO_NAO_SUPORTADO
    assert "não é um PDF" in info.value.mensagem
    assert _arquivos(media) == []
    assert _linha(processo) == antes
    assert not ProcessoEvento.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("tamanho_declarado", [True, False], ids=["com-size", "sem-size"])
def test_arquivo_maior_que_o_limite_e_recusado_e_nada_e_guardado(tamanho_declarado, operador, settings, pdf, media):
    settings.BRM_FATURA_TAMANHO_MAXIMO = 200
    conteudo = PDF_MINIMO + b"%" + b"x" * 200 + b"\n"
    # Without `size` (a stream of unknown length) the limit is checked while reading.
    arquivo = pdf("grande.pdf", conteudo) if tamanho_declarado else io.BytesIO(conteudo)
    processo = _processo_em(S.AGUARDANDO_DOWNLOAD)
    antes = _linha(processo)

    with pytest.raises(ErroDeNegocio) as info:
        processo_registrar_fatura(processo=processo, arquivo=arquivo, por=operador, nome_original="grande.pdf")

    assert info.value.codigo == ErroDeNegocio.ARQUIVO_GRANDE
    assert "passa do limite" in info.value.mensagem
    assert _arquivos(media) == []
    assert _linha(processo) == antes
    assert not ProcessoEvento.objects.exists()


@pytest.mark.django_db
def test_arquivo_no_limite_exato_e_aceito(operador, settings, pdf, media):
    settings.BRM_FATURA_TAMANHO_MAXIMO = len(PDF_MINIMO)
    processo = _processo_em(S.AGUARDANDO_DOWNLOAD)

    processo_registrar_fatura(processo=processo, arquivo=io.BytesIO(PDF_MINIMO), por=operador)

    assert _linha(processo)["status"] == S.AGUARDANDO_APROVACAO
    assert len(_arquivos(media)) == 1


@pytest.mark.django_db
def test_fatura_para_processo_que_ja_tem_fatura_e_recusada_e_nada_e_guardado(operador, pdf, media):
    processo = _processo_em(S.AGUARDANDO_DOWNLOAD)
    processo_registrar_fatura(processo=processo, arquivo=pdf(), por=operador)
    antes = _linha(processo)
    arquivos_antes = _arquivos(media)

    with pytest.raises(ErroDeNegocio) as info:
        processo_registrar_fatura(processo=processo, arquivo=pdf(conteudo=PDF_MINIMO + b"%outra\n"), por=operador)

    assert info.value.codigo == ErroDeNegocio.CONFLITO
    assert "não pode receber uma fatura" in info.value.mensagem
    assert _linha(processo) == antes
    assert _arquivos(media) == arquivos_antes
    assert processo.eventos.count() == 1


@pytest.mark.django_db
def test_fatura_que_perde_a_corrida_nao_deixa_arquivo_para_tras(operador, pdf, media):
    processo = _processo_em(S.AGUARDANDO_DOWNLOAD)
    desatualizada = Processo.objects.get(pk=processo.pk)
    processo_registrar_fatura(processo=processo, arquivo=pdf(), por=None)
    depois_do_robo = _linha(processo)

    with pytest.raises(ErroDeNegocio, match="alterado por outra pessoa"):
        processo_registrar_fatura(processo=desatualizada, arquivo=pdf(conteudo=PDF_MINIMO + b"%manual\n"), por=operador)

    assert _linha(processo) == depois_do_robo
    assert _arquivos(media) == [depois_do_robo["fatura"]]
    assert processo.eventos.count() == 1
