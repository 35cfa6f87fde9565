# Lotsa: `make demo` runs the demo, `make test` runs the whole test suite. See README.md.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   ?= .venv
PY     := $(VENV)/bin/python
PIP    := $(VENV)/bin/pip
DEMO_ENV := LOTSA_DEMO=1
PYTEST_ARGS ?=

.PHONY: demo demo-idp test serve bench lint messages clean-demo

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

$(VENV)/.runtime: pyproject.toml | $(PY)
	$(PIP) install --quiet .
	touch $@

$(VENV)/.test: pyproject.toml | $(PY)
	$(PIP) install --quiet ".[test]"
	touch $@ $(VENV)/.runtime

## demo: virtualenv, install, keys (in var/, outside git), migrate, demo data, the sealer and the worker,
## serve on 127.0.0.1:8000
demo: $(VENV)/.runtime
	$(DEMO_ENV) $(PY) -m lotsa.bootstrap
	$(DEMO_ENV) $(PY) manage.py migrate --noinput
	@# A demo from before the anchors' witness store: start the witness, as a logged recovery.
	@if [ -s var/audit-anchors.jsonl ] && [ ! -e var/audit-anchors.witness.jsonl ]; then \
	  $(DEMO_ENV) $(PY) manage.py audit_anchor_recover restart --reason "demo made before the witness store"; fi
	$(DEMO_ENV) $(PY) manage.py load_demo
	@if [ -n "$$LOTSA_OIDC_ISSUER" ]; then $(DEMO_ENV) $(PY) manage.py demo_link_identities; fi
	@echo "Lotsa demo: http://127.0.0.1:8000/  (stop with Ctrl-C); the access log's sealer and the scheduled"
	@echo "work's worker (django-q2: reminders, written as files to var/mail/) run beside it"
	$(DEMO_ENV) $(PY) manage.py audit_sealer & sealer=$$!; \
	  $(DEMO_ENV) $(PY) manage.py qcluster & worker=$$!; \
	  trap 'kill $$sealer $$worker 2>/dev/null' EXIT INT TERM; \
	  $(DEMO_ENV) $(PY) manage.py runserver 127.0.0.1:8000

## demo-idp: the demo with a local OpenID Provider on 127.0.0.1:8001 (tests/oidc_provider, Node.js): every
## demo account is linked to its username there; "Logga in med testleverantörens e-legitimation"
OIDC_DEMO_ENV := LOTSA_OIDC_ISSUER=http://127.0.0.1:8001 LOTSA_OIDC_CLIENT_ID=lotsa \
  LOTSA_OIDC_CLIENT_SECRET=lotsa-test-secret LOTSA_OIDC_NAME="testleverantörens e-legitimation" \
  LOTSA_OIDC_ACR_ORDER=low,substantial,high LOTSA_OIDC_ROLE_ASSURANCE=social_worker=substantial
demo-idp: $(VENV)/.runtime
	@[ -d tests/oidc_provider/node_modules/oidc-provider ] || (cd tests/oidc_provider && npm ci --no-audit --no-fund)
	OIDC_PORT=8001 node tests/oidc_provider/server.mjs & idp=$$!; trap 'kill $$idp 2>/dev/null' EXIT INT TERM; \
	  $(OIDC_DEMO_ENV) $(MAKE) demo

## test: virtualenv if missing, install, the whole suite (DATABASE_URL picks the database)
test: $(VENV)/.test
	@command -v chromium >/dev/null 2>&1 || { echo "Installing Debian's chromium for the browser tests"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }
	@command -v xmlsec1 >/dev/null 2>&1 || { echo "Installing Debian's xmlsec1 for pysaml2 (SAML login)"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq xmlsec1 >/dev/null; }
	$(VENV)/bin/ruff check .
	$(PY) -m lotsa.i18n locale
	$(PY) -m pytest $(PYTEST_ARGS)

## bench: every benchmark on SQLite and PostgreSQL, as a table (QUICK=1 for small data sets)
bench: $(VENV)/.test
	$(PY) -m lotsa.i18n locale
	$(PY) -m bench.run $(if $(QUICK),--quick,)

lint: $(VENV)/.test
	$(VENV)/bin/ruff check .

## messages: refresh the catalogues after changing user-facing text (needs GNU gettext)
messages: $(VENV)/.test
	$(DEMO_ENV) $(PY) manage.py makemessages --locale sv --locale en --no-obsolete --ignore ".venv/*" --ignore "tests/oidc_provider/node_modules/*"

clean-demo:
	rm -f var/lotsa.sqlite3 var/audit-anchors.jsonl var/audit-anchors.witness.jsonl
	rm -rf var/mail
