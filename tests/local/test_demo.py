"""Demo data (`seed_demo`): what a developer finds after `make run`."""

import io

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from brm.common.fields import validar_cnpj
from brm.local.demo import USUARIOS_DEMO
from brm.usuarios.models import Usuario
from brm.usuarios.papeis import GRUPOS
from clientes.models import Cliente
from operadoras.models import Operadora
from processos.models import Processo
from tests.factories import ConfiguracaoRPAFactory, UsuarioFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def robos_sem_simulador_local(db):
    # The demo month has tests of its own (test_demo_mes.py); here a robot API that is not the local simulator
    # leaves it out, and these tests see the records alone.
    ConfiguracaoRPAFactory(url_base="http://robos.exemplo.invalid:8000", token="x")


def _seed(*args: str) -> str:
    saida = io.StringIO()
    call_command("seed_demo", *args, stdout=saida)
    return saida.getvalue()


def _contagens() -> dict[str, int]:
    return {
        "operadoras": Operadora.objects.count(),
        "clientes": Cliente.objects.count(),
        "usuarios": Usuario.objects.count(),
        "processos": Processo.objects.count(),
    }


def test_seed_demo_cria_as_cinco_operadoras():
    _seed()

    assert set(Operadora.objects.values_list("nome", flat=True)) == {"Vivo", "Claro", "TIM", "Oi", "Embratel"}
    assert Operadora.objects.filter(ativa=True).count() == 5


def test_seed_demo_cria_uns_cinquenta_clientes_com_cnpj_valido():
    _seed()

    clientes = list(Cliente.objects.all())
    assert 40 <= len(clientes) <= 60
    for cliente in clientes:
        validar_cnpj(cliente.cnpj)
        assert cliente.cnpj == cliente.cnpj.upper() and len(cliente.cnpj) == 14
    assert any(not c.cnpj.isdigit() for c in clientes), "nenhum CNPJ alfanumérico"
    assert any(c.cnpj.isdigit() for c in clientes), "nenhum CNPJ numérico"
    assert all(c.senha_portal for c in clientes)
    assert {c.operadora.codigo for c in clientes} == {"vivo", "claro", "tim", "oi", "embratel"}


def test_seed_demo_cria_um_usuario_por_papel_que_entra_com_a_senha_documentada():
    _seed()

    for email, _, papel, senha in USUARIOS_DEMO:
        usuario = Usuario.objects.get(email=email)
        assert usuario.papel == papel
        assert usuario.check_password(senha)
        assert list(usuario.groups.values_list("name", flat=True)) == [GRUPOS[papel]]
    assert {papel for _, _, papel, _ in USUARIOS_DEMO} == set(Usuario.Papel.values)


def test_seed_demo_cria_os_processos_do_mes_para_os_clientes_ativos():
    _seed()

    competencia = timezone.localdate().replace(day=1)
    ativos = Cliente.objects.filter(ativo=True, operadora__ativa=True)
    assert set(Processo.objects.filter(competencia=competencia).values_list("cliente_id", flat=True)) == set(
        ativos.values_list("pk", flat=True)
    )
    assert Processo.objects.count() == ativos.count()
    assert Cliente.objects.filter(ativo=False).exists()


def test_seed_demo_mostra_resumo_e_logins():
    saida = _seed()

    assert "Demonstração: 5 operadoras" in saida
    for email, _, _, senha in USUARIOS_DEMO:
        assert email in saida
        assert f"senha: {senha}" in saida


def test_seed_demo_rodado_duas_vezes_nao_cria_nada_novo():
    _seed()
    antes = _contagens()

    saida = _seed()

    assert _contagens() == antes
    assert "0 clientes novos, 0 usuários novos, 0 processos criados" in saida


def test_seed_demo_e_recusado_onde_demonstracao_nao_e_permitida(settings):
    settings.BRM_DEMO_PERMITIDO = False

    with pytest.raises(CommandError, match="BRM_DEMO_PERMITIDO"):
        _seed()

    assert _contagens() == {"operadoras": 0, "clientes": 0, "usuarios": 0, "processos": 0}


def test_seed_demo_se_vazio_nao_faz_nada_quando_ja_ha_usuarios():
    UsuarioFactory(email="alguem@brm.test")

    saida = _seed("--se-vazio")

    assert "O banco já tem dados: nada a criar." in saida
    assert _contagens() == {"operadoras": 0, "clientes": 0, "usuarios": 1, "processos": 0}


def test_seed_demo_se_vazio_cria_tudo_num_banco_vazio():
    _seed("--se-vazio")

    assert Operadora.objects.count() == 5
    assert Usuario.objects.count() == len(USUARIOS_DEMO)


def test_listar_logins_nao_cria_nada():
    saida = _seed("--listar-logins")

    assert "Nenhum usuário de demonstração neste banco." in saida
    assert _contagens() == {"operadoras": 0, "clientes": 0, "usuarios": 0, "processos": 0}
