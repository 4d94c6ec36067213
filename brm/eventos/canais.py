"""The live channels and who may read them.

- `painel`: every status change of processes and robot jobs, for the painel and the lists.
- `execucao-<uuid>`: one robot job's status changes and its log lines, in batches.

A channel is read only by a signed-in, active user with the permission to see what it carries; anything
else (an anonymous visitor, a name that is not one of ours) is refused. This module imports no app: it
knows the permissions by name.
"""

import uuid

from django_eventstream.channelmanager import ChannelManagerBase

CANAL_PAINEL = "painel"
PREFIXO_EXECUCAO = "execucao-"

PERMISSAO_DO_CANAL = {
    CANAL_PAINEL: "processos.view_processo",
    PREFIXO_EXECUCAO: "processos.view_execucao",
}


def canal_execucao(execucao_id) -> str:
    return f"{PREFIXO_EXECUCAO}{execucao_id}"


def permissao_do_canal(canal: str) -> str | None:
    """The permission that reading `canal` needs; None when it is not a channel of ours."""
    if canal == CANAL_PAINEL:
        return PERMISSAO_DO_CANAL[CANAL_PAINEL]
    if canal.startswith(PREFIXO_EXECUCAO):
        try:
            uuid.UUID(canal.removeprefix(PREFIXO_EXECUCAO))
        except ValueError:
            return None
        return PERMISSAO_DO_CANAL[PREFIXO_EXECUCAO]
    return None


def pode_ler_canal(usuario, canal: str) -> bool:
    permissao = permissao_do_canal(canal)
    if permissao is None or usuario is None or not usuario.is_authenticated or not usuario.is_active:
        return False
    return usuario.has_perm(permissao)


class GerenciadorDeCanais(ChannelManagerBase):
    """django-eventstream's channel manager (`EVENTSTREAM_CHANNELMANAGER_CLASS`): one channel per request,
    named by the URL, and the permission rule above. Every channel keeps its events (resumable)."""

    def get_channels_for_request(self, request, view_kwargs):
        return {view_kwargs["canal"]}

    def can_read_channel(self, user, channel):
        return pode_ler_canal(user, channel)

    def is_channel_reliable(self, channel):
        return True
