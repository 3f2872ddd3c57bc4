"""The `pipeline` command, run as a real process: tokens, seed, import, errors and exit codes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.services.context import Registry

PIPELINE = [sys.executable, "-m", "pipeline.cli"]


def run(settings_env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, **settings_env}
    return subprocess.run(
        [*PIPELINE, *args], capture_output=True, text=True, env=env, timeout=120, check=False
    )


def test_token_create_prints_the_secret_alone_on_the_last_line(
    cli_env: dict[str, str], councils: dict[str, str]
) -> None:
    result = run(
        cli_env, "tokens", "create", "--council", "E09000012", "--expires", "30d", "--name", "intranet"
    )
    assert result.returncode == 0, result.stderr
    secret = result.stdout.strip().splitlines()[-1]
    assert secret.startswith("pl_")
    assert " " not in secret
    listed = run(cli_env, "tokens", "list")
    assert "E09000012" in listed.stdout
    assert secret not in listed.stdout
    token_id = listed.stdout.split()[0]
    assert run(cli_env, "tokens", "revoke", token_id).returncode == 0
    assert "revoked" in run(cli_env, "tokens", "list").stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("tokens", "create"), "give either --council CODE or --admin"),
        (("tokens", "create", "--council", "atlantis"), "No council is known by 'atlantis'"),
        (("tokens", "create", "--admin", "--expires", "soon"), "is not a duration"),
        (("tokens", "revoke", "no-such-id"), "No token has id"),
        (("councils", "import", "/no/such/file.csv"), "Cannot read the file"),
        (("serve", "--port", "99999"), "99999"),
    ],
)
def test_bad_arguments_exit_non_zero_with_a_clear_message(
    cli_env: dict[str, str], councils: dict[str, str], args: tuple[str, ...], message: str
) -> None:
    result = run(cli_env, *args)
    assert result.returncode != 0
    assert message in result.stderr


def test_bad_setting_is_named(cli_env: dict[str, str]) -> None:
    result = run({**cli_env, "PIPELINE_PORT": "eighty"}, "tokens", "list")
    assert result.returncode == 1
    assert "PIPELINE_PORT" in result.stderr


def test_bad_seed_file_reports_file_line_and_field(cli_env: dict[str, str], tmp_path: Path) -> None:
    for name in ("councils", "products", "findings", "code_links"):
        (tmp_path / f"{name}.json").write_text("[]", encoding="utf-8")
    (tmp_path / "projects.json").write_text(
        '[\n  {"title": "Fine", "summary": "s", "lead_council": "x"},\n  {"title": "Bad", "summary": "s",\n'
        '   "lead_council": "x", "phase": "finished"}\n]\n',
        encoding="utf-8",
    )
    result = run(cli_env, "seed", "--dir", str(tmp_path))
    assert result.returncode == 1
    assert f"{tmp_path / 'projects.json'}:3: [1].phase:" in result.stderr
    assert "nothing was written" in result.stderr


def test_db_upgrade_and_import_through_the_command(cli_env: dict[str, str], tmp_path: Path) -> None:
    assert run(cli_env, "db", "upgrade").returncode == 0
    csv_file = tmp_path / "councils.csv"
    csv_file.write_text(
        "local-authority-code,official-name,nice-name,gss-code,region\n"
        "HCK,London Borough of Hackney,Hackney,E09000012,London\n",
        encoding="utf-8",
    )
    first = run(cli_env, "councils", "import", str(csv_file))
    assert first.returncode == 0, first.stderr
    assert "1 created" in first.stdout
    assert "1 unchanged" in run(cli_env, "councils", "import", str(csv_file)).stdout


def test_synthetic_seed_index_and_reindex(
    cli_env: dict[str, str], registry: Registry, councils: dict[str, str]
) -> None:
    quiet = {**cli_env, "PIPELINE_INDEX_WAIT_SECONDS": "0"}
    added = run(quiet, "seed", "--synthetic", "40")
    assert added.returncode == 0, added.stderr
    assert "Added 40 synthetic records." in added.stdout
    assert registry.search.applied_seq() == 0  # nothing indexed yet: the writes did not wait
    indexed = run(quiet, "index")
    assert indexed.returncode == 0, indexed.stderr
    assert "the index is at change" in indexed.stdout
    before = registry.search.store.current_generation()
    rebuilt = run(quiet, "reindex")
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert "Indexed 40 records" in rebuilt.stdout
    assert registry.search.store.current_generation() != before
    with registry.reading() as session:
        from pipeline.storage.changes import latest_seq

        assert registry.search.applied_seq() == latest_seq(session)


def test_synthetic_records_are_the_same_every_time() -> None:
    from pipeline.demo.synthetic import synthetic_records

    first = [(k, r.title) for k, r in synthetic_records(50, ["E09000012", "E09000007"], seed=3)]
    again = [(k, r.title) for k, r in synthetic_records(50, ["E09000007", "E09000012"], seed=3)]
    assert first == again
    assert {k for k, _ in first} == {"project", "product", "finding", "code-link"}


def test_make_admin_marks_a_person_in_the_database(
    cli_env: dict[str, str], registry: Registry, councils: dict[str, str]
) -> None:
    from sqlmodel import select

    from pipeline.storage.models import UserAccount

    result = run(cli_env, "users", "make-admin", "Chief@Camden.gov.uk")
    assert result.returncode == 0, result.stderr
    assert (
        "chief@camden.gov.uk is now a site administrator, a member of London Borough of Camden."
        in result.stdout
    )
    with registry.reading() as session:
        user = session.exec(select(UserAccount)).one()
    assert user.is_admin
    bad = run(cli_env, "users", "make-admin", "nobody")
    assert bad.returncode == 1
    assert "email: Enter an email address in the correct format" in bad.stderr


def test_import_and_export_records_through_the_command(
    cli_env: dict[str, str], councils: dict[str, str], tmp_path: Path
) -> None:
    projects = tmp_path / "projects.csv"
    projects.write_text(
        "title,summary,lead_council,tags,external_id\n"
        "Bins app,Bin days by postcode,E09000012,bins; waste,HX-1\n"
        "Parking,Permits online,E09000007,parking,CM-1\n",
        encoding="utf-8",
    )
    first = run(cli_env, "import", str(projects))
    assert first.returncode == 0, first.stderr
    assert "2 projects: 2 created, 0 updated, 0 unchanged." in first.stdout
    assert "2 unchanged" in run(cli_env, "import", str(projects)).stdout

    exported = run(cli_env, "export", "--type", "project", "--format", "csv", "--council", "E09000012")
    assert exported.returncode == 0, exported.stderr
    lines = exported.stdout.splitlines()
    assert lines[0].startswith("id,title,summary,lead_council")
    assert len(lines) == 2
    assert "Bins app" in lines[1]

    out = tmp_path / "all.jsonl"
    assert run(cli_env, "export", "--type", "project", "-o", str(out)).returncode == 0
    assert len(out.read_text(encoding="utf-8").splitlines()) == 2


def test_a_bad_import_file_exits_non_zero_naming_each_line(
    cli_env: dict[str, str], councils: dict[str, str], tmp_path: Path
) -> None:
    bad = tmp_path / "projects.jsonl"
    bad.write_text(
        '{"title": "Fine", "summary": "s", "lead_council": "E09000012"}\n'
        '{"title": "Bad", "summary": "s", "lead_council": "E09000012", "phase": "finished"}\n'
        '{"title": "Nowhere", "summary": "s", "lead_council": "atlantis"}\n',
        encoding="utf-8",
    )
    result = run(cli_env, "import", str(bad))
    assert result.returncode == 1
    assert f"{bad}:2: phase:" in result.stderr
    assert f"{bad}:3: lead_council: No council is known by 'atlantis'" in result.stderr
    assert "nothing was written" in result.stderr
    assert run(cli_env, "export", "--type", "project").stdout == ""
    unnamed = tmp_path / "records.txt"
    unnamed.write_text("[]", encoding="utf-8")
    assert "--type" in run(cli_env, "import", str(unnamed)).stderr


def test_publiccode_import_through_the_command(
    cli_env: dict[str, str], councils: dict[str, str], tmp_path: Path
) -> None:
    from tests.test_exchange import PUBLICCODE

    file = tmp_path / "publiccode.yml"
    file.write_text(PUBLICCODE, encoding="utf-8")
    result = run(cli_env, "import", "--publiccode", str(file), "--council", "hackney")
    assert result.returncode == 0, result.stderr
    assert "Product created: Bin day finder" in result.stdout
    assert "Ministry of Silly Walks" in result.stderr
    broken = tmp_path / "broken.yml"
    broken.write_text(
        PUBLICCODE.replace("developmentStatus: stable", "developmentStatus: done"), encoding="utf-8"
    )
    failed = run(cli_env, "import", "--publiccode", str(broken), "--council", "hackney")
    assert failed.returncode == 1
    assert f"{broken}:6: developmentStatus:" in failed.stderr


def test_contacts_and_the_outbox_from_the_command_line(
    cli_env: dict[str, str], councils: dict[str, str]
) -> None:
    added = run(cli_env, "contacts", "add", "--council", "E09000012", "Sam@Hackney.gov.uk")
    assert added.returncode == 0, added.stderr
    assert "Added a contact of Hackney" in added.stdout
    assert run(cli_env, "contacts", "list", "--council", "hackney").stdout == "sam@hackney.gov.uk\n"
    refused = run(cli_env, "contacts", "add", "--council", "hackney", "sam@camden.gov.uk")
    assert refused.returncode == 1
    assert "domains" in refused.stderr
    assert run(cli_env, "contacts", "remove", "--council", "hackney", "sam@hackney.gov.uk").returncode == 0
    assert run(cli_env, "contacts", "list", "--council", "hackney").stdout == ""
    assert run(cli_env, "mail", "send").stdout == "Sent 0; 0 to try again later; 0 set aside as dead.\n"
    assert "pending: 0" in run(cli_env, "mail", "status").stdout
