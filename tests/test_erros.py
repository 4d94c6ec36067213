"""The error pages: in Portuguese, with the site's look, and the 500 page without a request or a database."""

import pytest
from django.core.exceptions import SuspiciousOperation
from django.test import Client, RequestFactory
from django.urls import path, reverse
from django.views.defaults import bad_request, server_error

from brm.urls import handler403, handler404
from brm.urls import urlpatterns as urls_do_site

from .factories import ProcessoFactory


def _quebrar(request):
    raise RuntimeError("falha de teste")


# This module is also the URLconf of the tests that need a view that fails (pytest.mark.urls).
urlpatterns = [path("_teste/quebrar/", _quebrar), *urls_do_site]
__all__ = ["handler403", "handler404", "urlpatterns"]

CSS_DO_ADMIN = '<link rel="stylesheet" href="/static/admin/css/base.css">'
EM_INGLES = ("Not Found", "Server Error", "Forbidden", "Bad Request", "CSRF verification failed")


def _pagina(resposta) -> str:
    conteudo = resposta.content.decode()
    assert not any(frase in conteudo for frase in EM_INGLES), conteudo
    assert '<html lang="pt-br"' in conteudo
    assert CSS_DO_ADMIN in conteudo
    assert "BRM · Gestão de faturas" in conteudo
    return conteudo


def test_debug_desligado_nos_testes(settings):
    # The error pages below are what people see only with DEBUG off.
    assert settings.DEBUG is False


@pytest.mark.django_db
def test_404_em_portugues_para_quem_nao_entrou(client):
    resposta = client.get("/nada-aqui/")

    assert resposta.status_code == 404
    conteudo = _pagina(resposta)
    assert "<h1>Página não encontrada</h1>" in conteudo
    assert "<code>/nada-aqui/</code>" in conteudo
    assert 'href="/"' in conteudo


@pytest.mark.django_db
def test_404_mostra_o_cabecalho_de_quem_entrou(client, admin_user):
    client.force_login(admin_user)

    resposta = client.get("/nada-aqui/")

    assert resposta.status_code == 404
    conteudo = _pagina(resposta)
    assert 'id="logout-form"' in conteudo
    assert "<title>Página não encontrada | BRM</title>" in conteudo


@pytest.mark.django_db
def test_404_de_uma_pagina_do_admin_que_levanta_http404(client, admin_user):
    processo = ProcessoFactory()
    client.force_login(admin_user)

    resposta = client.get(reverse("admin:processos_processo_fatura", args=[processo.pk]))

    assert resposta.status_code == 404
    assert "<h1>Página não encontrada</h1>" in _pagina(resposta)


@pytest.mark.django_db
def test_404_escapa_o_endereco_pedido(client):
    resposta = client.get("/<script>alert(1)</script>/")

    assert resposta.status_code == 404
    conteudo = _pagina(resposta)
    assert "<script>alert(1)</script>" not in conteudo
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in conteudo


@pytest.mark.django_db
def test_403_em_portugues_com_o_visual_do_admin(client, leitor):
    client.force_login(leitor)

    resposta = client.get(reverse("admin:usuarios_usuario_changelist"))

    assert resposta.status_code == 403
    conteudo = _pagina(resposta)
    assert "<h1>Acesso negado</h1>" in conteudo
    assert "peça a um administrador" in conteudo
    assert 'id="logout-form"' in conteudo


@pytest.mark.urls("tests.test_erros")
@pytest.mark.django_db
def test_500_em_portugues_quando_uma_pagina_falha(client):
    client.raise_request_exception = False

    resposta = client.get("/_teste/quebrar/")

    assert resposta.status_code == 500
    conteudo = _pagina(resposta)
    assert "<h1>Erro no servidor</h1>" in conteudo
    assert "falha de teste" not in conteudo


def test_500_nao_precisa_de_request_nem_de_banco():
    # No django_db mark: any query here fails the test.
    resposta = server_error(RequestFactory().get("/"))

    assert resposta.status_code == 500
    conteudo = _pagina(resposta)
    assert '<link rel="stylesheet" href="/static/admin/css/dark_mode.css">' in conteudo


def test_400_em_portugues_sem_banco():
    resposta = bad_request(RequestFactory().get("/"), SuspiciousOperation("teste"))

    assert resposta.status_code == 400
    assert "<h1>Pedido inválido</h1>" in _pagina(resposta)


@pytest.mark.django_db
def test_400_para_um_endereco_de_outro_site(client):
    resposta = client.get("/", HTTP_HOST="site-de-outra-pessoa.example")

    assert resposta.status_code == 400
    assert "<h1>Pedido inválido</h1>" in _pagina(resposta)


@pytest.mark.django_db
def test_falha_de_csrf_em_portugues(admin_user):
    cliente = Client(enforce_csrf_checks=True)

    resposta = cliente.post(reverse("admin:login"), {"username": admin_user.email, "password": "x"})

    assert resposta.status_code == 403
    conteudo = _pagina(resposta)
    assert "<h1>Envio recusado por segurança</h1>" in conteudo
    assert "cookie de segurança" in conteudo
    assert "_auth_user_id" not in cliente.session


@pytest.mark.django_db
def test_falha_de_csrf_com_cookie_mas_token_errado_explica_a_pagina_velha(admin_user):
    cliente = Client(enforce_csrf_checks=True)
    cliente.get(reverse("admin:login"))

    resposta = cliente.post(
        reverse("admin:login"),
        {"username": admin_user.email, "password": "x", "csrfmiddlewaretoken": "x" * 64},
    )

    assert resposta.status_code == 403
    conteudo = _pagina(resposta)
    assert "recarregue a página" in conteudo
    assert "cookie de segurança" not in conteudo
