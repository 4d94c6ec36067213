"""Recipients of the alerts, as an admin would register them."""

import email
from email import policy

import pytest

from brm.alertas.models import DestinatarioDeAlerta


@pytest.fixture
def receber(db):
    """Registers a recipient of the given kinds of alert (an address, or a user with `usuario=`)."""

    def _receber(*tipos: str, email: str = "", usuario=None, ativo: bool = True) -> DestinatarioDeAlerta:
        if usuario is None and not email:
            email = "plantao@brm.test"
        destinatario = DestinatarioDeAlerta(usuario=usuario, email=email, tipos=list(tipos), ativo=ativo)
        destinatario.full_clean()
        destinatario.save()
        return destinatario

    return _receber


def mensagem(envelope) -> email.message.EmailMessage:
    return email.message_from_bytes(envelope.original_content or envelope.content, policy=policy.default)


def texto(envelope) -> str:
    return mensagem(envelope).get_body(preferencelist=("plain",)).get_content()


def html(envelope) -> str:
    return mensagem(envelope).get_body(preferencelist=("html",)).get_content()
