"""Reads of the sign-in: the SSO providers offered on the login page, and whose account an SSO e-mail is."""

from allauth.socialaccount.adapter import get_adapter

from brm.usuarios.models import Usuario


def provedores_sso_listar(request) -> list[dict]:
    """The providers the settings configure, each with its name and where its login form posts; none when SSO is
    off."""
    return [
        {"id": provedor.sub_id, "nome": provedor.name, "url": provedor.get_login_url(request)}
        for provedor in get_adapter(request).list_providers(request)
    ]


def usuario_por_emails_verificados(*, emails: list[str]) -> Usuario | None:
    """The person whose e-mail is one of `emails` (already verified by the provider), in the order given."""
    for email in emails:
        usuario = Usuario.objects.filter(email__iexact=email.strip()).first()
        if usuario is not None:
            return usuario
    return None
