"""Demo data for a developer's machine: operators, about fifty clients, one user per role, this month's processes."""

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
from processos.services import processos_criar_mensais

# Documented in the README; only ever created where BRM_DEMO_PERMITIDO is on (local settings).
USUARIOS_DEMO = [
    ("admin@brm.local", "Ana Administradora", Usuario.Papel.ADMIN, "admin123"),
    ("operador@brm.local", "Otávio Operador", Usuario.Papel.OPERADOR, "operador123"),
    ("aprovador@brm.local", "Aline Aprovadora", Usuario.Papel.APROVADOR, "aprovador123"),
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


def _cnpj(aleatorio: random.Random, alfanumerico: bool) -> str:
    alfabeto = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ" if alfanumerico else "0123456789"
    raiz = "".join(aleatorio.choice(alfabeto) for _ in range(8)) + "0001"
    return raiz + stdnum_cnpj.calc_check_digits(raiz)


@transaction.atomic
def demo_criar() -> ResultadoDemo:
    """Create the demo data; running it again changes nothing that already exists."""
    if not settings.BRM_DEMO_PERMITIDO:
        raise ErroDeNegocio(
            "Dados de demonstração só podem ser criados com as configurações locais (BRM_DEMO_PERMITIDO).",
            codigo=ErroDeNegocio.PERMISSAO,
        )
    usuarios = 0
    for email, nome, papel, senha in USUARIOS_DEMO:
        if not Usuario.objects.filter(email=email).exists():
            usuario_criar(
                email=email, password=senha, nome=nome, papel=papel, is_superuser=papel == Usuario.Papel.ADMIN
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
    return ResultadoDemo(
        operadoras=len(operadoras), clientes=clientes, usuarios=usuarios, processos_criados=resultado.criados
    )
