# The two commands of the README: `make demo` and `make test`. Each creates .venv when needed.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test test-postgres clean
# The tests that use the database fixture, run again on a PostgreSQL server (see .ci/postgres), and the
# end-to-end test of three webhook workers sharing one database, which runs only there.
POSTGRES_TESTS := tests/test_storage.py tests/test_dialogue.py tests/test_enrolment.py tests/test_staff.py \
	tests/test_nudges.py tests/test_exports.py tests/test_campaign_file.py tests/test_units_import.py \
	tests/test_telegram_handlers.py tests/test_zalo.py tests/test_migrations.py tests/test_e2e_workers.py \
	tests/test_outbox.py tests/test_shared_draft.py tests/test_invites.py tests/test_dialogue_changes.py tests/test_inbox.py \
	tests/test_report_figures.py tests/test_xlsx.py tests/test_docx_format.py tests/test_questionnaire_v2.py

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)  ## set up and start the terminal demo: chat with the bot as a unit's reporter
	$(BIN)/nqbot demo

test: $(STAMP)  ## set up and run the tests, the linter and the type checker
	$(BIN)/pytest
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

test-postgres: $(STAMP)  ## the database tests on PostgreSQL: NQBOT_TEST_DATABASE_URL=postgresql://…
	$(BIN)/pip install --quiet -e '.[dev,postgres]'
	NQBOT_TEST_DATABASE_URL=$${NQBOT_TEST_DATABASE_URL:?set it to a PostgreSQL URL} $(BIN)/pytest $(POSTGRES_TESTS)

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
