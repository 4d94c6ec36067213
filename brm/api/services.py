"""Writes of the API's own data: service tokens, and signing out of a JWT session."""

import datetime as dt
import secrets
import uuid

from django.db import transaction
from django.utils import timezone
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.token_blacklist.models import OutstandingToken
from rest_framework_simplejwt.tokens import RefreshToken

from brm.common.errors import ErroDeNegocio
from brm.usuarios.models import Usuario

from .models import SessaoEncerrada, TokenDeServico
from .selectors import token_hash

PREFIXO_TOKEN = "brm_"
CLAIM_SESSAO = "sessao"
# The last use is written at most this often per key: a busy system must not turn every call into a write.
ULTIMO_USO_PRECISAO_SEGUNDOS = 60


def _exigir_admin(por: Usuario | None, acao: str) -> None:
    if por is not None and not por.has_perm(f"api.{acao}_tokendeservico"):
        raise ErroDeNegocio("Você não tem permissão para gerenciar tokens de serviço.", codigo=ErroDeNegocio.PERMISSAO)


@transaction.atomic
def token_de_servico_criar(*, nome: str, usuario: Usuario, por: Usuario | None) -> tuple[TokenDeServico, str]:
    """A new key for a system acting as `usuario`; returns the row and the key, which is never readable again."""
    _exigir_admin(por, "add")
    nome = (nome or "").strip()
    if not nome:
        raise ErroDeNegocio(
            "Diga qual sistema vai usar a chave.", codigo=ErroDeNegocio.INVALIDO, dados={"campo": "nome"}
        )
    if not usuario.is_active:
        raise ErroDeNegocio(
            "A conta está desativada: ative-a antes de criar uma chave para ela.",
            codigo=ErroDeNegocio.INVALIDO,
            dados={"campo": "usuario"},
        )
    chave = PREFIXO_TOKEN + secrets.token_urlsafe(32)
    token = TokenDeServico.objects.create(
        nome=nome[:100], usuario=usuario, prefixo=chave[:12], hash=token_hash(chave), criado_por=por
    )
    return token, chave


def token_de_servico_revogar(*, token: TokenDeServico, por: Usuario | None) -> TokenDeServico:
    """Refuse the key from now on. Revoking a key already revoked is refused, saying when it was."""
    _exigir_admin(por, "change")
    agora = timezone.now()
    if not TokenDeServico.objects.filter(pk=token.pk, revogado_em__isnull=True).update(
        revogado_em=agora, revogado_por=por, updated_at=agora
    ):
        raise ErroDeNegocio("Esta chave já estava revogada.")
    token.refresh_from_db()
    return token


def token_de_servico_registrar_uso(*, token: TokenDeServico) -> None:
    """Note that the key was used now (at most once a minute per key)."""
    agora = timezone.now()
    limite = agora - timezone.timedelta(seconds=ULTIMO_USO_PRECISAO_SEGUNDOS)
    if token.ultimo_uso_em is None or token.ultimo_uso_em < limite:
        TokenDeServico.objects.filter(pk=token.pk).update(ultimo_uso_em=agora)
        token.ultimo_uso_em = agora


def sessao_jwt_iniciar(*, usuario: Usuario) -> RefreshToken:
    """A sign-in: a refresh token (and its access token) carrying the id of this sign-in, `sessao`.

    Every token renewed from it carries the same `sessao`, so signing out ends all of them at once.
    """
    refresh = RefreshToken.for_user(usuario)
    refresh[CLAIM_SESSAO] = uuid.uuid4().hex
    return refresh


@transaction.atomic
def sessao_jwt_encerrar(*, refresh: str, usuario: Usuario) -> None:
    """Sign out: the refresh token goes to the blacklist and the sign-in it belongs to ends, so neither it, its
    rotations nor the access tokens they gave are accepted any more."""
    try:
        token = RefreshToken(refresh)
    except TokenError as erro:
        raise ErroDeNegocio(
            "O token de renovação é inválido, expirou ou já foi encerrado.",
            codigo=ErroDeNegocio.INVALIDO,
            dados={"campo": "refresh"},
        ) from erro
    if str(token.get(api_settings.USER_ID_CLAIM)) != str(usuario.pk):
        raise ErroDeNegocio(
            "Este token de renovação é de outra pessoa.", codigo=ErroDeNegocio.INVALIDO, dados={"campo": "refresh"}
        )
    token.blacklist()
    if sessao := token.get(CLAIM_SESSAO):
        expira_em = dt.datetime.fromtimestamp(token["exp"], tz=dt.UTC)
        SessaoEncerrada.objects.get_or_create(sessao=sessao, defaults={"expira_em": expira_em})


def tokens_expirados_apagar(*, agora: dt.datetime) -> dict[str, int]:
    """Delete what refuses nothing any more: refresh tokens past their expiry (their blacklist rows go with
    them) and signed-out sign-ins past theirs.

    Safe only because every refresh token's `OutstandingToken.expires_at` is its own `exp` claim (SimpleJWT
    writes both from `REFRESH_TOKEN_LIFETIME`, at sign-in and at each rotation): a blacklist row deleted
    here belongs to a token its expiry refuses anyway. A token whose `exp` were changed after it was
    recorded would come back to life when its row went; nothing here does that.
    """
    _, por_modelo = OutstandingToken.objects.filter(expires_at__lte=agora).delete()
    sessoes, _ = SessaoEncerrada.objects.filter(expira_em__lte=agora).delete()
    return {
        "tokens_expirados": por_modelo.get(OutstandingToken._meta.label, 0),
        "sessoes_encerradas": sessoes,
    }
