from typing import Any


class ErroDeNegocio(Exception):
    """The project's one application error: a sentence for a person plus data for machines.

    `codigo` says what kind of refusal it is, so each interface can answer in its own terms: the admin
    shows `mensagem` with `message_user`; the API maps `codigo` to an HTTP status.
    """

    INVALIDO = "invalido"  # bad input (HTTP 400)
    PERMISSAO = "permissao"  # the user may not do this (HTTP 403)
    NAO_ENCONTRADO = "nao_encontrado"  # HTTP 404
    CONFLITO = "conflito"  # the current state does not allow it, or someone else changed it first (HTTP 409)
    ARQUIVO_GRANDE = "arquivo_grande"  # an upload past its size limit (HTTP 413)
    TIPO_NAO_SUPORTADO = "tipo_nao_suportado"  # an upload of the wrong kind, such as a non-PDF invoice (HTTP 415)
    ACESSO_BLOQUEADO = "acesso_bloqueado"  # sign-in locked after repeated wrong passwords (HTTP 429)

    def __init__(self, mensagem: str, *, codigo: str = CONFLITO, dados: dict[str, Any] | None = None):
        super().__init__(mensagem)
        self.mensagem = mensagem
        self.codigo = codigo
        self.dados = dados or {}

    def __str__(self) -> str:
        return self.mensagem
