"""A process typed in by a person: created by the service, with the first event of its timeline."""

import datetime as dt

import pytest
from django.urls import reverse

from brm.common.errors import ErroDeNegocio
from processos.models import Processo, ProcessoEvento
from processos.services import processo_criar
from tests.factories import ClienteFactory, ProcessoFactory

pytestmark = pytest.mark.django_db

S = Processo.Status


def test_criar_processo_grava_o_primeiro_evento_com_quem_criou(admin_user):
    cliente = ClienteFactory()

    processo = processo_criar(cliente=cliente, competencia=dt.date(2026, 3, 17), por=admin_user)

    assert (processo.competencia, processo.status) == (dt.date(2026, 3, 1), S.AGUARDANDO_DOWNLOAD)
    evento = ProcessoEvento.objects.get(processo=processo)
    assert (evento.de, evento.para, evento.por) == ("", S.AGUARDANDO_DOWNLOAD, admin_user)


def test_criar_segundo_processo_do_mesmo_mes_e_recusado_sem_efeitos(admin_user):
    existente = ProcessoFactory(competencia=dt.date(2026, 3, 1))

    with pytest.raises(ErroDeNegocio) as erro:
        processo_criar(cliente=existente.cliente, competencia=dt.date(2026, 3, 1), por=admin_user)

    assert erro.value.codigo == ErroDeNegocio.CONFLITO
    assert erro.value.mensagem == f"Já existe um processo de {existente.cliente} para 03/2026."
    assert Processo.objects.count() == 1
    assert not ProcessoEvento.objects.exists()


@pytest.mark.parametrize("papel", ["operador", "leitor"])
def test_quem_nao_tem_permissao_de_incluir_nao_cria_processo(request, papel):
    pessoa = request.getfixturevalue(papel)
    with pytest.raises(ErroDeNegocio) as erro:
        processo_criar(cliente=ClienteFactory(), competencia=dt.date(2026, 3, 1), por=pessoa)

    assert erro.value.codigo == ErroDeNegocio.PERMISSAO
    assert not Processo.objects.exists()


def test_incluir_pelo_admin_passa_pelo_servico_e_grava_a_linha_do_tempo(client, admin_user):
    cliente = ClienteFactory()
    client.force_login(admin_user)

    resposta = client.post(
        reverse("admin:processos_processo_add"), {"cliente": str(cliente.pk), "competencia": "2026-03"}
    )

    assert resposta.status_code == 302
    processo = Processo.objects.get(cliente=cliente)
    evento = ProcessoEvento.objects.get(processo=processo)
    assert (evento.para, evento.por) == (S.AGUARDANDO_DOWNLOAD, admin_user)
