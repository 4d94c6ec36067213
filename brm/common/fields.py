from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from stdnum.br import cnpj as stdnum_cnpj

from . import crypto

# What a secret widget returns when the person ticked "remover".
LIMPAR_SEGREDO = object()


class SegredoWidget(forms.PasswordInput):
    """A password box that never shows the stored value back, with a box to tick to remove it."""

    template_name = "common/widgets/segredo.html"

    def __init__(self, attrs=None):
        super().__init__(attrs={"autocomplete": "new-password", **(attrs or {})}, render_value=False)

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        context["widget"]["definido"] = bool(value)
        context["widget"]["nome_limpar"] = f"{name}__limpar"
        return context

    def value_from_datadict(self, data, files, name):
        if data.get(f"{name}__limpar"):
            return LIMPAR_SEGREDO
        return super().value_from_datadict(data, files, name)

    def value_omitted_from_data(self, data, files, name):
        return name not in data and f"{name}__limpar" not in data


class SegredoFormField(forms.CharField):
    widget = SegredoWidget

    def to_python(self, value):
        if value is LIMPAR_SEGREDO:
            return value
        return super().to_python(value)

    def validate(self, value):
        if value is LIMPAR_SEGREDO:
            return
        super().validate(value)

    def run_validators(self, value):
        if value is LIMPAR_SEGREDO:
            return
        super().run_validators(value)

    def has_changed(self, initial, data):
        return data is LIMPAR_SEGREDO or bool(data)


class EncryptedTextField(models.TextField):
    """Text encrypted with Fernet (keys from `FERNET_KEYS`) before it reaches the database.

    The column holds only the token; Python code sees the plaintext. In forms the value is never
    rendered back: a blank submission keeps the stored secret, ticking "remover" clears it.
    """

    def from_db_value(self, value, expression, connection):
        if not value:
            return ""
        return crypto.decifrar(value)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if not value:
            return ""
        return crypto.cifrar(value)

    def get_db_prep_save(self, value, connection):
        return self.get_prep_value(value)

    def formfield(self, **kwargs):
        kwargs.setdefault("form_class", SegredoFormField)
        kwargs["required"] = False
        kwargs.pop("widget", None)
        kwargs.pop("max_length", None)
        return super().formfield(**{"widget": SegredoWidget, **kwargs})

    def save_form_data(self, instance, data):
        if data is LIMPAR_SEGREDO:
            setattr(instance, self.attname, "")
        elif data:
            setattr(instance, self.attname, data)


def cnpj_normalizar(valor: str) -> str:
    """The 14 characters of a CNPJ, without punctuation and in upper case (the alphanumeric format)."""
    return stdnum_cnpj.compact(valor or "").upper()


def cnpj_formatar(valor: str) -> str:
    """`12ABC34501DE35` as `12.ABC.345/01DE-35`."""
    return stdnum_cnpj.format(valor) if valor else ""


def validar_cnpj(valor: str) -> None:
    normalizado = cnpj_normalizar(valor)
    if len(normalizado) != 14:
        raise ValidationError("CNPJ deve ter 14 caracteres (números ou letras e números).", code="cnpj_tamanho")
    if not stdnum_cnpj.is_valid(normalizado):
        raise ValidationError("CNPJ inválido: os dígitos verificadores não conferem.", code="cnpj_invalido")


class CNPJFormField(forms.CharField):
    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 18)
        super().__init__(**kwargs)

    def prepare_value(self, value):
        if value and len(str(value)) == 14:
            return cnpj_formatar(value)
        return value

    def to_python(self, value):
        value = super().to_python(value)
        return cnpj_normalizar(value) if value else value


class CNPJField(models.CharField):
    """A CNPJ, numeric or alphanumeric (in force since July 2026), stored as its 14 characters."""

    default_validators = [validar_cnpj]

    def __init__(self, *args, **kwargs):
        kwargs["max_length"] = 14
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs.pop("max_length", None)
        return name, path, args, kwargs

    def to_python(self, value):
        value = super().to_python(value)
        return cnpj_normalizar(value) if value else value

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        return cnpj_normalizar(value) if value else value

    def formfield(self, **kwargs):
        return super().formfield(**{"form_class": CNPJFormField, **kwargs})
