"""The secret scan: planted canaries of every kind come out redacted, blocked or (asked) allowed.

Canary values are made fresh for each run from random characters in each kind's shape, so no
real-looking credential is stored in this repository and none can leak from a previous run.
"""

from __future__ import annotations

import concurrent.futures
import json
import marshal
import os
import random
import shutil
import signal
import string
import subprocess
import sys
import zlib
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import Result

from briefpack.brief.guard import guard_brief, guard_text
from briefpack.brief.parts import Brief, Doc
from briefpack.secrets.guard import ScanCache, SecretsError
from briefpack.secrets.scan import Finding, redact, scan_text
from tests.conftest import git, write_tree

ALNUM = string.ascii_letters + string.digits
UPPER = string.ascii_uppercase + string.digits


RNG = random.SystemRandom()  # fresh every run: no canary is ever written into this repository


def rand(n: int, alphabet: str = ALNUM) -> str:
    return "".join(RNG.choice(alphabet) for _ in range(n))


def b64url(n: int) -> str:
    return rand(n, ALNUM + "-_")


def github_token(prefix: str = "ghp_") -> str:
    """GitHub's format: 30 random base62 characters, then their CRC32 in 6 base62 digits (the
    scan checks it, so a token without it is no token)."""
    body, digits = rand(30), string.digits + string.ascii_uppercase + string.ascii_lowercase
    number, check = zlib.crc32(body.encode()), ""
    for _ in range(6):
        number, rest = divmod(number, 62)
        check = digits[rest] + check
    return prefix + body + check


def pem(kind: str = "RSA PRIVATE KEY") -> str:
    body = "\n".join(rand(64, ALNUM + "+/") for _ in range(6))
    return f"-----BEGIN {kind}-----\n{body}\n-----END {kind}-----\n"


def canaries() -> dict[str, str]:
    """kind -> a fresh value of that kind."""
    return {
        "aws-access-key": "AKIA" + rand(16, UPPER),
        "aws-secret-key": rand(40, ALNUM + "/+"),
        "gcp-api-key": "AIza" + b64url(35),
        "azure-storage-key": rand(86, ALNUM + "+/") + "==",
        "azure-client-secret": rand(3) + "8Q~" + rand(34, ALNUM + "_~."),
        "github-token": github_token(),
        "github-fine-grained": "github_pat_" + rand(22) + "_" + rand(59),
        "gitlab-token": "glpat-" + b64url(20),
        "slack-token": "xoxb-" + rand(11, string.digits) + "-" + rand(24, string.ascii_lowercase),
        "slack-webhook": f"https://hooks.slack.com/services/T{rand(8, UPPER)}/B{rand(8, UPPER)}/"
        + rand(24),
        "stripe-key": "sk_live_" + rand(24),
        "openai-key": "sk-proj-" + b64url(58) + "T3BlbkFJ" + b64url(58),
        "openai-legacy": "sk-" + rand(20) + "T3BlbkFJ" + rand(20),
        "anthropic-key": "sk-ant-api03-" + b64url(93) + "AA",
        "jwt": "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIx" + b64url(20) + "." + b64url(43),
        "url-password": "pw" + rand(22) + "7",  # long and with a digit: never too plain a value
        "db-password": "Pw" + rand(22) + "7!",
        "django-secret": "dj" + rand(40, ALNUM + "!@#%^&*-_") + "9",
        "api-token": "tok" + rand(30) + "5",
    }


def corpus(root: Path, c: dict[str, str]) -> dict[str, str]:
    """Plant every canary in code, config, notes and schema files; return path -> text."""
    sa = {
        "type": "service_account",
        "private_key_id": rand(40, "0123456789abcdef"),
        "private_key": pem("PRIVATE KEY"),
        "client_email": "svc@proj.iam.gserviceaccount.com",
    }
    c["gcp-private-key-id"] = sa["private_key_id"]
    files = {
        "src/settings.py": (
            f'AWS_ACCESS_KEY_ID = "{c["aws-access-key"]}"\n'
            f'aws_secret_access_key = "{c["aws-secret-key"]}"\n'
            f'SECRET_KEY = "{c["django-secret"]}"\n'
            f'DATABASE_URL = "postgres://app:{c["url-password"]}@db.internal:5432/app"\n'
            f'STRIPE = "{c["stripe-key"]}"\n'
            f'AUTH = "Bearer {c["jwt"]}"\n'
        ),
        "src/clients.ts": (
            f'const openai = "{c["openai-key"]}";\n'
            f'const legacy = "{c["openai-legacy"]}";\n'
            f'const anthropic = "{c["anthropic-key"]}";\n'
            f'const hook = "{c["slack-webhook"]}";\n'
        ),
        "config/app.yaml": (
            f"github_token: {c['github-token']}\n"
            f"gitlab: {c['gitlab-token']}\n"
            f"slack: {c['slack-token']}\n"
            f"maps: {c['gcp-api-key']}\n"
        ),
        "config/azure.ini": (
            "[storage]\nconnection = DefaultEndpointsProtocol=https;AccountName=acct;"
            f"AccountKey={c['azure-storage-key']};EndpointSuffix=core.windows.net\n"
            f"client_secret = {c['azure-client-secret']}\n"
        ),
        "config/service-account.json": json.dumps(sa, indent=2) + "\n",
        "deploy/id_rsa": pem(),
        "notes/ops.md": (
            "# Ops notes\n\nThe staging login: `DB_PASSWORD=" + c["db-password"] + "`\n"
            f"CI uses {c['github-fine-grained']} for releases.\n"
            f"API_TOKEN={c['api-token']}\n"
        ),
        "db/schema.sql": (
            "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT);\n"
            f"-- seeded by postgres://admin:{c['url-password']}@10.0.0.5/app\n"
        ),
    }
    write_tree(root, files)
    write_tree(root, {".briefpack.toml": 'notes = ["notes/**"]\nschema = ["db/*.sql"]\n'})
    return files


KINDS = {
    "aws-access-key",
    "aws-secret-key",
    "gcp-api-key",
    "gcp-private-key-id",
    "azure-storage-key",
    "azure-client-secret",
    "github-token",
    "gitlab-token",
    "slack-token",
    "slack-webhook",
    "stripe-key",
    "openai-key",
    "anthropic-key",
    "jwt",
    "url-password",
    "private-key",
    "secret-assignment",
}


@pytest.fixture
def planted(git_repo: Path) -> tuple[Path, dict[str, str]]:
    c = canaries()
    corpus(git_repo, c)
    git(git_repo, "add", "-A")
    return git_repo, c


def leaks(c: dict[str, str], *texts: str) -> list[str]:
    return [kind for kind, value in c.items() if any(value in t for t in texts)]


def test_every_canary_is_redacted_and_named(
    planted: tuple[Path, dict[str, str]], cli: Callable[..., Result]
) -> None:
    repo, c = planted
    result = cli(["build", "--stdout", "-g", "Audit the config", "-v"], cwd=repo)
    assert result.exit_code == 0, result.stderr
    assert leaks(c, result.stdout, result.stderr) == []
    kinds = {
        line.split("[redacted: ")[1].split("]")[0]
        for line in result.stdout.split("\n")
        if "[redacted: " in line
    }
    assert kinds >= KINDS
    for where in (
        "src/settings.py:1: aws-access-key redacted",
        "notes/ops.md:3:",
        "db/schema.sql:2: url-password redacted",
        "deploy/id_rsa:1: private-key",
    ):
        assert where in result.stderr
    # the files still read as code: the text around each secret is kept
    assert 'AWS_ACCESS_KEY_ID = "[redacted: aws-access-key]"' in result.stdout


def test_scanning_on_every_core_finds_the_same(
    planted: tuple[Path, dict[str, str]],
    cli: Callable[..., Result],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Much text is scanned in forked worker processes: same brief, same findings, byte for
    byte, as scanning in this process."""
    from briefpack.secrets import guard

    repo, c = planted
    args = ["build", "--stdout", "-g", "Audit", "--no-cache"]
    serial = cli(args, cwd=repo)
    monkeypatch.setattr(guard, "PARALLEL_SCAN_CHARS", 0)
    monkeypatch.setattr(guard, "cores", lambda: 2)  # also on a one-core machine
    calls: list[int] = []
    real = concurrent.futures.ProcessPoolExecutor

    def pool(*a: object, **k: object) -> object:
        calls.append(1)
        return real(*a, **k)  # type: ignore[arg-type]

    monkeypatch.setattr(concurrent.futures, "ProcessPoolExecutor", pool)  # imported when used
    parallel = cli(args, cwd=repo)
    assert calls, "the worker processes were not used"
    assert parallel.exit_code == serial.exit_code == 0, parallel.stderr
    assert parallel.stdout == serial.stdout and parallel.stderr == serial.stderr
    assert leaks(c, parallel.stdout, parallel.stderr) == []


def test_a_scan_worker_that_dies_leaves_the_scan_to_this_process(
    planted: tuple[Path, dict[str, str]],
    cli: Callable[..., Result],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    """A worker killed mid-way (the OOM killer, a signal) breaks the pool; the scan is done
    here instead, with the same result, and no "internal error"."""
    from briefpack.secrets import guard

    repo, c = planted
    args = ["build", "--stdout", "-g", "Audit", "--no-cache"]
    serial = cli(args, cwd=repo)
    monkeypatch.setattr(guard, "PARALLEL_SCAN_CHARS", 0)
    monkeypatch.setattr(guard, "cores", lambda: 2)

    def killed() -> None:  # each worker, as it starts, in its own (forked) process
        (tmp_path / f"died-{os.getpid()}").touch()
        os.kill(os.getpid(), signal.SIGKILL)

    monkeypatch.setattr(guard, "_quiet_worker", killed)
    result = cli(args, cwd=repo)
    assert list(tmp_path.glob("died-*")), "no worker was started, so none died"
    assert result.exit_code == serial.exit_code == 0, result.stderr
    assert result.stdout == serial.stdout and result.stderr == serial.stderr
    assert leaks(c, result.stdout, result.stderr) == []


def test_block_refuses_and_writes_nothing(
    planted: tuple[Path, dict[str, str]], cli: Callable[..., Result], tmp_path: Path
) -> None:
    repo, c = planted
    out = tmp_path / "brief.md"
    result = cli(["build", "-o", str(out), "--secrets", "block"], cwd=repo)
    assert result.exit_code == 4
    assert not out.exists()
    assert "secret(s) found" in result.stderr
    assert leaks(c, result.stdout, result.stderr) == []


def test_allow_lets_them_through_with_a_warning(
    planted: tuple[Path, dict[str, str]], cli: Callable[..., Result]
) -> None:
    repo, c = planted
    result = cli(["build", "--stdout", "--secrets", "allow", "-v"], cwd=repo)
    assert result.exit_code == 0
    assert c["aws-access-key"] in result.stdout
    assert "src/settings.py:1: aws-access-key left in (--secrets allow)" in result.stderr
    assert leaks(c, result.stderr) == []


def test_config_mode_and_flag_override(
    planted: tuple[Path, dict[str, str]], cli: Callable[..., Result]
) -> None:
    repo, _ = planted
    (repo / ".briefpack.toml").write_text('secrets = "block"\n', encoding="utf-8")
    assert cli(["build", "--stdout"], cwd=repo).exit_code == 4
    assert cli(["build", "--stdout", "--secrets", "redact"], cwd=repo).exit_code == 0
    assert cli(["build", "--stdout", "--secrets", "leak"], cwd=repo).exit_code == 2


def test_nothing_secret_reaches_the_caches_or_a_dry_run(
    planted: tuple[Path, dict[str, str]], cli: Callable[..., Result], tmp_path: Path
) -> None:
    repo, c = planted
    assert cli(["build", "--stdout"], cwd=repo).exit_code == 0
    dry = cli(["send", "--dry-run"], cwd=repo)
    assert dry.exit_code == 0, dry.stderr
    assert "[redacted: " in dry.stdout
    caches = Path(os.environ["BRIEFPACK_CACHE_DIR"])
    stored = [p.read_bytes().decode(errors="replace") for p in caches.rglob("*") if p.is_file()]
    assert stored
    assert leaks(c, dry.stdout, dry.stderr, *stored) == []


def test_send_brief_file_is_scanned(
    git_repo: Path, cli: Callable[..., Result], tmp_path: Path
) -> None:
    c = canaries()
    brief = tmp_path / "brief.md"
    brief.write_text(f"# Goal\n\nFix it.\n\ntoken: {c['github-token']}\n", encoding="utf-8")
    result = cli(["send", "--dry-run", "--brief", str(brief), "-v"], cwd=git_repo)
    assert result.exit_code == 0, result.stderr
    assert "[redacted: github-token]" in result.stdout
    assert f"{brief}:5: github-token redacted" in result.stderr
    assert leaks(c, result.stdout, result.stderr) == []
    blocked = cli(["send", "--dry-run", "--brief", str(brief), "--secrets", "block"], cwd=git_repo)
    assert blocked.exit_code == 4


def test_goal_and_warnings_are_scanned_too(git_repo: Path, cli: Callable[..., Result]) -> None:
    c = canaries()
    write_tree(git_repo, {"a.py": "x = 1\n"})
    result = cli(
        ["build", "--stdout", "-v", "-g", f"Why does {c['stripe-key']} fail?"], cwd=git_repo
    )
    assert result.exit_code == 0
    assert c["stripe-key"] not in result.stdout
    assert "goal:1: stripe-key redacted" in result.stderr


def test_inline_allow_comment_and_allowed_files(git_repo: Path, cli: Callable[..., Result]) -> None:
    c = canaries()
    write_tree(
        git_repo,
        {
            "fixtures/fake.py": f'KEY = "{c["aws-access-key"]}"\n',
            "a.py": f'A = "{c["github-token"]}"  # pragma: allowlist secret\n'
            "# pragma: allowlist nextline secret\n"
            f'B = "{c["stripe-key"]}"\n'
            f'C = "{c["gitlab-token"]}"\n',
            ".briefpack.toml": 'secrets_allow_files = ["fixtures/"]\n',
        },
    )
    result = cli(["build", "--stdout", "-v"], cwd=git_repo)
    assert result.exit_code == 0
    for kept in ("aws-access-key", "github-token", "stripe-key"):
        assert c[kept] in result.stdout
    assert c["gitlab-token"] not in result.stdout
    assert "a.py:4: gitlab-token redacted" in result.stderr


@pytest.mark.parametrize(
    "line",
    [
        "password = user.password\n",
        "password = form.cleaned_data['password']\n",
        "key = lambda item: item[0]\n",
        'TOKEN_TYPE = "bearer"\n',
        'status = "FORCE_CHANGE_PASSWORD"\n',
        "secret_name: ${SECRET_NAME}\n",
        'DB_PASSWORD = os.environ["DB_PASSWORD"]\n',
        "sha = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'\n",
        'id = "123e4567-e89b-12d3-a456-426614174000"\n',
        "The key to this design is that every -----BEGIN PRIVATE KEY----- line is text.\n",
        "url = 'https://example.com/path?x=1'\n",
        "primary_key = models.AutoField(primary_key=True)\n",
    ],
)
def test_ordinary_code_is_left_alone(line: str) -> None:
    assert scan_text(line, "app.py") == []


def test_redact_names_the_kind_and_keeps_the_rest() -> None:
    c = canaries()
    text = f'x = 1\nkey = "{c["aws-access-key"]}"  # prod\n'
    findings = scan_text(text, "a.py")
    assert [(f.line, f.kind) for f in findings] == [(2, "aws-access-key")]
    assert redact(text, findings) == 'x = 1\nkey = "[redacted: aws-access-key]"  # prod\n'


def test_a_truncated_private_key_is_still_redacted_to_its_end() -> None:
    block = pem().split("-----END")[0]
    findings = scan_text("k = '''" + block, "k.py")
    assert len(findings) == 1
    assert findings[0].end >= len("k = '''" + block.rstrip())


def test_the_scan_cache_remembers_by_content(tmp_path: Path) -> None:
    c = canaries()
    doc = Doc("a.py", f'T = "{c["github-token"]}"\n')
    path = tmp_path / "scan.marshal"
    first = ScanCache(path=path)
    brief, found = guard_brief(Brief(files=(doc,)), mode="redact", cache=first)
    assert first.dirty is False and path.is_file()
    assert c["github-token"].encode() not in path.read_bytes()
    second = ScanCache(path=path)  # reads the file when first needed
    again, found_again = guard_brief(Brief(files=(doc,)), mode="redact", cache=second)
    assert second.dirty is False  # nothing new was scanned
    assert again == brief and found_again == found


def test_the_scan_cache_key_keeps_the_extensions_case(
    cli: Callable[..., Result], git_repo: Path
) -> None:
    """Issue 21.1: `x.C` and `a.c` share a text, which rules that go by the extension as written
    would read differently (detect-secrets' keyword rules did), so one's findings never serve
    the other: not within a run, nor through the cache on disk."""
    password = "Xk" + rand(22) + "7"
    line = f"$password = '{password}';\n"
    write_tree(git_repo, {"x.C": line, "a.c": line})
    expected = {name: redact(line, scan_text(line, name)) for name in ("x.C", "a.c")}
    assert password not in expected["x.C"]
    for flags in (["--no-cache"], [], []):  # one run alone, then filling and reading the cache
        result = cli(["build", str(git_repo), "--stdout", *flags])
        assert result.exit_code == 0
        sections = result.stdout.split("### ")
        for name, text in expected.items():
            assert any(part.startswith(f"{name}\n") and text in part for part in sections)


@pytest.mark.parametrize(
    "junk",
    [
        b"",
        b"{not marshal",
        marshal.dumps(("an old version", {})),
        marshal.dumps([1, 2]),
        b'{"version": 1, "entries": {}}',  # the JSON of before
        "current:damaged-entries",
        "current:not-a-dict",
    ],
)
def test_a_corrupt_scan_cache_is_discarded(tmp_path: Path, junk: bytes | str) -> None:
    from briefpack.secrets import guard

    text = 'KEY = "' + "x" * 8 + '"\n'
    key = ScanCache(path=None).key(text, "a.py")
    if junk == "current:damaged-entries":
        junk = marshal.dumps((guard._version(), {key: [[1, "kind"]], "other": "x"}))
    elif junk == "current:not-a-dict":
        junk = marshal.dumps((guard._version(), [key]))
    assert isinstance(junk, bytes)
    path = tmp_path / "scan.marshal"
    path.write_bytes(junk)
    cache = ScanCache(path=path)
    _, found = guard_brief(Brief(files=(Doc("a.py", text),)), mode="redact", cache=cache)
    assert found == ()
    version, entries = marshal.loads(path.read_bytes())
    assert version == guard._version() and entries[key] == []  # scanned again, kept right


def test_scanner_id_covers_every_module_of_the_package(tmp_path: Path) -> None:
    """The scan cache is keyed by scanner_id: a change to any module of briefpack.secrets (a new
    one included) changes it, so cached findings never outlive the code that made them."""
    copy = tmp_path / "src"
    shutil.copytree(
        Path(__file__).resolve().parent.parent / "src" / "briefpack", copy / "briefpack"
    )
    probe = "from briefpack.secrets.scan import scanner_id; print(scanner_id())"
    env = {"PYTHONPATH": str(copy), "PYTHONDONTWRITEBYTECODE": "1"}

    def scanner() -> str:
        run = [sys.executable, "-c", probe]
        return subprocess.run(run, capture_output=True, text=True, check=True, env=env).stdout

    first = scanner()
    for module in ("rules.py", "library.py", "scan.py", "new_rules.py"):
        with (copy / "briefpack" / "secrets" / module).open("a", encoding="utf-8") as f:
            f.write("\n# changed\n")
        again = scanner()
        assert again != first, module
        first = again


def test_guard_text_blocks() -> None:
    c = canaries()
    with pytest.raises(SecretsError) as info:
        guard_text(f"key: {c['stripe-key']}\n", "b.md", mode="block")
    assert c["stripe-key"] not in str(info.value)
    text, found = guard_text("nothing here\n", "b.md", mode="block")
    assert (text, found) == ("nothing here\n", ())


def test_finding_never_carries_the_value() -> None:
    assert {f.name for f in Finding.__dataclass_fields__.values()} == {
        "path",
        "line",
        "kind",
        "start",
        "end",
    }


def test_settings_and_plain_passwords_are_not_secrets() -> None:
    """Issue 17: low-entropy words (`password`, `secret`, `test123`) are not secrets, given to a
    password too; a long, varied one is."""
    assert scan_text('secrets = "block"\n', "a.toml") == []
    assert scan_text('secret_mode: str = "redact"\n', "a.py") == []
    assert scan_text('password = "letmein"\n', "a.py") == []
    password = "Pw" + rand(22) + "7!"
    assert [f.kind for f in scan_text(f'password = "{password}"\n', "a.py")] == [
        "secret-assignment"
    ]


def test_detect_secrets_loads_without_its_network_client() -> None:
    """Its plugins import `requests` for a verify step briefpack never calls: a stand-in that
    refuses every use is loaded instead, and removed after, so a later import gets the real one."""
    probe = (
        "import sys\n"
        "from briefpack.secrets.scan import scan_text\n"
        "found = scan_text('key = AKIA' + 'IOSFODNN7EXAMPLQ\\n', 'a.py')\n"  # no key in this file
        "assert [f.kind for f in found] == ['aws-access-key'], found\n"
        "assert 'requests' not in sys.modules\n"
        "from detect_secrets.plugins import base\n"
        "try:\n"
        "    base.requests.get\n"
        "except RuntimeError as exc:\n"
        "    print('refused:', exc)\n"
        "import requests\n"
        "print('real:', callable(requests.get))\n"
        "assert 'detect_secrets.core.secrets_collection' not in sys.modules\n"  # nor its scanner
        "from detect_secrets import SecretsCollection\n"
        "print('collection:', SecretsCollection.__name__)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    ).stdout
    assert "refused: briefpack never verifies secrets over the network" in out
    assert "real: True" in out and "collection: SecretsCollection" in out


def test_one_summary_line_a_listing_and_escaped_paths(
    cli: Callable[..., Result], git_repo: Path
) -> None:
    """Issue 17: one line by default, each finding with -v or `briefpack secrets`, and paths
    that look like emoji codes or Rich markup printed as written."""
    c = canaries()
    write_tree(
        git_repo,
        {
            "a:100:b.py": f'TOKEN = "{c["github-token"]}"\n',
            "[red]x[/red].md": f"key: {c['stripe-key']}\n",
            "ok.py": "x = 1\n",
        },
    )
    quiet = cli(["build", "--stdout"], cwd=git_repo)
    assert "warning: 2 secrets redacted in 2 files (-v lists them" in quiet.stderr
    assert "github-token redacted" not in quiet.stderr
    loud = cli(["build", "--stdout", "-v"], cwd=git_repo)
    assert "a:100:b.py:1: github-token redacted" in loud.stderr
    assert "[red]x[/red].md:1: stripe-key redacted" in loud.stderr
    listed = cli(["secrets"], cwd=git_repo)
    assert listed.stdout == "[red]x[/red].md:1: stripe-key\na:100:b.py:1: github-token\n"
    rows = json.loads(cli(["secrets", "--json"], cwd=git_repo).stdout)
    assert {r["kind"] for r in rows} == {"stripe-key", "github-token"}
    assert c["github-token"] not in listed.stdout + loud.stderr + quiet.stderr
    over = cli(["build", "--stdout", "--budget", "10", "--no-fit"], cwd=git_repo)
    assert "a:100:b.py" in over.stderr and "💯" not in over.stderr


def test_a_slack_webhook_template_is_no_webhook() -> None:
    """Code that builds a webhook's URL (`T{team}/B{channel}`) holds no secret; a webhook does."""
    template = 'url = f"https://hooks.slack.com/services/T{team}/B{channel}/{secret}"\n'
    assert scan_text(template, "notify.py") == []
    real = "url = 'https://hooks.slack.com/services/T0A1B2C3D4/B5E6F7G8H9/" + "aZ3" * 8 + "'\n"
    assert [f.kind for f in scan_text(real, "notify.py")] == ["slack-webhook"]
