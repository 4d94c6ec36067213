"""/contas/: the SSO providers' login and callback addresses (GitHub, OpenID Connect), and the names allauth
redirects to, each answered by the admin's login page (views.py). Nothing else of allauth is mounted."""

from django.urls import include, path

from . import views

urlpatterns = [
    path("login/", views.entrar, name="account_login"),
    path("inativa/", views.conta_inativa, name="account_inactive"),
    path("externa/cancelada/", views.entrada_cancelada, name="socialaccount_login_cancelled"),
    path("externa/erro/", views.entrada_com_erro, name="socialaccount_login_error"),
    path("externa/cadastro/", views.cadastro_fechado, name="socialaccount_signup"),
    # /contas/github/login/ and /contas/github/login/callback/
    path("", include("allauth.socialaccount.providers.github.urls")),
    # /contas/oidc/<BRM_SSO_OIDC_ID>/login/ and .../login/callback/
    path("", include("allauth.socialaccount.providers.openid_connect.urls")),
]
