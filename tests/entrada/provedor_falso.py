"""A fake identity provider on 127.0.0.1: GitHub's OAuth and API endpoints and an OpenID Connect provider.

What a test needs of a real provider, spoken over real HTTP so that django-allauth talks to it exactly as it
would to github.com or a company's OIDC server:

- GitHub: `GET /login/oauth/authorize` (the browser is sent back to `redirect_uri` with a code),
  `POST /login/oauth/access_token`, `GET /api/v3/user`, `GET /api/v3/user/emails` (GitHub Enterprise's layout,
  which is what allauth builds from `GITHUB_URL`).
- OpenID Connect under `/oidc`: discovery, `authorize`, `token` (with an RS256 `id_token`, PKCE checked),
  `userinfo`, `jwks`.

Who "signs in" at the provider is `entra_como(...)`, set by the test before it sends the browser there. Every code,
secret and token is checked, so a wrong client secret or a replayed code fails as it would for real.
"""

import base64
import hashlib
import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlsplit

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa


@dataclass
class Identidade:
    """The person signed in at the provider."""

    uid: str
    email: str
    email_verificado: bool = True
    nome: str = "Pessoa de Teste"
    # GitHub only: more addresses of the account, as /user/emails lists them ({"email", "verified", "primary"}).
    outros_emails: list[dict] = field(default_factory=list)


@dataclass
class _Codigo:
    identidade: Identidade
    client_id: str
    redirect_uri: str
    desafio_pkce: str | None


class ProvedorFalso:
    CLIENT_ID = "brm-cliente-teste"
    SECRET = "segredo-do-cliente-teste"
    KID = "chave-de-teste-1"

    def __init__(self):
        self._servidor = ThreadingHTTPServer(("127.0.0.1", 0), self._manipulador())
        self._servidor.daemon_threads = True
        self._linha: threading.Thread | None = None
        self._chave = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self._codigos: dict[str, _Codigo] = {}
        self._tokens: dict[str, Identidade] = {}
        self._trava = threading.Lock()
        self.identidade: Identidade | None = None
        # The `aud` of the id_tokens it issues; None: the client's id, as a real provider does.
        self.publico_do_id_token: str | None = None
        # The requests received, as (method, path), and the query of each authorization: what the test may check
        # the other side did.
        self.pedidos: list[tuple[str, str]] = []
        self.autorizacoes: list[dict] = []

    # Life -----------------------------------------------------------------------------------------------------------

    @property
    def url(self) -> str:
        host, porta = self._servidor.server_address[:2]
        return f"http://{host}:{porta}"

    @property
    def emissor_oidc(self) -> str:
        return f"{self.url}/oidc"

    def iniciar(self) -> "ProvedorFalso":
        self._linha = threading.Thread(target=self._servidor.serve_forever, name="provedor-falso", daemon=True)
        self._linha.start()
        return self

    def parar(self) -> None:
        self._servidor.shutdown()
        self._servidor.server_close()
        if self._linha is not None:
            self._linha.join(timeout=5)

    def __enter__(self):
        return self.iniciar()

    def __exit__(self, *exc):
        self.parar()

    def reiniciar(self) -> None:
        """As new, but running: nobody signed in, nothing recorded."""
        self.identidade = None
        self.publico_do_id_token = None
        self.pedidos.clear()
        self.autorizacoes.clear()

    def entra_como(self, identidade: Identidade | None) -> None:
        """Who signs in at the provider from now on; None: the person refuses (the provider answers access_denied)."""
        self.identidade = identidade

    # The endpoints --------------------------------------------------------------------------------------------------

    def _autorizar(self, consulta: dict) -> tuple[int, dict, bytes]:
        self.autorizacoes.append(consulta)
        redirect_uri = consulta["redirect_uri"]
        estado = consulta.get("state", "")
        if consulta.get("client_id") != self.CLIENT_ID or consulta.get("response_type") != "code":
            return 400, {}, b"client_id ou response_type errado"
        if self.identidade is None:
            return 302, {"Location": f"{redirect_uri}?{urlencode({'error': 'access_denied', 'state': estado})}"}, b""
        codigo = secrets.token_urlsafe(16)
        desafio = consulta.get("code_challenge")
        if desafio and consulta.get("code_challenge_method") != "S256":
            return 400, {}, b"so S256"
        with self._trava:
            self._codigos[codigo] = _Codigo(self.identidade, self.CLIENT_ID, redirect_uri, desafio)
        return 302, {"Location": f"{redirect_uri}?{urlencode({'code': codigo, 'state': estado})}"}, b""

    def _trocar_codigo(self, formulario: dict, cabecalhos) -> tuple[int, dict] | tuple[_Codigo, str]:
        client_id, secret = formulario.get("client_id"), formulario.get("client_secret")
        autorizacao = cabecalhos.get("Authorization", "")
        if autorizacao.startswith("Basic "):
            client_id, _, secret = base64.b64decode(autorizacao[6:]).decode().partition(":")
        if (client_id, secret) != (self.CLIENT_ID, self.SECRET):
            return 401, {"error": "invalid_client"}
        with self._trava:
            codigo = self._codigos.pop(formulario.get("code", ""), None)
        if codigo is None or codigo.redirect_uri != formulario.get("redirect_uri"):
            return 400, {"error": "invalid_grant"}
        if codigo.desafio_pkce is not None:
            verificador = formulario.get("code_verifier", "")
            calculado = base64.urlsafe_b64encode(hashlib.sha256(verificador.encode()).digest()).rstrip(b"=").decode()
            if calculado != codigo.desafio_pkce:
                return 400, {"error": "invalid_grant", "error_description": "PKCE"}
        token = secrets.token_urlsafe(24)
        with self._trava:
            self._tokens[token] = codigo.identidade
        return codigo, token

    def _identidade_do_token(self, cabecalhos, prefixo: str) -> Identidade | None:
        autorizacao = cabecalhos.get("Authorization", "")
        if not autorizacao.startswith(prefixo):
            return None
        with self._trava:
            return self._tokens.get(autorizacao[len(prefixo) :])

    def _id_token(self, identidade: Identidade) -> str:
        agora = int(time.time())
        dados = {
            "iss": self.emissor_oidc,
            "sub": identidade.uid,
            "aud": self.publico_do_id_token or self.CLIENT_ID,
            "iat": agora,
            "exp": agora + 300,
            "email": identidade.email,
            "email_verified": identidade.email_verificado,
            "name": identidade.nome,
        }
        return jwt.encode(dados, self._chave, algorithm="RS256", headers={"kid": self.KID})

    def _jwks(self) -> dict:
        chave = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self._chave.public_key()))
        return {"keys": [{**chave, "kid": self.KID, "alg": "RS256", "use": "sig"}]}

    def _descoberta(self) -> dict:
        return {
            "issuer": self.emissor_oidc,
            "authorization_endpoint": f"{self.emissor_oidc}/authorize",
            "token_endpoint": f"{self.emissor_oidc}/token",
            "userinfo_endpoint": f"{self.emissor_oidc}/userinfo",
            "jwks_uri": f"{self.emissor_oidc}/jwks",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "token_endpoint_auth_methods_supported": ["client_secret_post", "client_secret_basic"],
            "code_challenge_methods_supported": ["S256"],
            "scopes_supported": ["openid", "profile", "email"],
        }

    def _responder(self, metodo: str, caminho: str, consulta: dict, formulario: dict, cabecalhos):
        """(status, headers, body) for one request."""
        self.pedidos.append((metodo, caminho))
        if metodo == "GET" and caminho in ("/login/oauth/authorize", "/oidc/authorize"):
            return self._autorizar(consulta)
        if metodo == "POST" and caminho in ("/login/oauth/access_token", "/oidc/token"):
            resultado = self._trocar_codigo(formulario, cabecalhos)
            if isinstance(resultado[0], int):
                return resultado[0], {}, resultado[1]
            codigo, token = resultado
            corpo = {"access_token": token, "token_type": "bearer", "scope": consulta.get("scope", "")}
            if caminho == "/oidc/token":
                corpo.update(token_type="Bearer", expires_in=300, id_token=self._id_token(codigo.identidade))
            return 200, {}, corpo
        if metodo == "GET" and caminho == "/api/v3/user":
            identidade = self._identidade_do_token(cabecalhos, "token ")
            if identidade is None:
                return 401, {}, {"message": "Bad credentials"}
            # GitHub's public profile e-mail may be empty or unverified: the verified ones come from /user/emails.
            return 200, {}, {"id": int(identidade.uid), "login": f"gh{identidade.uid}", "name": identidade.nome}
        if metodo == "GET" and caminho == "/api/v3/user/emails":
            identidade = self._identidade_do_token(cabecalhos, "token ")
            if identidade is None:
                return 401, {}, {"message": "Bad credentials"}
            principal = {"email": identidade.email, "primary": True, "verified": identidade.email_verificado}
            return 200, {}, [principal, *identidade.outros_emails]
        if metodo == "GET" and caminho == "/oidc/.well-known/openid-configuration":
            return 200, {}, self._descoberta()
        if metodo == "GET" and caminho == "/oidc/jwks":
            return 200, {}, self._jwks()
        if metodo == "GET" and caminho == "/oidc/userinfo":
            identidade = self._identidade_do_token(cabecalhos, "Bearer ")
            if identidade is None:
                return 401, {}, {"error": "invalid_token"}
            return (
                200,
                {},
                {
                    "sub": identidade.uid,
                    "email": identidade.email,
                    "email_verified": identidade.email_verificado,
                    "name": identidade.nome,
                },
            )
        return 404, {}, {"error": "not_found"}

    def _manipulador(self):
        provedor = self

        class Manipulador(BaseHTTPRequestHandler):
            def _tratar(self, metodo: str):
                partes = urlsplit(self.path)
                consulta = {chave: valores[0] for chave, valores in parse_qs(partes.query).items()}
                formulario = {}
                if metodo == "POST":
                    tamanho = int(self.headers.get("Content-Length") or 0)
                    corpo = self.rfile.read(tamanho).decode()
                    formulario = {chave: valores[0] for chave, valores in parse_qs(corpo).items()}
                status, cabecalhos, corpo = provedor._responder(metodo, partes.path, consulta, formulario, self.headers)
                dados = corpo if isinstance(corpo, bytes) else json.dumps(corpo).encode()
                self.send_response(status)
                for nome, valor in cabecalhos.items():
                    self.send_header(nome, valor)
                self.send_header("Content-Type", "application/json" if not isinstance(corpo, bytes) else "text/plain")
                self.send_header("Content-Length", str(len(dados)))
                self.end_headers()
                self.wfile.write(dados)

            def do_GET(self):
                self._tratar("GET")

            def do_POST(self):
                self._tratar("POST")

            def log_message(self, formato, *args):
                pass

        return Manipulador
