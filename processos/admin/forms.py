"""Forms of the process pages: they only parse what people type, the services decide."""

import datetime as dt
import re

from django import forms

from brm.common.formatacao import parse_competencia

from ..models import Processo

_MILHARES = re.compile(r"-?\d{1,3}(\.\d{3})+")
_MES_ANO = re.compile(r"(\d{1,2})/(\d{4})")


def normalizar_valor(texto: str) -> str:
    """`R$ 1.234,56`, `1234,56` or `1234.56` as `1234.56`; `1.234` is one thousand two hundred and thirty-four."""
    texto = re.sub(r"\s|R\$", "", texto)
    if "," in texto:
        return texto.replace(".", "").replace(",", ".")
    if _MILHARES.fullmatch(texto):
        return texto.replace(".", "")
    return texto


class ValorEmReaisField(forms.DecimalField):
    """An amount typed the Brazilian way, whatever language the browser asks for."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_digits", 14)
        kwargs.setdefault("decimal_places", 2)
        # A text box: number inputs refuse the decimal comma in many browsers.
        kwargs.setdefault("widget", forms.TextInput(attrs={"inputmode": "decimal", "placeholder": "1.234,56"}))
        super().__init__(**kwargs)

    def to_python(self, value):
        if isinstance(value, str):
            value = normalizar_valor(value)
        return super().to_python(value)


class CompetenciaField(forms.CharField):
    """A month, typed as `AAAA-MM` (what a month input sends) or `MM/AAAA`; the first day of that month."""

    def __init__(self, **kwargs):
        kwargs.setdefault("widget", forms.TextInput(attrs={"type": "month", "placeholder": "AAAA-MM"}))
        kwargs.setdefault("help_text", "Mês da fatura, por exemplo 2026-11 ou 11/2026.")
        super().__init__(**kwargs)

    def prepare_value(self, value):
        if isinstance(value, dt.date):
            return f"{value:%Y-%m}"
        return value

    def to_python(self, value):
        value = super().to_python(value)
        if not value:
            return None
        if casamento := _MES_ANO.fullmatch(value):
            value = f"{casamento.group(2)}-{int(casamento.group(1)):02d}"
        return parse_competencia(value)


class ProcessoAdicionarForm(forms.ModelForm):
    competencia = CompetenciaField(label="Competência")

    class Meta:
        model = Processo
        fields = ("cliente", "competencia")


class EnviarFaturaForm(forms.Form):
    required_css_class = "required"

    arquivo = forms.FileField(label="Fatura (PDF)", widget=forms.FileInput(attrs={"accept": "application/pdf,.pdf"}))
    valor_total = ValorEmReaisField(label="Valor total", help_text="Em reais, por exemplo 1.234,56.")
    vencimento = forms.DateField(
        label="Vencimento",
        input_formats=["%d/%m/%Y", "%Y-%m-%d"],
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    numero_fatura = forms.CharField(label="Número da fatura", max_length=100, required=False)


class RejeitarForm(forms.Form):
    required_css_class = "required"

    motivo = forms.CharField(
        label="Motivo da rejeição",
        widget=forms.Textarea(attrs={"rows": 4, "cols": 60}),
        help_text="Diga o que está errado na fatura: o motivo fica no histórico do processo.",
    )


class CriarMensaisForm(forms.Form):
    required_css_class = "required"

    competencia = CompetenciaField(label="Competência")
