"""Values in each provider's shape, from a seeded RNG: tokens (with their checksums where the
format has one), private-key bodies, JWTs, PyPI macaroons."""

from __future__ import annotations

import base64
import json
import random
import string
import zlib
from collections.abc import Callable

DIGITS = string.digits
UPPER = string.ascii_uppercase
ALNUM = string.ascii_letters + string.digits
B32 = UPPER + "234567"
B62 = DIGITS + UPPER + string.ascii_lowercase  # the order GitHub's checksum digits use
B64 = ALNUM + "+/"
B64URL = ALNUM + "-_"
HEX = "0123456789abcdef"


class Rand:
    """Random characters and bytes, the same for the same seed."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)

    def chars(self, n: int, alphabet: str = ALNUM) -> str:
        return "".join(self.rng.choice(alphabet) for _ in range(n))

    def raw(self, n: int) -> bytes:
        return bytes(self.rng.getrandbits(8) for _ in range(n))

    def b64(self, n: int) -> str:
        return base64.b64encode(self.raw(n)).decode()

    def b64url(self, n: int) -> str:
        return base64.urlsafe_b64encode(self.raw(n)).decode().rstrip("=")


def _base62(number: int) -> str:
    digits = ""
    while number:
        number, rest = divmod(number, 62)
        digits = B62[rest] + digits
    return digits.rjust(6, "0")


def checksummed(r: Rand, prefix: str) -> str:
    """GitHub's (and npm's) format: 30 random base62 characters, then their CRC32 in base62."""
    body = r.chars(30)
    return prefix + body + _base62(zlib.crc32(body.encode()))


def _pypi(r: Rand) -> str:
    """A macaroon as PyPI issues them: location pypi.org, an identifier, caveats, a signature."""
    ident = json.dumps({"nonce": r.chars(32, HEX)}).encode()
    caveat = json.dumps({"version": 1, "permissions": "user"}).encode()
    blob = b"\x02\x01\x08pypi.org\x02" + bytes([len(ident)]) + ident + b"\x00"
    blob += b"\x02" + bytes([len(caveat)]) + caveat + b"\x00\x00\x06\x20" + r.raw(32)
    return "pypi-" + base64.urlsafe_b64encode(blob).decode().rstrip("=")


def _jwt(r: Rand, alg: str, signature_bytes: int) -> str:
    def part(data: dict[str, object]) -> str:
        raw = json.dumps(data, separators=(",", ":")).encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    claims = {"sub": r.chars(24, HEX), "iat": 1717000000, "exp": 1717086400, "scope": "api"}
    header = part({"alg": alg, "typ": "JWT"})
    return f"{header}.{part(claims)}.{r.b64url(signature_bytes)}"


JWT_HEADERS = {  # base64url of {"alg":...,"typ":"JWT"} and the dot: the same in every token
    "HS256": "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.",
    "RS256": "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.",
}
# Provider tokens: kind -> (provider, its value, its public prefix, a name it is often given).
Token = tuple[str, Callable[[Rand], str], str, str]
TOKENS: dict[str, Token] = {
    "aws-access-key": ("aws", lambda r: "AKIA" + r.chars(16, B32), "AKIA", "aws_access_key_id"),
    "github-classic": ("github", lambda r: checksummed(r, "ghp_"), "ghp_", "github_token"),
    "github-fine-grained": (
        "github",
        lambda r: "github_pat_11" + r.chars(20, UPPER + DIGITS) + "_" + r.chars(59),
        "github_pat_",
        "gh_pat",
    ),
    "github-app-server": (
        "github",
        lambda r: checksummed(r, "ghs_"),
        "ghs_",
        "installation_token",
    ),
    "github-app-user": ("github", lambda r: checksummed(r, "ghu_"), "ghu_", "github_user_token"),
    "gitlab-pat": ("gitlab", lambda r: "glpat-" + r.chars(20, B64URL), "glpat-", "gitlab_token"),
    "slack-bot": (
        "slack",
        lambda r: f"xoxb-{r.chars(12, DIGITS)}-{r.chars(13, DIGITS)}-{r.chars(24)}",
        "xoxb-",
        "slack_bot_token",
    ),
    "slack-user": (
        "slack",
        lambda r: (
            f"xoxp-{r.chars(12, DIGITS)}-{r.chars(12, DIGITS)}-{r.chars(13, DIGITS)}-"
            + r.chars(32, HEX)
        ),
        "xoxp-",
        "slack_user_token",
    ),
    "stripe-live": ("stripe", lambda r: "sk_live_51" + r.chars(97), "sk_live_", "stripe_key"),
    "stripe-restricted": ("stripe", lambda r: "rk_live_51" + r.chars(97), "rk_live_", "stripe"),
    "openai-project": (
        "openai",
        lambda r: "sk-proj-" + r.chars(74, B64URL) + "T3BlbkFJ" + r.chars(74, B64URL),
        "sk-proj-",
        "openai_api_key",
    ),
    "openai-service-account": (
        "openai",
        lambda r: "sk-svcacct-" + r.chars(74, B64URL) + "T3BlbkFJ" + r.chars(74, B64URL),
        "sk-svcacct-",
        "openai_key",
    ),
    "anthropic": (
        "anthropic",
        lambda r: "sk-ant-api03-" + r.chars(93, B64URL) + "AA",
        "sk-ant-api03-",
        "anthropic_api_key",
    ),
    "google-api-key": ("google", lambda r: "AIzaSy" + r.chars(33, B64URL), "AIza", "maps_key"),
    "twilio-api-key": ("twilio", lambda r: "SK" + r.chars(32, HEX), "SK", "twilio_api_key"),
    "twilio-account-sid": ("twilio", lambda r: "AC" + r.chars(32, HEX), "AC", "twilio_account"),
    "sendgrid": (
        "sendgrid",
        lambda r: f"SG.{r.chars(22, B64URL)}.{r.chars(43, B64URL)}",
        "SG.",
        "sendgrid_api_key",
    ),
    "npm": ("npm", lambda r: checksummed(r, "npm_"), "npm_", "npm_token"),
    "pypi": ("pypi", _pypi, "pypi-AgEIcHlwaS5vcmc", "pypi_token"),
    "dockerhub": ("docker", lambda r: "dckr_pat_" + r.chars(27, B64URL), "dckr_pat_", "docker"),
    "huggingface": (
        "huggingface",
        lambda r: "hf_" + r.chars(34, string.ascii_letters),
        "hf_",
        "hf_token",
    ),
    "slack-webhook": (
        "slack",
        lambda r: (
            f"https://hooks.slack.com/services/T{r.chars(10, UPPER + DIGITS)}/"
            f"B{r.chars(11, UPPER + DIGITS)}/{r.chars(24)}"
        ),
        "https://hooks.slack.com/services/",
        "slack_webhook_url",
    ),
    "jwt-hs256": ("jwt", lambda r: _jwt(r, "HS256", 32), JWT_HEADERS["HS256"], "id_token"),
    "jwt-rs256": ("jwt", lambda r: _jwt(r, "RS256", 256), JWT_HEADERS["RS256"], "access_token"),
}


# Where a value goes: placement -> (file name, text around `{name}` and `{value}`). The named ones
# give it to a secret-sounding key; the bare ones put it in a comment, a header or prose alone.


def _lines(r: Rand, head: str, size: int, width: int = 64) -> list[str]:
    body = head + base64.b64encode(r.raw(size)).decode()[len(head) :]
    return [body[i : i + width] for i in range(0, len(body), width)]


def key_body(r: Rand, kind: str) -> list[str]:
    """The lines between a private key's BEGIN and END, shaped like the real thing."""
    if kind == "rsa":
        return _lines(r, "MIIEowIBAAKCAQEA", 1190)
    if kind == "pkcs8":
        return _lines(r, "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQ", 1217)
    if kind == "ec":
        return _lines(r, "MHcCAQEEI", 121)
    if kind == "openssh":
        return _lines(
            r, "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW", 390, 70
        )
    checksum = "=" + base64.b64encode(r.raw(3)).decode()
    return ["Comment: release signing", "", *_lines(r, "lQOYBGZ", 900), checksum]


PEM_LABELS = {
    "rsa": "RSA PRIVATE KEY",
    "pkcs8": "PRIVATE KEY",
    "ec": "EC PRIVATE KEY",
    "openssh": "OPENSSH PRIVATE KEY",
    "pgp": "PGP PRIVATE KEY BLOCK",
}


def pem(label: str, body: str) -> str:
    return f"-----BEGIN {label}-----\n{body}\n-----END {label}-----"
