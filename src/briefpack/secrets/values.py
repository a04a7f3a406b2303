"""What a matched value must look like to count as a secret (issue 17: precision without losing
recall).

- A value given to a secret-named key, or a password in a URL, passes the floor: long enough,
  varied enough (Shannon entropy, as gitleaks' generic-api-key rule), and not a word, a path, a
  template name, a hash with a scheme prefix, a placeholder, a UUID or a piece of code.
- A name is secret-named when a secret word ends it (`DB_PASSWORD`, `apiKey`, `client-secret`),
  and not when it names a session, cache or CSRF key, a public, primary or foreign key, or a
  test's (gitleaks' name allowlist does the same).
- A provider token must carry a valid checksum where its format has one (GitHub's and npm's
  CRC32), and be neither a published example nor a placeholder.
"""

from __future__ import annotations

import itertools
import math
import re
import zlib
from collections import Counter

MIN_LENGTH = 12
URL_PASSWORD_MIN = 8
MIN_ENTROPY = 3.5  # bits per character: gitleaks' threshold for its generic-api-key rule
HEX = re.compile(r"[0-9a-f]+|[0-9A-F]+")

# A secret word ends the name, maybe numbered, or is followed by a word for its form or its
# environment: `password2`, `SECRET_KEY`, `authToken`, `x-auth`, `SECRET_KEY_BASE`, `DB_PASSWORD_PROD`.
SECRET_NAME = re.compile(
    r"(?i)(?:pass(?:wd|word)?|pwd|secret|token|key|credentials?|auth)"
    r"(?:[_.\-]?(?:base|prod(?:uction)?|staging|stage|dev|live|value|raw|b64|base64|hex))?\d*$"
)
# Keys and tokens that are not credentials, with the separators taken out (`csrf_token`): an
# AWS session token and Azure's primary key are credentials; a session key is an id.
NOT_SECRET_KEY = re.compile(r"(?:cache|csrf|xsrf|public|foreign)(?:key|token)\d*$|sessionkey\d*$")
TEST_WORDS = frozenset({"test", "fake", "mock", "dummy", "example"})
WORDS = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])")  # `testAPIKey` -> test, API, Key

# Not the value itself: code, variables, references to the environment (a bare value only:
# quoted, `(` or `[` are characters like any other).
CODE = re.compile(
    r"^(?:[$&*/]|%\(|\./|process\.env|os\.environ|env\()|:$"  # `&anchor` in YAML
    r"|[\[\]]|^[({]|[({)}]$|[A-Za-z_][\w.]*\(.*\)"  # `args[0]`, `slice[int`, `{…}`, `get(KEY)`
    r"|^[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+$"  # an attribute: `self.token`, `rend1.key`
)
# Letters and separators only: a word, a name, a constant, `app:label`, `Europe/Helsinki`
# (gitleaks' rule has `[a-zA-Z_.-]`).
LETTERS_ONLY = re.compile(r"[a-zA-Z_.:/\-]+$")
SCHEME_HASH = re.compile(  # password hashes are safe to publish by design
    r"[a-z][a-z0-9_]{2,}\$[\w+/=.,\-]*\$[\w$+/=.,\-]*$"  # Django's: md5$salt$hash, bcrypt$$...
    r"|\$(?:2[abxy]?|argon2(?:id|i|d)|[1256]|y|7)\$[\w$+/=.,\-]*$"  # crypt(3): $2b$12$..., $6$
)
PATH_LIKE = re.compile(
    r"[~.]{0,2}/?[a-z0-9_.\-]+(?:/[a-z0-9_.\-]*)+$"  # lowercase segments: tests/page.html
    r"|.*\.(?:html?|txt|json|ya?ml|py|js|ts|css|key|pem|crt|cer|cfg|conf|ini|toml|xml|md|rst"
    r"|sh|log|sqlite3?|db|png|jpe?g|gif|svg)$"
)
PLACEHOLDER = re.compile(
    r"(?i)x{4,}|\*{3,}|0{6,}|\.\.\.|<[^>]*>|\$\{|\{\{|%\(\w+\)[sdr]|change-?me|your[-_]|example|dummy"
    r"|insecure|(?-i:%[A-Z][A-Z_]{2,}%)|(.)\1{7,}"  # %HOMEPATH%: a Windows variable
)
UUID = re.compile(r"(?i)[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
ESCAPES_AT_END = re.compile(r"(?:\\[ntr])+$")
VARIABLE = re.compile(r"\$[A-Za-z_]\w*$")  # "$DB_PASSWORD" in a shell string
LEET = str.maketrans("@4310$5!7", "aaeiossit")
SIGN_LEET = str.maketrans("@$!", "asi")
END_DIGITS = re.compile(r"^[\W\d_]+|[\W\d_]+$")
_WORD = r"(?:[A-Z]+|[A-Z]?[a-z]+(?:[A-Z][a-z]{2,})*)"  # UPPER, lower, Title, camelCase
CASED_WORDS = re.compile(rf"{_WORD}(?:[-_.:]{_WORD})*")
LOWER_WORDS = re.compile(r"[a-z]+(?:[-_.:][a-z]+)*")
VOWEL = re.compile(r"[aeiouyAEIOUY]")

# Provider tokens
CHECKSUMMED = re.compile(r"(?<![A-Za-z0-9])(?:gh[pousr]|npm)_")
CHECKSUM_SHAPE = re.compile(r"(?:gh[pousr]|npm)_([A-Za-z0-9]{30})([A-Za-z0-9]{6})(?![A-Za-z0-9])")
BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
# Azurite's (the Azure Storage emulator's) account key, the same in every installation and
# published in Microsoft's documentation.
AZURITE_KEY = (
    "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
)
NOT_A_TOKEN = re.compile(rf"EXAMPLE|(.)\1{{7,}}|{re.escape(AZURITE_KEY)}")


def secret_name(name: str) -> bool:
    """`name` says it holds a secret: a secret word ends it, and it is not a test's or a key
    that is no credential (a session, cache, CSRF, public, primary or foreign key)."""
    if not SECRET_NAME.search(name):
        return False
    joined = re.sub(r"[\W_]", "", name).lower()
    if NOT_SECRET_KEY.search(joined):
        return False
    return not any(word.lower() in TEST_WORDS for word in WORDS.findall(name))


def looks_secret(value: str, *, quoted: bool = True, min_length: int = MIN_LENGTH) -> bool:
    """`value` (given to a secret-named key, or a URL's password) may be a live secret."""
    if not quoted:  # `password = user.password\n` inside a string: the escape is not the value's
        value = ESCAPES_AT_END.sub("", value)
    if len(value) < min_length or any(c.isspace() for c in value):
        return False
    if (CODE.search(value) or a_call(value)) if not quoted else VARIABLE.match(value):
        return False
    return not (
        a_name(value)
        or SCHEME_HASH.match(value)
        or PATH_LIKE.match(value)
        or PLACEHOLDER.search(value)
        or UUID.match(value)
        or "://" in value
        or value.startswith("arn:")
        or AZURITE_KEY in value
        or sequential(value)
        or word_like(value)
        or entropy(value) < entropy_floor(value)
    )


def a_name(value: str) -> bool:
    """Letters and separators only, as a word or a name is (`FORCE_CHANGE`, `app:label`,
    `Europe/Helsinki`, `ChangeMe`): one case, a separator, or words in camelCase. Random letters
    in mixed case (`kXqBzRtYwPmLnVcDaHsJ`) are not a name."""
    if not LETTERS_ONLY.match(value):
        return False
    return (
        value.lower() == value
        or value.upper() == value
        or any(c in "_.:/-" for c in value)
        or _mean_word(value) >= 3  # `activePanelId`, `HTTPPasswordMgr`: random letters make
    )  # words of about two letters in mixed case


def _mean_word(value: str) -> float:
    words = WORDS.findall(value)
    return sum(map(len, words)) / len(words) if words else 0.0


def a_call(value: str) -> bool:
    """A bare value that starts by calling something named (`getattr(self`, `models.UUIDField(`,
    `self.make_key(key`: a value cut at a comma), not a password with a bracket in it (`Zq8(v`)."""
    callee, bracket, _ = value.partition("(")
    if not bracket or not re.fullmatch(r"[A-Za-z_][\w.]*", callee):
        return False
    return "." in callee or "_" in callee or bool(re.search(r"[a-z]{3}", callee))


def word_like(value: str) -> bool:
    """Words with digits or signs around them (`Welcome2024!`, `FORBIDDEN_VALUE2`,
    `predictable-secret2`), maybe in leetspeak (`P@ssw0rd123`): short, and once the ends are cut
    off, words cased as words are (lower, UPPER, Title, camelCase) joined by separators. Digits
    are read as letters (`0` as `o`) only among cased words: in lowercase, a random mix of letters
    and digits would read as a word too often."""
    if len(value) >= 20:
        return False
    core = END_DIGITS.sub("", value)
    if sum(c.isalpha() for c in core) < 4:
        return False
    if core.lower() == core:
        return bool(LOWER_WORDS.fullmatch(core.translate(SIGN_LEET)))
    words = core.translate(LEET)
    return bool(CASED_WORDS.fullmatch(words)) and all(
        VOWEL.search(word) for word in WORDS.findall(words)
    )


def sequential(value: str, run: int = 6) -> bool:
    """A run of `run` characters in order (`123456`, `abcdef`): a placeholder like `1234567890`,
    as detect-secrets' heuristic has it."""
    length = 1
    lowered = value.lower()
    for before, after in itertools.pairwise(lowered):
        length = length + 1 if ord(after) == ord(before) + 1 else 1
        if length >= run:
            return True
    return False


def plausible_token(text: str) -> bool:
    """A provider token (in `text`, the rule's whole match) that may be live: a valid checksum
    where the format has one (GitHub's `ghp_`..., npm's `npm_`), else no published example
    (AWS's `...EXAMPLE`, Azurite's key) and no placeholder (a run of one character)."""
    prefix = CHECKSUMMED.search(text)
    if prefix:
        return checksum_ok(text, prefix.start())
    return not NOT_A_TOKEN.search(text)


def checksum_ok(text: str, at: int = 0) -> bool:
    """GitHub's format (npm's too), at `at` in `text`: the prefix, 30 random base62 characters,
    then their CRC32 in 6 base62 digits."""
    match = CHECKSUM_SHAPE.match(text, at)
    if not match:
        return False
    body, check = match.groups()
    value = 0
    for c in check:
        value = value * 62 + BASE62.index(c)
    return value == zlib.crc32(body.encode())


def entropy_floor(value: str) -> float:
    """The entropy `value` needs: gitleaks' 3.5 bits, less where a random string of its length
    and alphabet would often fall short (at most log2(length) bits: a random 12-character
    password has 3.4 bits or less half the time, and 32 random hex digits 3.6)."""
    bits = math.log2(len(value))
    if HEX.fullmatch(value):
        return min(3.0, bits - 1.2)
    return min(MIN_ENTROPY, bits - 0.7)


def entropy(value: str) -> float:
    """Shannon entropy in bits per character."""
    counts = Counter(value)
    return -sum(n / len(value) * math.log2(n / len(value)) for n in counts.values())
