"""What a match must look like to count as a secret (briefpack.secrets.values, issue 17): the
checksum of GitHub's and npm's tokens, hashes with a scheme prefix, the name rule, the value
floor; and the assignment rule that feeds them, through `scan_text`.

Values are made fresh for each run (no credential is stored here), with a digit and a length
that keep a random one clear of the floor.
"""

from __future__ import annotations

import random
import string

import pytest

from briefpack.secrets.scan import scan_text
from briefpack.secrets.values import (
    AZURITE_KEY,
    checksum_ok,
    entropy,
    entropy_floor,
    looks_secret,
    plausible_token,
    secret_name,
)
from tests.secretset.values import Rand, checksummed

ALNUM = string.ascii_letters + string.digits
RNG = random.Random(2026)  # seeded: a failure can be run again


def rand(n: int, alphabet: str = ALNUM) -> str:
    return "".join(RNG.choice(alphabet) for _ in range(n))


def secret() -> str:
    """A random value well clear of the floor: 30 characters, a digit, a sign."""
    return rand(28) + "7!"


def kinds(text: str, path: str = "a.py") -> list[str]:
    return [f.kind for f in scan_text(text, path)]


@pytest.mark.parametrize("prefix", ["ghp_", "gho_", "ghu_", "ghs_", "ghr_", "npm_"])
def test_a_checksummed_token_needs_its_crc32(prefix: str) -> None:
    token = checksummed(Rand(RNG.randrange(1 << 30)), prefix)
    assert checksum_ok(token) and plausible_token(token)
    flipped = token[:10] + ("A" if token[10] != "A" else "B") + token[11:]
    assert not checksum_ok(flipped) and not plausible_token(flipped)
    assert not checksum_ok(token[:-1])  # one digit short
    assert not plausible_token(prefix + "x" * 36)  # a placeholder fails the checksum too
    kind = "npm-token" if prefix == "npm_" else "github-token"
    assert kinds(f"# the bot uses {token} for now\n") == [kind]
    assert kinds(f"# the bot uses {flipped} for now\n") == []


def test_a_checksummed_token_is_checked_where_it_sits_in_the_match() -> None:
    """detect-secrets' npm rule matches the whole `.npmrc` line: the token inside is checked."""
    token = checksummed(Rand(RNG.randrange(1 << 30)), "npm_")
    assert plausible_token(f"//registry.npmjs.org/:_authToken={token}")
    wrong = token[:-1] + ("Q" if token[-1] != "Q" else "R")
    assert not plausible_token(f"//registry.npmjs.org/:_authToken={wrong}")
    assert kinds(f"//registry.npmjs.org/:_authToken={token}\n", ".npmrc") != []


def test_published_examples_and_runs_are_no_tokens() -> None:
    assert not plausible_token("AKIAIOSFODNN7EXAMPLE")
    assert not plausible_token("AKIA" + "A" * 16)
    assert not plausible_token(f"AccountKey={AZURITE_KEY}")
    assert plausible_token("AKIA" + rand(16, string.ascii_uppercase + "234567"))
    assert kinds("# AKIAIOSFODNN7EXAMPLE\n") == []
    assert kinds("hook: https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXX\n") == []
    assert kinds(f"conn = 'AccountKey={AZURITE_KEY};'\n") == []


@pytest.mark.parametrize(
    "value",
    [
        "pbkdf2_sha256$600000$" + rand(22) + "$" + rand(43) + "=",
        "md5$" + rand(12) + "$" + rand(32, "0123456789abcdef"),
        "bcrypt_sha256$$2b$12$" + rand(53, ALNUM + "./"),
        "argon2$argon2id$v=19$m=102400,t=2,p=8$" + rand(22) + "$" + rand(22),
        "$2b$12$" + rand(53, ALNUM + "./"),
        "$argon2id$v=19$m=65536,t=3,p=4$" + rand(22) + "$" + rand(43),
        "$6$" + rand(16) + "$" + rand(86, ALNUM + "./"),
        "$y$j9T$" + rand(22, ALNUM + "./") + "$" + rand(43, ALNUM + "./"),
    ],
)
def test_a_hash_with_a_scheme_prefix_is_no_secret(value: str) -> None:
    assert not looks_secret(value)
    assert kinds(f'{{"password": "{value}"}}\n', "users.json") == []


def test_a_dollar_sign_alone_makes_no_scheme() -> None:
    """A Django secret key may hold `$`: one after a lowercase start is no hash scheme (a hash has
    two `$` and only its own alphabet), so the key is still a secret."""
    value = "abc$" + rand(40, string.ascii_lowercase + string.digits) + "(9!"
    assert looks_secret(value)
    assert kinds(f'SECRET_KEY = "{value}"\n', "settings.py") == ["secret-assignment"]


@pytest.mark.parametrize(
    "name",
    [
        "password",
        "DB_PASSWORD",
        "db_pass",
        "password2",
        "pwd",
        "apiKey",
        "API-KEY",
        "client_secret",
        "webhookSecret",
        "AWS_SECRET_ACCESS_KEY",
        "authToken",
        "x_auth",
        "credentials",
        "self.token",
        "SECRET_KEY_BASE",  # a word for its form or its environment may follow
        "DB_PASSWORD_PROD",
        "AWS_SESSION_TOKEN",  # credentials, whatever the other words say
        "primaryKey",
    ],
)
def test_a_secret_word_ends_a_secret_name(name: str) -> None:
    assert secret_name(name)


@pytest.mark.parametrize(
    "name",
    [
        "PASSWORD_REQUIRED_TEMPLATE",  # the secret word must end the name
        "SECRET_KEY_FILE",
        "secret_text",
        "token_type",
        "session_key",  # keys and tokens that are no credentials
        "SESSION_KEY",
        "cache_key",
        "csrf_token",
        "csrftoken",
        "xsrfToken",
        "publicKey",
        "foreign_key",
        "test_password",  # a test's
        "fakeToken",
        "MOCK_API_KEY",
        "exampleSecret",
        "dummy-secret",
        "testAPIKey",
    ],
)
def test_other_names_are_not_secret_names(name: str) -> None:
    assert not secret_name(name)


def test_a_test_word_inside_another_word_is_no_test() -> None:
    assert secret_name("latest_token") and secret_name("contest_password")


@pytest.mark.parametrize(
    "value",
    [
        "Xk3" + rand(5),  # short
        rand(14, string.ascii_letters) + "_" + rand(15, string.ascii_letters),  # a separator
        "ChangeTheSettingsLater",  # words in camelCase
        rand(20, string.ascii_lowercase),  # one case
        "Europe/Helsinki",
        "wagtail:spriteRevision",
        "abababababab1212",  # plain
        "0123456789ab",  # in order: a placeholder
        "key-" + rand(6) + "-abcdefgh",
        "templates/password_reset.html",  # a path or template name
        "certs/server.key",
        "C:/keys/Server.pem",
        "your-api-key-" + rand(10),  # placeholders
        "change-me-" + rand(10),
        "<token-" + rand(10) + ">",
        "${DB_PASSWORD}",
        "{{ vault_token }}",
        "sk-" + "x" * 20,
        "**********",
        "0" * 6 + rand(10),
        "%HOMEPATH%\\keys",
        "123e4567-e89b-12d3-a456-426614174000",  # a UUID
        "P@ssw0rd123!",  # words with digits around them, maybe in leetspeak
        "Welcome2024!",
        "FORBIDDEN_VALUE2",
        "predictable-secret2",
        "veryPriv@ate",
        "correct horse battery staple",  # prose
        "https://example.com/" + rand(10),
        "arn:aws:iam::123456789012:role/deploy",
    ],
)
def test_the_floor_turns_away_what_is_no_live_secret(value: str) -> None:
    assert not looks_secret(value)


@pytest.mark.parametrize(
    "value",
    [
        "get_password()",
        "settings.API_TOKEN",
        "rend1.focal_point_key",
        "&anchor-name-123",
        "$DB_PASSWORD",
        "os.environ[X1]",
        "self.old_name:",
    ],
)
def test_a_bare_value_that_is_code_is_no_secret(value: str) -> None:
    assert not looks_secret(value, quoted=False)


@pytest.mark.parametrize(
    "value",
    [
        lambda: secret(),
        lambda: rand(32, "0123456789abcdef"),  # an API key in hex
        lambda: "Pw" + rand(10) + "7!",  # 14 characters
        lambda: "dj(" + rand(40, string.ascii_lowercase + string.digits + "!@#%^&*(-_=+)") + "9",
        lambda: rand(12, string.ascii_lowercase) + "/" + rand(12, string.ascii_uppercase) + "9",
    ],
)
def test_the_floor_lets_a_random_value_through(value: object) -> None:
    made = value()  # type: ignore[operator]
    assert looks_secret(made), made


def test_the_entropy_floor_is_gitleaks_but_within_reach_of_short_and_hex_values() -> None:
    """3.5 bits (gitleaks' generic-api-key threshold), lowered where a random value of that
    length (at most log2(length) bits) or alphabet (hex: at most 4) would often miss it."""
    assert entropy_floor("g" * 40) == 3.5
    assert entropy_floor("g" * 12) < 3.0 < entropy_floor("g" * 16) < 3.5
    assert entropy_floor("ab" * 20) == 3.0  # 40 hex digits
    assert entropy_floor("ab" * 6) < 2.5
    assert entropy("abcd") == 2.0 and entropy("aaaa") == 0.0


@pytest.mark.parametrize(
    ("text", "path"),
    [
        ('"source": ["password = \\"{v}\\"\\n"]', "nb.ipynb"),  # a notebook's escaped quotes
        ('SECRET_KEY = "{v}#(x)"  # a comment', "settings.py"),  # past `#` and `(`
        ("private readonly apiKey: string = '{v}';", "client.ts"),  # typed
        ("$password = '{v}';", "db.php"),
        ('@token = "{v}"', "client.rb"),
        ('char password[] = "{v}";', "main.c"),
        ('if password == "{v}":', "check.py"),  # compared with a literal
        ("conn = {{'password': r'{v}'}}", "db.py"),
        ("API_TOKEN={v}", ".env"),
        ("auth:\n  db_password: {v}\n", "config.yml"),
    ],
)
def test_a_secret_value_given_to_a_secret_name_is_found(text: str, path: str) -> None:
    value = secret()
    line = text.format(v=value)
    found = scan_text(line, path)
    assert [f.kind for f in found] == ["secret-assignment"], line
    assert value in line[found[0].start : found[0].end]


@pytest.mark.parametrize(
    "line",
    [
        "if token == other_token:\n",  # compared with a variable
        "focal_point_key=rend1.focal_point_key,\n",
        "key: &cache-key-v3 deps-{{ checksum 'lock' }}\n",
        "key: *cache-key-v3\n",
        "password_required_template = 'tests/event_password_required_v2.html'\n",
        "password = forms.CharField(widget=forms.PasswordInput(render_value=True))\n",
    ],
)
def test_code_around_a_secret_name_is_left_alone(line: str) -> None:
    assert scan_text(line, "app.py") == []


def test_a_url_password_with_an_empty_user_is_found_and_a_plain_one_is_not() -> None:
    value = secret().replace("!", "-")
    assert kinds(f"url = 'redis://:{value}@cache:6379/0'\n") == ["url-password"]
    assert kinds("url = 'redis://:password@cache:6379/0'\n") == []
    assert kinds("url = 'https://user:12345@example.com/x'\n") == []


def test_a_call_is_code_and_a_bracket_in_a_password_is_not() -> None:
    from briefpack.secrets.values import a_call, a_name

    for code in ("getattr(self", "models.UUIDField(default=uuid.uuid4", "self.make_key(key"):
        assert a_call(code) and not looks_secret(code, quoted=False)
    assert not a_call("Zq8(vL2pR9xTm4wKb") and looks_secret("Zq8(vL2pR9xTm4wKb", quoted=False)
    assert a_name("activePanelId") and a_name("ChangeTheSettingsLater")
    assert a_name("HTTPPasswordMgr") and a_name("SqlServerConnectionCredentialsOptions")
    for code in ("slice[SupportsIndex", "ctx.args[0][0].value", "Callable[[str"):
        assert not looks_secret(code, quoted=False)
    assert not a_name("kXqBzRtYwPmLnVcDaHsJ")


def test_an_escape_closing_a_string_is_not_part_of_a_bare_value() -> None:
    """`"password = user.password\\n"` inside a test's string: the value is `user.password`."""
    assert not looks_secret("user.password\\n", quoted=False)
    assert looks_secret("Zq8vL2pR9xTm4wKbQ7\\n", quoted=False)
