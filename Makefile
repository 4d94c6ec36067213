# Two commands do everything: `make run` and `make test`. The rest are steps they share.

SHELL := /bin/bash
# The first Python 3.11+ on the PATH.
PYTHON ?= $(shell for p in python3.13 python3.12 python3.11 python3; do \
	command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null \
	&& echo $$p && break; done)
VENV := .venv
BIN := $(VENV)/bin
INSTALADO := $(VENV)/.instalado

.PHONY: run test bench lint format migrate install clean chromium esquema

$(INSTALADO): requirements.txt requirements-dev.txt
	@test -n "$(PYTHON)" || { echo "Python 3.11 ou mais novo não encontrado no PATH." >&2; exit 1; }
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	@touch $(INSTALADO)

install: $(INSTALADO)

migrate: install
	$(BIN)/python manage.py migrate --no-input

run: migrate
	$(BIN)/python manage.py seed_demo --se-vazio
	@echo ""
	@echo "BRM: abra http://127.0.0.1:8000/ e entre com um destes logins:"
	@$(BIN)/python manage.py seed_demo --listar-logins
	@echo ""
	$(BIN)/python manage.py iniciar_local

# The browser tests drive Debian's chromium; as root it is installed here when missing (CI does the same).
CHROMIUM := /usr/bin/chromium

chromium:
	@test -x $(CHROMIUM) || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null \
		&& { echo "Instalando o chromium (testes de navegador)..."; apt-get update -q && apt-get install -y -q chromium; } \
		|| echo "Aviso: $(CHROMIUM) não existe; os testes de navegador vão falhar. Instale com: apt-get install chromium" >&2; }

# PYTEST_ARGS: extra pytest arguments, e.g. make test PYTEST_ARGS='-m "not integracao_web"'.
test: install chromium
	$(BIN)/python -m pytest $(PYTEST_ARGS)

bench: install
	$(BIN)/python bench/criar_processos.py
	$(BIN)/python bench/pipeline.py
	$(BIN)/python bench/agendamento_latencia.py
	$(BIN)/python bench/caos.py
	$(BIN)/python bench/listas.py
	$(BIN)/python bench/aprovacao.py
	$(BIN)/python bench/api.py
	$(BIN)/python bench/sse.py

# The OpenAPI description checked in at docs/openapi.yaml; the suite fails when the code's differs from it.
esquema: install
	$(BIN)/python manage.py spectacular --settings=brm.settings.test --validate --fail-on-warn --file docs/openapi.yaml
	@echo "docs/openapi.yaml atualizado."

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/hadolint Dockerfile

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) var staticfiles .pytest_cache .ruff_cache
