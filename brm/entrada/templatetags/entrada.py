from django import template

from ..selectors import provedores_sso_listar

register = template.Library()


@register.inclusion_tag("entrada/_botoes_sso.html", takes_context=True)
def botoes_sso(context):
    """One small POST form per configured SSO provider (allauth signs in only on POST, with the CSRF token); none
    when SSO is off. The login page's `next` goes along."""
    request = context["request"]
    return {"request": request, "provedores": provedores_sso_listar(request), "next": context.get("next", "")}
