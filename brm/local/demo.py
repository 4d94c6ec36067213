"""Demo data for a developer's machine: operators, about fifty clients, one user per role, this month's processes,
some of them taken through every state by the real services (`mes_demo`)."""

import random
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from stdnum.br import cnpj as stdnum_cnpj

from agendamentos.services import agendamentos_criar_padrao
from brm.common.errors import ErroDeNegocio
from brm.usuarios.models import Usuario
from brm.usuarios.services import usuario_criar
from clientes.models import Cliente
from operadoras.models import Operadora
from processos.services import competencia_atual, processos_criar_mensais

from .mes_demo import ResultadoMes, demo_mes_criar

# Documented in the README; only ever created where BRM_DEMO_PERMITIDO is on (local settings).
EMAIL_OPERADOR = "operador@brm.local"
EMAIL_APROVADOR = "aprovador@brm.local"
USUARIOS_DEMO = [
    ("admin@brm.local", "Ana Administradora", Usuario.Papel.ADMIN, "admin123"),
    (EMAIL_OPERADOR, "Otávio Operador", Usuario.Papel.OPERADOR, "operador123"),
    (EMAIL_APROVADOR, "Aline Aprovadora", Usuario.Papel.APROVADOR, "aprovador123"),
    ("leitura@brm.local", "Lucas Leitura", Usuario.Papel.LEITURA, "leitura123"),
]

OPERADORAS_DEMO = [
    ("Vivo", "vivo", 3),
    ("Claro", "claro", 2),
    ("TIM", "tim", 2),
    ("Oi", "oi", 1),
    ("Embratel", "embratel", 2),
]

_EMPRESAS = [
    "BEG Telecomunicações",
    "Padaria Pão Quente",
    "Transportadora Rota Sul",
    "Clínica Vida Plena",
    "Construtora Alicerce",
    "Mercado Bom Preço",
    "Escola Saber Mais",
    "Hotel Mar Azul",
    "Farmácia Saúde Já",
    "Oficina Motor Forte",
    "Agropecuária Campo Verde",
    "Editora Letra Viva",
    "Metalúrgica Aço Fino",
    "Restaurante Sabor da Terra",
    "Laboratório Análise Certa",
    "Imobiliária Lar Doce",
    "Academia Corpo em Forma",
    "Gráfica Impressão Rápida",
    "Contabilidade Exata",
    "Têxtil Fio de Ouro",
    "Distribuidora Norte Sul",
    "Cooperativa Vale Fértil",
    "Advocacia Justa Causa",
    "Papelaria Ponto Final",
    "Eletrônica Circuito",
]


@dataclass(frozen=True)
class ResultadoDemo:
    operadoras: int
    clientes: int
    usuarios: int
    processos_criados: int
    mes: ResultadoMes


def _cnpj(aleatorio: random.Random, alfanumerico: bool) -> str:
    alfabeto = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ" if alfanumerico else "0123456789"
    raiz = "".join(aleatorio.choice(alfabeto) for _ in range(8)) + "0001"
    return raiz + stdnum_cnpj.calc_check_digits(raiz)


def demo_criar() -> ResultadoDemo:
    """Create the demo data, then the demo month (see `mes_demo`); running it again changes nothing that exists.

    The records are one transaction; the month is not, because robot jobs are HTTP calls and each service
    commits its own steps, as it does for people.
    """
    if not settings.BRM_DEMO_PERMITIDO:
        raise ErroDeNegocio(
            "Dados de demonstração só podem ser criados com as configurações locais (BRM_DEMO_PERMITIDO).",
            codigo=ErroDeNegocio.PERMISSAO,
        )
    operadoras, clientes, usuarios, criados = _cadastros_criar()
    mes = demo_mes_criar(
        competencia=competencia_atual(),
        operador=Usuario.objects.get(email=EMAIL_OPERADOR),
        aprovador=Usuario.objects.get(email=EMAIL_APROVADOR),
    )
    return ResultadoDemo(
        operadoras=operadoras, clientes=clientes, usuarios=usuarios, processos_criados=criados, mes=mes
    )


@transaction.atomic
def _cadastros_criar() -> tuple[int, int, int, int]:
    """Users, operators, clients, this month's processes and the default schedules."""
    usuarios = 0
    for email, nome, papel, senha in USUARIOS_DEMO:
        if not Usuario.objects.filter(email=email).exists():
            # The demo's passwords are documented and simple on purpose (local use only).
            usuario_criar(
                email=email,
                password=senha,
                nome=nome,
                papel=papel,
                is_superuser=papel == Usuario.Papel.ADMIN,
                validar_senha=False,
            )
            usuarios += 1

    operadoras = []
    for nome, codigo, simultaneas in OPERADORAS_DEMO:
        operadora, _ = Operadora.objects.get_or_create(
            codigo=codigo, defaults={"nome": nome, "max_execucoes_simultaneas": simultaneas}
        )
        operadoras.append(operadora)

    # A fixed seed: the same run always makes the same clients, so a second run finds them all.
    aleatorio = random.Random(2026)
    clientes = 0
    for indice in range(50):
        empresa = _EMPRESAS[indice % len(_EMPRESAS)]
        operadora = operadoras[indice % len(operadoras)]
        cnpj = _cnpj(aleatorio, alfanumerico=indice % 5 == 4)
        conta = f"{aleatorio.randrange(10**9, 10**10)}"
        _, criado = Cliente.objects.get_or_create(
            operadora=operadora,
            cnpj=cnpj,
            conta=conta,
            defaults={
                "razao_social": f"{empresa} Ltda" if indice < len(_EMPRESAS) else f"{empresa} Filial {indice}",
                "login_portal": f"fatura{indice:02d}@{operadora.codigo}.exemplo.com.br",
                "senha_portal": f"senha-demo-{indice:02d}",
                "unidade": aleatorio.choice(["Matriz", "Filial Centro", "Filial Norte", ""]),
                "codigo_sat": f"SAT{indice:05d}",
                "dia_emissao": aleatorio.randint(1, 28),
                "ativo": indice % 17 != 16,
            },
        )
        clientes += criado

    resultado = processos_criar_mensais()
    agendamentos_criar_padrao()
    return len(operadoras), clientes, usuarios, resultado.criados
