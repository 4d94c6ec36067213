"""The alerts in the admin: administrators set the thresholds and who receives which alert, with Portuguese
refusals that change nothing; they read the events and the e-mails; other roles see none of it."""

import pytest
from django.urls import reverse

from brm.alertas.models import DestinatarioDeAlerta, EnvioDeAlerta, EventoDeAlerta, TipoDeAlerta
from brm.alertas.selectors import configuracao_alertas_obter
from brm.alertas.services import alerta_registrar, alertas_enviar
from brm.usuarios.models import Usuario
from tests.conftest import linhas_da_lista
from tests.factories import UsuarioFactory

pytestmark = pytest.mark.django_db

T = TipoDeAlerta
ADICIONAR = reverse("admin:alertas_destinatariodealerta_add")
UM_DOS_DOIS = "Escolha um usuário ou informe um e-mail, um dos dois."


def erros(resposta) -> dict[str, list[str]]:
    formulario = resposta.context["adminform"].form
    return {campo: list(mensagens) for campo, mensagens in formulario.errors.items()}


def destinatario(**campos) -> dict:
    return {"usuario": "", "email": "", "tipos": [], "ativo": "on", **campos}


@pytest.mark.parametrize(
    ("dados", "esperado"),
    [
        (destinatario(tipos=[T.FATURA_ATRASADA]), {"__all__": [UM_DOS_DOIS]}),
        (destinatario(email="plantao@brm.test"), {"tipos": ["Escolha pelo menos um alerta."]}),
        (
            destinatario(email="plantao@brm.test", tipos=["OUTRO"]),
            {"tipos": ["Faça uma escolha válida. OUTRO não é uma das escolhas disponíveis."]},
        ),
        (
            destinatario(email="não é e-mail", tipos=[T.FATURA_ATRASADA]),
            {"email": ["Insira um endereço de email válido."]},
        ),
    ],
    ids=["sem_ninguem", "sem_alerta", "alerta_desconhecido", "email_invalido"],
)
def test_cadastro_invalido_de_destinatario_e_recusado_em_portugues_sem_gravar(client, admin_user, dados, esperado):
    client.force_login(admin_user)

    resposta = client.post(ADICIONAR, dados)

    assert resposta.status_code == 200
    assert erros(resposta) == esperado
    assert not DestinatarioDeAlerta.objects.exists()


def test_usuario_e_email_juntos_sao_recusados(client, admin_user, operador):
    client.force_login(admin_user)

    resposta = client.post(
        ADICIONAR, destinatario(usuario=operador.pk, email="plantao@brm.test", tipos=[T.FATURA_ATRASADA])
    )

    assert erros(resposta) == {"__all__": [UM_DOS_DOIS]}
    assert not DestinatarioDeAlerta.objects.exists()


def test_o_mesmo_email_ou_usuario_duas_vezes_e_recusado(client, admin_user, operador):
    client.force_login(admin_user)
    client.post(ADICIONAR, destinatario(email="plantao@brm.test", tipos=[T.FATURA_ATRASADA]))
    client.post(ADICIONAR, destinatario(usuario=operador.pk, tipos=[T.EXECUCAO_FALHOU]))

    mesmo_email = client.post(ADICIONAR, destinatario(email="Plantao@BRM.test", tipos=[T.VENCIMENTO_PROXIMO]))
    mesmo_usuario = client.post(ADICIONAR, destinatario(usuario=operador.pk, tipos=[T.VENCIMENTO_PROXIMO]))

    assert erros(mesmo_email) == {"__all__": ["Este e-mail já é destinatário de alertas: altere o cadastro dele."]}
    assert erros(mesmo_usuario) == {"__all__": ["Este usuário já é destinatário de alertas: altere o cadastro dele."]}
    assert DestinatarioDeAlerta.objects.count() == 2


def test_usuario_inativo_nao_e_oferecido_nem_aceito(client, admin_user):
    inativo = UsuarioFactory(email="saiu@brm.test", is_active=False)
    client.force_login(admin_user)

    assert inativo.email not in client.get(ADICIONAR).content.decode()
    resposta = client.post(ADICIONAR, destinatario(usuario=inativo.pk, tipos=[T.FATURA_ATRASADA]))

    assert "usuario" in erros(resposta)
    assert not DestinatarioDeAlerta.objects.exists()


def test_administrador_cadastra_destinatarios_e_a_lista_mostra_quem_recebe_o_que(client, admin_user, operador):
    client.force_login(admin_user)

    resposta = client.post(
        ADICIONAR, destinatario(email=" Financeiro@BRM.test ", tipos=[T.FATURA_ATRASADA, T.VENCIMENTO_PROXIMO])
    )
    client.post(ADICIONAR, destinatario(usuario=operador.pk, tipos=[T.EXECUCAO_FALHOU]))

    assert resposta.status_code == 302
    por_endereco = {d.endereco: d.tipos for d in DestinatarioDeAlerta.objects.all()}
    assert por_endereco == {
        "financeiro@brm.test": [T.FATURA_ATRASADA, T.VENCIMENTO_PROXIMO],
        "operador@brm.test": [T.EXECUCAO_FALHOU],
    }
    linhas = linhas_da_lista(client.get(reverse("admin:alertas_destinatariodealerta_changelist")))
    assert {linha["destinatario"]: linha["tipos_lista"] for linha in linhas} == {
        "financeiro@brm.test": "Fatura atrasada (passou do dia de emissão), Fatura perto do vencimento sem aprovação",
        f"{operador} <operador@brm.test>": "Execução que falhou sem nova tentativa automática",
    }


def test_configuracao_e_uma_linha_validada_e_salvar_nao_apaga_a_queda_em_curso(client, admin_user):
    client.force_login(admin_user)
    configuracao = configuracao_alertas_obter()
    pagina = reverse("admin:alertas_configuracaodealertas_change", args=[configuracao.pk])

    lista = client.get(reverse("admin:alertas_configuracaodealertas_changelist"))
    assert (lista.status_code, lista.url) == (302, pagina)
    assert client.get(pagina).status_code == 200

    recusada = client.post(pagina, {"minutos_api_fora": "0", "dias_vencimento": "61"})
    assert erros(recusada) == {
        "minutos_api_fora": ["Informe ao menos 1 minuto."],
        "dias_vencimento": ["No máximo 60 dias."],
    }

    # The monitor opens an outage while the form is on the screen: saving the thresholds keeps it.
    type(configuracao).objects.filter(pk=configuracao.pk).update(
        api_robos_fora_desde="2026-11-20T13:00:00Z", api_robos_erro="recusada"
    )
    assert client.post(pagina, {"minutos_api_fora": "20", "dias_vencimento": "3"}).status_code == 302

    configuracao.refresh_from_db()
    assert (configuracao.minutos_api_fora, configuracao.dias_vencimento) == (20, 3)
    assert configuracao.api_robos_fora_desde is not None and configuracao.api_robos_erro == "recusada"
    assert "Sem responder desde 20/11/2026 10:00" in client.get(pagina).content.decode()


def test_administrador_le_eventos_e_emails_sem_poder_altera_los(client, admin_user, mailoutbox):
    DestinatarioDeAlerta.objects.create(email="plantao@brm.test", tipos=[T.FATURA_ATRASADA])
    alerta_registrar(tipo=T.FATURA_ATRASADA, chave="x", titulo="Empresa X · 11/2026", caminho="/admin/")
    alertas_enviar()
    evento, envio = EventoDeAlerta.objects.get(), EnvioDeAlerta.objects.get()
    client.force_login(admin_user)

    lista = linhas_da_lista(client.get(reverse("admin:alertas_eventodealerta_changelist")))
    assert [(linha["titulo"], linha["situacao"]) for linha in lista] == [("Empresa X · 11/2026", "Enviado")]
    pagina_envio = client.get(reverse("admin:alertas_enviodealerta_change", args=[envio.pk])).content.decode()
    assert "Empresa X · 11/2026" in pagina_envio and 'name="_save"' not in pagina_envio
    apagar = reverse("admin:alertas_eventodealerta_delete", args=[evento.pk])
    assert client.post(apagar, {"post": "yes"}).status_code == 403
    assert len(mailoutbox) == 1


@pytest.mark.parametrize("papel", [Usuario.Papel.OPERADOR, Usuario.Papel.APROVADOR, Usuario.Papel.LEITURA])
def test_so_administradores_veem_os_alertas(client, papel):
    client.force_login(UsuarioFactory(papel=papel))

    for modelo in ("configuracaodealertas", "destinatariodealerta", "eventodealerta", "enviodealerta"):
        assert client.get(reverse(f"admin:alertas_{modelo}_changelist")).status_code == 403
