"""The roles' permissions for the API, read from the same place the admin reads them.

A role is a Django group whose permissions come from `brm.usuarios.papeis.PERMISSOES`; the admin checks
`user.has_perm`, and so does every API view, through one table per view: `permissoes`, from the view's
action (a viewset's `list`, `retrieve`, `aprovar`...; a plain view's HTTP method in lower case) to the
permission it needs. An action missing from the table is refused: a new endpoint is closed until it says
who may use it. `None` means any signed-in user (their own `me`, for instance).
"""

from rest_framework.permissions import BasePermission

QUALQUER_USUARIO = None


def acao_da_requisicao(request, view) -> str:
    """A viewset's action (`list`, `aprovar`...), or the HTTP method of a plain view (`get`, `post`...)."""
    return getattr(view, "action", None) or request.method.lower()


def permissao_exigida(request, view) -> str | None:
    """The permission the request needs; KeyError when the view does not say (and so nobody may)."""
    acao = acao_da_requisicao(request, view)
    if acao == "options":
        return QUALQUER_USUARIO
    return getattr(view, "permissoes", {})["get" if acao == "head" else acao]


class PermissaoDoPapel(BasePermission):
    """Signed in, active, and with the permission the view's table names for this action."""

    message = "Você não tem permissão para fazer isto."

    def has_permission(self, request, view) -> bool:
        usuario = request.user
        if not (usuario and usuario.is_authenticated and usuario.is_active):
            return False
        if not hasattr(view, request.method.lower()):
            # A method this address does not serve: the view answers 405, which says more than a 403.
            return True
        try:
            permissao = permissao_exigida(request, view)
        except KeyError:
            return False
        return permissao is QUALQUER_USUARIO or usuario.has_perm(permissao)
