"""The secret scan's rules: which detect-secrets detectors run, and our own for what it lacks.

Each rule carries literals, one of which a text must contain for its regex to run: a substring
test is ~100x cheaper than most of these regexes.
"""

from __future__ import annotations

import re
from typing import NamedTuple

GENERIC = "secret-assignment"
URL_PASSWORD = "url-password"
PRIVATE_KEY = "private-key"


class Detector(NamedTuple):
    """A regex for one kind of secret, and the literals that gate it."""

    kind: str
    pattern: re.Pattern[str]
    literals: tuple[str, ...]  # the text must contain one of these for the regex to run


# detect-secrets' detectors we run, with their literals. Left out: IBM, SoftLayer, Cloudant,
# Artifactory, Discord and Telegram, whose regexes cost more than all the others together (a
# secret assigned to a name is still caught by ASSIGNMENT); its keyword detector (ASSIGNMENT
# replaces it: it shows the name, and takes quoted values to their closing quote); its basic-auth
# detector (ours takes an empty user too: `redis://:password@host`).
PLUGINS: dict[str, tuple[str, ...]] = {
    "aws": ("AKIA", "ASIA", "ABIA", "ACCA", "A3T", "aws", "AWS", "Aws"),
    "azure_storage_key": ("AccountKey=",),
    "github_token": ("ghp_", "gho_", "ghu_", "ghs_", "ghr_"),
    "gitlab_token": ("gl", "GR1348941"),
    "mailchimp": ("-us",),
    "npm": ("_authToken",),
    "openai": ("T3BlbkFJ",),
    "pypi_token": ("pypi-",),
    "sendgrid": ("SG.",),
    "slack": ("xox", "XOX", "hooks.slack.com"),
    "square_oauth": ("sq0csp-",),
    "stripe": ("sk_live_", "rk_live_"),
    "twilio": ("AC", "SK"),
}
KIND_BY_TYPE = {
    "AWS Access Key": "aws-access-key",
    "Azure Storage Account access key": "azure-storage-key",
    "GitHub Token": "github-token",
    "GitLab Token": "gitlab-token",
    "OpenAI Token": "openai-key",
    "Slack Token": "slack-token",
    "Stripe Access Key": "stripe-key",
}

# What a PEM block holds between its lines: base64, headers, real or escaped newlines.
KEY_BODY = r"(?:\\n|[A-Za-z0-9+/=\s:,.\-])"
# Our own rules, for kinds detect-secrets lacks or finds only in part.
RULES: tuple[Detector, ...] = (
    Detector(
        PRIVATE_KEY,
        re.compile(
            r"-----BEGIN[A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----"
            rf"(?:{KEY_BODY}{{0,20000}}?-----END[A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----"
            rf"|(?:\\n|\s)*[A-Za-z0-9+/=]{{40,}}{KEY_BODY}*)"
        ),
        ("PRIVATE KEY",),
    ),
    Detector(
        PRIVATE_KEY, re.compile(r"PuTTY-User-Key-File-\d[\s\S]*?Private-MAC: \w+"), ("PuTTY",)
    ),
    Detector("anthropic-key", re.compile(r"sk-ant-[a-z0-9]+-[A-Za-z0-9_\-]{20,}"), ("sk-ant-",)),
    Detector(
        "openai-key",
        re.compile(r"sk-(?:proj|svcacct|admin)-[A-Za-z0-9_\-]{20,}"),
        ("sk-proj-", "sk-svcacct-", "sk-admin-"),
    ),
    Detector(
        "jwt", re.compile(r"eyJ[A-Za-z0-9_\-]+\.eyJ[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]*"), ("eyJ",)
    ),
    Detector(
        "aws-secret-key",
        re.compile(r"(?i)aws_?secret_?(?:access_?)?key[\"']?\s*[:=]\s*[\"']?([A-Za-z0-9/+]{40})"),
        ("aws", "AWS", "Aws"),
    ),
    Detector("github-token", re.compile(r"github_pat_[A-Za-z0-9_]{22,}"), ("github_pat_",)),
    Detector("gitlab-token", re.compile(r"glpat-[A-Za-z0-9_\-]{20,}"), ("glpat-",)),
    Detector("gcp-api-key", re.compile(r"AIza[0-9A-Za-z_\-]{35}"), ("AIza",)),
    Detector(
        "gcp-private-key-id",
        re.compile(r'"private_key_id"\s*:\s*"([0-9a-f]{40})"'),
        ("private_key_id",),
    ),
    Detector(
        "azure-client-secret",
        re.compile(r"(?<![A-Za-z0-9_~.])[A-Za-z0-9_~.]{3}\dQ~[A-Za-z0-9_~.\-]{31,34}"),
        ("Q~",),
    ),
    Detector(
        "slack-webhook",
        # team, channel and secret: 40 characters at least (a template's `T{…}` is no webhook)
        re.compile(
            r"https://hooks\.slack\.com/(?:services|workflows|triggers)/[A-Za-z0-9_/+]{40,}"
        ),
        ("hooks.slack.com",),
    ),
    Detector("npm-token", re.compile(r"npm_[A-Za-z0-9]{36}(?![A-Za-z0-9])"), ("npm_",)),
    Detector(
        "dockerhub-token",
        re.compile(r"(?<![\w-])dckr_pat_[\w-]{27}(?![\w-])"),
        ("dckr_pat_",),
    ),
    Detector("huggingface-token", re.compile(r"(?<![\w-])hf_[A-Za-z]{34}(?![\w-])"), ("hf_",)),
    # The password in `scheme://user:password@host`; the user may be empty (redis://:pw@host).
    Detector(URL_PASSWORD, re.compile(r"://[^\s:/@'\"`]*:([^\s:/@'\"`]+)@"), ("://",)),
)

# `NAME = value` (.env, YAML, TOML, INI, shell, code, or inline in prose), a name starting a line
# or following a space, quote, bracket, separator or sigil (`$password`, `@token`), maybe quoted
# or indexed (`"password":`, `['password'] =`, `password[] =`) or typed (`apiKey: string =`); a
# comparison only with a quoted value (`token == other` compares variables). A quoted value runs
# to its closing quote, also an escaped one (a notebook's JSON-escaped source: `\"`); a bare one
# to a space, quote or separator. A lookahead, so that matches may overlap (in
# "login: `DB_PASSWORD=...`" both "login" and "DB_PASSWORD" are tried as names).
ASSIGNMENT = re.compile(
    r"""(?=(?:^|(?<=[\s`'"(\[{,;$@]))(?:export[ \t]+)?(?P<name>[A-Za-z_][\w.\-]*)"""
    r"""(?:\\?["'])?\]?(?:\[\d*\])?(?:[ \t]*:[ \t]*[A-Za-z_][\w.<>|\[\]]*)?"""
    r"""[ \t]*(?:[=!]==?(?=[ \t]*\\?["'`])|:=|=>|=|:)[ \t]*(?:@|[bBrRuU]{1,2}(?=["']))?"""
    r"""(?:(?P<quote>\\?["'`])(?P<quoted>[^\n]{1,500}?)(?P=quote)|(?P<bare>[^\s"'`,;]{6,})))"""
)
# Every secret word a name can end with holds one of these: lines without any are not tried.
NAME_ROOTS = ("key", "pass", "pwd", "secret", "token", "credential", "auth")
