"""Each schedule type's parameters: defaults filled, anything unexpected refused with a sentence in Portuguese."""

import datetime as dt

import pytest

from agendamentos.models import Agendamento
from agendamentos.tipos import TIPOS, Tipo, tipo_obter
from brm.common.errors import ErroDeNegocio

from ..factories import OperadoraFactory

T = Agendamento.Tipo
AGORA = dt.datetime(2026, 11, 20, 15, 0, tzinfo=dt.UTC)


def _recusa(tipo: str, parametros) -> ErroDeNegocio:
    with pytest.raises(ErroDeNegocio) as erro:
        tipo_obter(tipo).validar(parametros)
    assert erro.value.codigo == ErroDeNegocio.INVALIDO
    return erro.value


def test_ha_um_tipo_para_cada_escolha_do_modelo():
    assert set(TIPOS) == set(T.values)
    for tipo in TIPOS.values():
        assert isinstance(tipo, Tipo)
        assert tipo.descricao.endswith(".")


def test_tipo_desconhecido_e_recusado():
    with pytest.raises(ErroDeNegocio) as erro:
        tipo_obter("FAZER_CAFE")

    assert erro.value.codigo == ErroDeNegocio.INVALIDO
    assert "FAZER_CAFE" in erro.value.mensagem
    assert erro.value.dados == {"campo": "tipo"}


@pytest.mark.django_db
@pytest.mark.parametrize("tipo", [T.CRIAR_PROCESSOS_MENSAIS, T.EXECUTAR_DOWNLOADS, T.LIMPEZA_LOGS, T.BACKUP_DADOS])
def test_parametros_vazios_recebem_os_padroes(tipo):
    assert tipo_obter(tipo).validar({}) == tipo_obter(tipo).padrao
    assert tipo_obter(tipo).validar(None) == tipo_obter(tipo).padrao


def test_padroes_de_cada_tipo():
    assert TIPOS[T.CRIAR_PROCESSOS_MENSAIS].padrao == {}
    assert TIPOS[T.EXECUTAR_DOWNLOADS].padrao == {
        "apenas_processos_pendentes": True,
        "limite_execucoes_simultaneas": 5,
        "operadoras": [],
    }
    assert TIPOS[T.ENVIAR_RELATORIOS].padrao == {"destinatarios": [], "competencia": "atual", "dias_vencimento": 7}
    assert TIPOS[T.LIMPEZA_LOGS].padrao == {"dias_retencao": 90}
    assert TIPOS[T.BACKUP_DADOS].padrao == {"pasta": "", "manter": 7}


def test_validar_nao_altera_o_padrao_compartilhado():
    limpos = TIPOS[T.ENVIAR_RELATORIOS].validar({"destinatarios": ["a@brm.test"]})
    limpos["destinatarios"].append("b@brm.test")

    assert TIPOS[T.ENVIAR_RELATORIOS].padrao["destinatarios"] == []


@pytest.mark.django_db
@pytest.mark.parametrize("tipo", list(T.values))
def test_chave_desconhecida_e_recusada_pelo_nome(tipo):
    erro = _recusa(tipo, {"destinatarios": ["a@brm.test"], "dias_retencao": 30, "cor_favorita": "azul"})

    assert "cor_favorita" in erro.mensagem
    assert "Parâmetro desconhecido" in erro.mensagem
    assert "cor_favorita" in erro.dados["desconhecidos"]


@pytest.mark.parametrize("parametros", [[], "{}", 3])
def test_parametros_que_nao_sao_objeto_sao_recusados(parametros):
    erro = _recusa(T.LIMPEZA_LOGS, parametros)

    assert erro.dados == {"campo": "parametros"}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("tipo", "parametros", "campo"),
    [
        (T.EXECUTAR_DOWNLOADS, {"apenas_processos_pendentes": 1}, "apenas_processos_pendentes"),
        (T.EXECUTAR_DOWNLOADS, {"apenas_processos_pendentes": "false"}, "apenas_processos_pendentes"),
        (T.EXECUTAR_DOWNLOADS, {"limite_execucoes_simultaneas": "5"}, "limite_execucoes_simultaneas"),
        (T.EXECUTAR_DOWNLOADS, {"limite_execucoes_simultaneas": True}, "limite_execucoes_simultaneas"),
        (T.EXECUTAR_DOWNLOADS, {"limite_execucoes_simultaneas": 2.5}, "limite_execucoes_simultaneas"),
        (T.EXECUTAR_DOWNLOADS, {"limite_execucoes_simultaneas": 0}, "limite_execucoes_simultaneas"),
        (T.EXECUTAR_DOWNLOADS, {"limite_execucoes_simultaneas": 101}, "limite_execucoes_simultaneas"),
        (T.EXECUTAR_DOWNLOADS, {"operadoras": "vivo"}, "operadoras"),
        (T.EXECUTAR_DOWNLOADS, {"operadoras": ["vivo", 3]}, "operadoras"),
        (T.ENVIAR_RELATORIOS, {"destinatarios": "a@brm.test"}, "destinatarios"),
        (T.ENVIAR_RELATORIOS, {"destinatarios": ["a@brm.test"], "dias_vencimento": -1}, "dias_vencimento"),
        (T.ENVIAR_RELATORIOS, {"destinatarios": ["a@brm.test"], "competencia": 11}, "competencia"),
        (T.ENVIAR_RELATORIOS, {"destinatarios": ["a@brm.test"], "competencia": "proxima"}, "competencia"),
        (T.LIMPEZA_LOGS, {"dias_retencao": "90"}, "dias_retencao"),
        (T.LIMPEZA_LOGS, {"dias_retencao": 0}, "dias_retencao"),
        (T.LIMPEZA_LOGS, {"dias_retencao": 3651}, "dias_retencao"),
        (T.BACKUP_DADOS, {"manter": 0}, "manter"),
        (T.BACKUP_DADOS, {"manter": "7"}, "manter"),
        (T.BACKUP_DADOS, {"pasta": 7}, "pasta"),
        (T.BACKUP_DADOS, {"pasta": "backups/relativos"}, "pasta"),
    ],
)
def test_tipo_ou_valor_errado_e_recusado_com_o_campo(tipo, parametros, campo):
    erro = _recusa(tipo, parametros)

    assert erro.dados["campo"] == campo
    assert erro.mensagem.endswith(".")


def test_relatorio_sem_destinatario_e_recusado():
    for parametros in ({}, {"destinatarios": []}, {"destinatarios": ["  "]}):
        erro = _recusa(T.ENVIAR_RELATORIOS, parametros)

        assert erro.mensagem == "Informe ao menos um destinatário."
        assert erro.dados == {"campo": "destinatarios"}


def test_relatorio_com_email_invalido_e_recusado_dizendo_qual():
    erro = _recusa(T.ENVIAR_RELATORIOS, {"destinatarios": ["ok@brm.test", "financeiro@", "sem-arroba"]})

    assert erro.mensagem == "E-mail inválido: financeiro@, sem-arroba."
    assert erro.dados["invalidos"] == ["financeiro@", "sem-arroba"]


def test_relatorio_limpa_e_completa_os_parametros():
    limpos = TIPOS[T.ENVIAR_RELATORIOS].validar(
        {"destinatarios": [" a@brm.test ", "b@brm.test", "a@brm.test"], "competencia": "anterior"}
    )

    assert limpos == {"destinatarios": ["a@brm.test", "b@brm.test"], "competencia": "anterior", "dias_vencimento": 7}


@pytest.mark.django_db
def test_downloads_recusa_operadora_desconhecida_listando_os_codigos():
    OperadoraFactory(codigo="vivo")

    erro = _recusa(T.EXECUTAR_DOWNLOADS, {"operadoras": ["vivo", "tim", "oi"]})

    assert erro.mensagem.startswith("Operadora desconhecida: tim, oi.")
    assert erro.dados == {"campo": "operadoras", "desconhecidas": ["tim", "oi"]}


@pytest.mark.django_db
def test_downloads_aceita_operadoras_conhecidas():
    OperadoraFactory(codigo="vivo")
    OperadoraFactory(codigo="claro")

    limpos = TIPOS[T.EXECUTAR_DOWNLOADS].validar(
        {"operadoras": ["claro", "vivo", "claro"], "apenas_processos_pendentes": False}
    )

    assert limpos == {
        "apenas_processos_pendentes": False,
        "limite_execucoes_simultaneas": 5,
        "operadoras": ["claro", "vivo"],
    }


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("tipo", "parametros"),
    [
        (T.CRIAR_PROCESSOS_MENSAIS, {}),
        (T.EXECUTAR_DOWNLOADS, {"limite_execucoes_simultaneas": 10}),
        (T.ENVIAR_RELATORIOS, {"destinatarios": ["a@brm.test"], "dias_vencimento": 0}),
        (T.LIMPEZA_LOGS, {"dias_retencao": 1}),
        (T.BACKUP_DADOS, {"pasta": "/var/backups/brm", "manter": 365}),
    ],
)
def test_validar_de_novo_o_que_ja_foi_validado_nao_muda_nada(tipo, parametros):
    limpos = tipo_obter(tipo).validar(parametros)

    assert tipo_obter(tipo).validar(limpos) == limpos


@pytest.mark.django_db
def test_executar_valida_de_novo_o_que_estava_guardado():
    # A schedule saved before a rule existed, or naming an operator deleted since, fails with the reason.
    with pytest.raises(ErroDeNegocio) as erro:
        TIPOS[T.EXECUTAR_DOWNLOADS].executar(
            parametros={"operadoras": ["apagada"]}, agora=AGORA, fuso="America/Sao_Paulo", por=None
        )

    assert "apagada" in erro.value.mensagem


@pytest.mark.django_db
def test_fuso_desconhecido_e_recusado():
    with pytest.raises(ErroDeNegocio) as erro:
        TIPOS[T.CRIAR_PROCESSOS_MENSAIS].executar(parametros={}, agora=AGORA, fuso="America/Atlantida", por=None)

    assert erro.value.dados == {"campo": "fuso_horario"}
