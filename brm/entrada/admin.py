"""The sign-in in the admin ("Entrada"): lockouts an administrator lifts, successful sign-ins, linked SSO accounts.

django-axes' own admin is off (AXES_ENABLE_ADMIN = False) and allauth's is taken down: their pages speak English
and offer what we do not use (apps in the database, stored tokens, e-mail confirmations).
"""

from allauth.account.models import EmailAddress
from allauth.socialaccount.models import SocialAccount, SocialApp, SocialToken
from django.conf import settings
from django.contrib import admin, messages
from django.utils import timezone
from django.utils.text import Truncator

from brm.common.admin import plural
from brm.common.errors import ErroDeNegocio

from .models import ContaExterna, EntradaRegistrada, TentativaDeEntrada
from .selectors import tentativa_bloqueada_ate, tentativa_expirada, tentativas_bloqueadas
from .services import bloqueios_desfazer

for _modelo in (EmailAddress, SocialApp, SocialToken, SocialAccount):
    if admin.site.is_registered(_modelo):
        admin.site.unregister(_modelo)


class SomenteLeitura:
    """Rows written by the sign-in itself: nobody adds or edits them by hand."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class ColunasDoAcesso:
    """The columns axes' attempts and sign-ins share, titled in Portuguese (axes names them in English)."""

    @admin.display(description="endereço", ordering="ip_address")
    def endereco(self, obj):
        return obj.ip_address or "?"

    @admin.display(description="onde", ordering="path_info")
    def onde(self, obj):
        return obj.path_info

    @admin.display(description="navegador ou programa")
    def navegador(self, obj):
        return Truncator(obj.user_agent).chars(60)


class FiltroOnde(admin.AllValuesFieldListFilter):
    """The page or API address of the attempt, titled in Portuguese (axes names the column "Path")."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.title = "onde"


class FiltroBloqueada(admin.SimpleListFilter):
    title = "situação"
    parameter_name = "bloqueada"

    def lookups(self, request, model_admin):
        return (("sim", "Bloqueadas"), ("nao", "Não bloqueadas"))

    def queryset(self, request, queryset):
        if self.value() not in ("sim", "nao"):
            return queryset
        bloqueadas = tentativas_bloqueadas(queryset)
        if self.value() == "sim":
            return bloqueadas
        return queryset.exclude(pk__in=bloqueadas.values("pk"))


@admin.register(TentativaDeEntrada)
class TentativaDeEntradaAdmin(SomenteLeitura, ColunasDoAcesso, admin.ModelAdmin):
    list_display = ("email", "endereco", "falhas", "situacao", "ultima_tentativa", "onde", "navegador")
    list_filter = (FiltroBloqueada, ("path_info", FiltroOnde))
    search_fields = ("username", "ip_address")
    date_hierarchy = "attempt_time"
    ordering = ("-attempt_time",)
    actions = ["desbloquear"]
    fields = readonly_fields = ("email", "endereco", "falhas", "situacao", "ultima_tentativa", "onde", "navegador")

    @admin.display(description="e-mail", ordering="username")
    def email(self, obj):
        return obj.username or "(sem e-mail)"

    @admin.display(description="senhas erradas", ordering="failures_since_start")
    def falhas(self, obj):
        return obj.failures_since_start

    @admin.display(description="situação")
    def situacao(self, obj):
        ate = tentativa_bloqueada_ate(obj)
        if ate is True:
            return "Bloqueada até um administrador desbloquear"
        if ate is not None:
            return f"Bloqueada até {timezone.localtime(ate):%d/%m/%Y %H:%M}"
        if tentativa_expirada(obj):
            return "Expirada: não conta mais"
        restantes = settings.AXES_FAILURE_LIMIT - obj.failures_since_start
        return f"{plural(restantes, 'tentativa restante', 'tentativas restantes')}"

    @admin.display(description="última tentativa", ordering="attempt_time")
    def ultima_tentativa(self, obj):
        return obj.attempt_time

    def get_actions(self, request):
        acoes = super().get_actions(request)
        # "Desbloquear" says what deleting these rows means; one way to do it is enough.
        acoes.pop("delete_selected", None)
        return acoes

    @admin.action(description="Desbloquear (apagar as tentativas selecionadas)", permissions=["delete"])
    def desbloquear(self, request, queryset):
        try:
            apagadas = bloqueios_desfazer(tentativas=queryset, por=request.user)
        except ErroDeNegocio as erro:
            self.message_user(request, erro.mensagem, messages.ERROR)
            return
        self.message_user(
            request,
            f"{plural(apagadas, 'registro apagado', 'registros apagados')}: quem estava bloqueado já pode entrar.",
            messages.SUCCESS,
        )

    def delete_model(self, request, obj):
        bloqueios_desfazer(tentativas=TentativaDeEntrada.objects.filter(pk=obj.pk), por=request.user)

    def delete_queryset(self, request, queryset):
        bloqueios_desfazer(tentativas=queryset, por=request.user)


@admin.register(EntradaRegistrada)
class EntradaRegistradaAdmin(SomenteLeitura, ColunasDoAcesso, admin.ModelAdmin):
    list_display = ("email", "endereco", "entrou", "saiu", "onde", "navegador")
    list_filter = (("path_info", FiltroOnde),)
    search_fields = ("username", "ip_address")
    date_hierarchy = "attempt_time"
    ordering = ("-attempt_time",)
    fields = readonly_fields = ("email", "endereco", "entrou", "saiu", "onde", "navegador")

    def has_delete_permission(self, request, obj=None) -> bool:
        # A record of who signed in: old rows go with `manage.py axes_reset_logs`, not by hand.
        return False

    @admin.display(description="e-mail", ordering="username")
    def email(self, obj):
        return obj.username

    @admin.display(description="entrou em", ordering="attempt_time")
    def entrou(self, obj):
        return obj.attempt_time

    @admin.display(description="saiu em", ordering="logout_time")
    def saiu(self, obj):
        return obj.logout_time


@admin.register(ContaExterna)
class ContaExternaAdmin(SomenteLeitura, admin.ModelAdmin):
    list_display = ("usuario", "provedor", "identificador", "vinculada_em", "ultima_entrada")
    list_filter = ("provider",)
    search_fields = ("user__email", "user__nome", "uid")
    list_select_related = ("user",)
    ordering = ("-date_joined",)
    fields = readonly_fields = ("usuario", "provedor", "identificador", "vinculada_em", "ultima_entrada")

    @admin.display(description="usuário", ordering="user__email")
    def usuario(self, obj):
        return obj.user

    @admin.display(description="provedor", ordering="provider")
    def provedor(self, obj):
        return obj.provider

    @admin.display(description="identificador no provedor", ordering="uid")
    def identificador(self, obj):
        return obj.uid

    @admin.display(description="vinculada em", ordering="date_joined")
    def vinculada_em(self, obj):
        return obj.date_joined

    @admin.display(description="última entrada", ordering="last_login")
    def ultima_entrada(self, obj):
        return obj.last_login
