"""The schedule's admin form: each field checked by the same validators the services use, errors beside it."""

import json

from django import forms
from django.core.exceptions import ValidationError
from django.utils.html import format_html, format_html_join

from brm.common.errors import ErroDeNegocio

from .cron import cron_validar, fuso_validar, fusos_disponiveis
from .models import Agendamento
from .services.cadastro import nome_validar, parametros_validar, tipo_validar
from .tipos import TIPOS


def _validacao(funcao, *args, **kwargs):
    try:
        return funcao(*args, **kwargs)
    except ErroDeNegocio as erro:
        raise ValidationError(erro.mensagem, code=erro.codigo) from erro


def ajuda_parametros() -> str:
    linhas = format_html_join(
        "",
        "<li><strong>{}</strong>: <code>{}</code></li>",
        (
            (Agendamento.Tipo(tipo).label, json.dumps(definicao.padrao, ensure_ascii=False))
            for tipo, definicao in TIPOS.items()
        ),
    )
    return format_html(
        "Um objeto JSON. Deixe {} para usar os padrões do tipo, que são:<ul>{}</ul>"
        "Um agendamento desativado pode guardar parâmetros incompletos; eles são conferidos ao ativar.",
        "{}",
        linhas,
    )


class AgendamentoForm(forms.ModelForm):
    fuso_horario = forms.ChoiceField(label="Fuso horário", choices=(), initial="America/Sao_Paulo")
    parametros = forms.JSONField(
        label="Parâmetros",
        required=False,
        widget=forms.Textarea(attrs={"rows": 6, "cols": 60, "class": "brm-json"}),
    )

    class Meta:
        model = Agendamento
        fields = ("nome", "tipo", "ativo", "expressao_cron", "fuso_horario", "parametros")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "fuso_horario" in self.fields:
            self.fields["fuso_horario"].choices = [(fuso, fuso) for fuso in sorted(fusos_disponiveis())]
        if "parametros" in self.fields:
            self.fields["parametros"].help_text = ajuda_parametros()
        if "expressao_cron" in self.fields:
            self.fields["expressao_cron"].help_text = (
                "Cinco campos: minuto hora dia-do-mês mês dia-da-semana, no fuso horário abaixo. Domingo é 0 "
                "(7 não é aceito). Com dia do mês e dia da semana preenchidos, só dispara quando os dois coincidem."
            )

    def clean_nome(self):
        return _validacao(nome_validar, self.cleaned_data.get("nome"), pk=self.instance.pk if self.instance else None)

    def clean_tipo(self):
        return _validacao(tipo_validar, self.cleaned_data.get("tipo"))

    def clean_expressao_cron(self):
        return _validacao(cron_validar, self.cleaned_data.get("expressao_cron"))

    def clean_fuso_horario(self):
        return _validacao(fuso_validar, self.cleaned_data.get("fuso_horario"))

    def clean(self):
        dados = super().clean()
        if "tipo" in dados and "parametros" not in self.errors:
            try:
                dados["parametros"] = parametros_validar(
                    dados["tipo"], dados.get("parametros") or {}, ativo=bool(dados.get("ativo"))
                )
            except ErroDeNegocio as erro:
                self.add_error("parametros", erro.mensagem)
        return dados
