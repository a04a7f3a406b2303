"""The planted set: every credential kind placed in its files, and the manifest saying where."""

from __future__ import annotations

import json
from dataclasses import dataclass

from tests.secretset.placements import BARE, NAMED, place
from tests.secretset.values import (
    ALNUM,
    B32,
    B64,
    DIGITS,
    HEX,
    PEM_LABELS,
    TOKENS,
    Rand,
    key_body,
    pem,
)

SEED = 17
WINDOW = 12  # any 12 characters of a secret left in the text count as a leak


@dataclass(frozen=True)
class Plant:
    """One planted credential: where it is, what it is, and the exact string to hide."""

    case: str  # unique id: kind@placement
    provider: str
    kind: str
    path: str
    line: int
    secret: str
    public: int = 0  # how many leading characters of `secret` are a public prefix (ghp_, AKIA)

    def leaks(self, redacted: str) -> list[str]:
        """The pieces of the secret still in `redacted` (whole, or any WINDOW characters of it
        that are not all public prefix)."""
        if self.secret in redacted:
            return [self.secret]
        starts = range(max(0, self.public - WINDOW + 1), len(self.secret) - WINDOW + 1)
        return [
            self.secret[i : i + WINDOW] for i in starts if self.secret[i : i + WINDOW] in redacted
        ]


Item = tuple[str, str, str, int]  # case (kind@placement), provider, secret, public prefix


@dataclass
class _Set:
    """The planted files as they are built: path -> text, and the manifest."""

    files: dict[str, str]
    plants: list[Plant]

    def add(self, path: str, text: str, *items: Item) -> None:
        """One file and the credentials it holds."""
        assert path not in self.files, path
        self.files[path] = text
        for case, provider, secret, public in items:
            at = text.find(secret)
            assert at >= 0 and text.count(secret) == 1, (case, path)
            line = text.count("\n", 0, at) + 1
            kind = case.split("@")[0]
            self.plants.append(Plant(case, provider, kind, path, line, secret, public))


def planted(seed: int = SEED) -> tuple[dict[str, str], list[Plant]]:
    """The planted files (path -> text) and their manifest, the same for the same seed."""
    r = Rand(seed)
    s = _Set({}, [])
    _tokens(r, s)
    _aws_pairs(r, s)
    _cloud_files(r, s)
    _private_keys(r, s)
    _database_urls(r, s)
    _generic(r, s)
    _reviewed(r, s)
    return s.files, s.plants


def _tokens(r: Rand, s: _Set) -> None:
    """Every provider token in one named and two bare placements, rotating through them all."""
    named, bare = list(NAMED), list(BARE)
    for i, (kind, (provider, make, prefix, name)) in enumerate(TOKENS.items()):
        for placement in (named[i % len(named)], bare[i % len(bare)], bare[(i + 2) % len(bare)]):
            value = make(r)
            file, text = place(placement, name, value)
            public = len(prefix)
            s.add(f"{kind}/{file}", text, (f"{kind}@{placement}", provider, value, public))


def _aws_pairs(r: Rand, s: _Set) -> None:
    """Access key ID and secret access key together, as the AWS tools write them."""
    shapes = {
        "credentials": "[default]\naws_access_key_id = {k}\naws_secret_access_key = {s}\n"
        "region = eu-west-1\n",
        ".env": "AWS_ACCESS_KEY_ID={k}\nAWS_SECRET_ACCESS_KEY={s}\nAWS_REGION=eu-west-1\n",
        "upload.py": 'import boto3\n\ns3 = boto3.client(\n    "s3",\n    aws_access_key_id="{k}",\n'
        '    aws_secret_access_key="{s}",\n)\n',
        "workflow.yml": "jobs:\n  deploy:\n    env:\n      AWS_ACCESS_KEY_ID: {k}\n"
        "      AWS_SECRET_ACCESS_KEY: {s}\n",
    }
    for file, template in shapes.items():
        key, secret = "AKIA" + r.chars(16, B32), r.chars(40, B64)
        where = file.lstrip(".").split(".")[-1]
        s.add(
            f"aws-pair/{file}",
            template.format(k=key, s=secret),
            (f"aws-access-key@pair-{where}", "aws", key, 4),
            (f"aws-secret-key@pair-{where}", "aws", secret, 0),
        )


def _service_account(r: Rand) -> tuple[dict[str, str], str]:
    """A GCP service-account key file's fields, and its private key's body as JSON writes it."""
    body = "\n".join(key_body(r, "pkcs8"))
    project = "billing-prod-4821"
    account = {
        "type": "service_account",
        "project_id": project,
        "private_key_id": r.chars(40, HEX),
        "private_key": pem("PRIVATE KEY", body) + "\n",
        "client_email": f"deploy@{project}.iam.gserviceaccount.com",
        "client_id": r.chars(21, DIGITS),
        "auth_uri": "https://accounts.google.com/o/oauth2/auth",
        "token_uri": "https://oauth2.googleapis.com/token",
    }
    return account, json.dumps(body)[1:-1]


def _cloud_files(r: Rand, s: _Set) -> None:
    """GCP service-account keys and Azure storage connection strings, each in three files."""
    account, body = _service_account(r)
    s.add(
        "gcp/service-account.json",
        json.dumps(account, indent=2) + "\n",
        ("gcp-service-account@json-file", "gcp", body, 0),
    )
    account, body = _service_account(r)
    text = f"import json\n\nCREDENTIALS = json.loads('''{json.dumps(account)}''')\n"
    s.add(
        "gcp/credentials.py",
        text,
        ("gcp-service-account@py-string", "gcp", body, 0),
    )
    account, body = _service_account(r)
    text = f"GOOGLE_CREDENTIALS_JSON='{json.dumps(account)}'\nGOOGLE_CLOUD_PROJECT=billing\n"
    s.add("gcp/.env", text, ("gcp-service-account@env", "gcp", body, 0))

    def connection(key: str) -> str:
        return (
            "DefaultEndpointsProtocol=https;AccountName=billingstore;"
            f"AccountKey={key};EndpointSuffix=core.windows.net"
        )

    settings = {"ConnectionStrings": {"Storage": "<conn>"}, "Logging": {"Level": "Warning"}}
    shapes = {  # <conn> stands for the connection string
        ".env": 'AZURE_STORAGE_CONNECTION_STRING="<conn>"\nAZURE_CONTAINER=invoices\n',
        "appsettings.json": json.dumps(settings, indent=2) + "\n",
        "storage.py": "from azure.storage.blob import BlobServiceClient\n\n"
        'blobs = BlobServiceClient.from_connection_string("<conn>")\n',
    }
    for file, template in shapes.items():
        key = r.b64(64)
        where = file.lstrip(".").split(".")[-1]
        s.add(
            f"azure/{file}",
            template.replace("<conn>", connection(key)),
            (f"azure-storage-key@{where}", "azure", key, 0),
        )


KEY_FILES = {
    "rsa": "deploy/id_rsa",
    "pkcs8": "certs/tls.key",
    "ec": "certs/ec.key",
    "openssh": ".ssh/id_ed25519",
    "pgp": "signing/release.asc",
}
# A key inside another file: kind, placement, file, the text around it, the newline it is written
# with there (escaped in a string, indented in a YAML block).
KEYS_INSIDE = (
    ("rsa", "py-string", "fixtures.py", 'TEST_KEY = """\n{}\n"""\n', "\n"),
    (
        "pkcs8",
        "yaml-block",
        "secret.yaml",
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: tls\nstringData:\n  tls.key: |\n    {}\n",
        "\n    ",
    ),
    ("openssh", "env-escaped", ".env", 'DEPLOY_KEY="{}\\n"\nDEPLOY_HOST=10.0.4.2\n', "\\n"),
    (
        "ec",
        "md-fence",
        "SETUP.md",
        "# Setup\n\nPut this in `certs/ec.key`:\n\n```\n{}\n```\n",
        "\n",
    ),
    ("pgp", "js-template", "sign.js", "export const signingKey = `{}`;\n", "\n"),
)


def _private_keys(r: Rand, s: _Set) -> None:
    """Each kind of private key alone in its usual file, and once inside another file."""

    def block(kind: str) -> tuple[str, str]:
        """The whole block, and its secret part (the base64 lines, not PGP's armor headers)."""
        lines = key_body(r, kind)
        body = lines[2:] if kind == "pgp" else lines
        return pem(PEM_LABELS[kind], "\n".join(lines)), "\n".join(body)

    for kind, path in KEY_FILES.items():
        text, secret = block(kind)
        s.add(f"keys/{path}", text + "\n", (f"{kind}-private-key@file", "private-key", secret, 0))
    for kind, placement, file, template, newline in KEYS_INSIDE:
        text, secret = block(kind)
        s.add(
            f"keys/{file}",
            template.format(text.replace("\n", newline)),
            (f"{kind}-private-key@{placement}", "private-key", secret.replace("\n", newline), 0),
        )


def _database_urls(r: Rand, s: _Set) -> None:
    """Connection URLs with a password, in the files that usually hold them."""
    shapes = {
        ".env": "DATABASE_URL=postgres://app:{pw}@db.internal:5432/app\nDEBUG=0\n",
        "settings.py": 'import dj_database_url\n\nDATABASES = {{\n    "default": dj_database_url'
        '.config(default="postgresql://django:{pw}@localhost:5432/site"),\n}}\n',
        "docker-compose.yml": "services:\n  web:\n    environment:\n"
        "      DATABASE_URL: mysql://root:{pw}@mysql:3306/shop\n",
        "db.js": 'await mongoose.connect("mongodb+srv://admin:{pw}@cluster0.ab1cd.mongodb.net/prod");\n',
        "cache.toml": '[cache]\nurl = "redis://:{pw}@cache.internal:6379/0"\n',
        "README.md": "# Reports\n\nConnect with `psql postgresql://report:{pw}@10.0.3.7/warehouse` "
        "from the bastion.\n",
    }
    for file, template in shapes.items():
        pw = r.chars(20, ALNUM + "-_~")
        where = file.lstrip(".").split(".")[-1]
        s.add(
            f"database/{file}",
            template.format(pw=pw),
            (f"database-url@{where}", "database", pw, 0),
        )


DJANGO_KEY_CHARS = "abcdefghijklmnopqrstuvwxyz0123456789!@#$%^&*(-_=+)"  # startproject's alphabet
PASSWORD_CHARS = ALNUM + "!@%^*-_=+."


def _generic(r: Rand, s: _Set) -> None:
    """High-entropy values with no provider prefix, given to secret-named keys in every named
    placement: secrets and passwords."""
    secrets: list[tuple[str, str, str]] = [
        ("env", "api_secret", r.chars(40)),
        ("py-string", "secret_key", r.chars(50, DJANGO_KEY_CHARS)),
        ("yaml", "client_secret", r.b64url(30)),
        ("json", "api_secret", r.chars(64, HEX)),
        ("toml", "signing_key", r.b64(32)),
        ("js-string", "auth_token", r.chars(32)),
        ("ipynb", "webhook_secret", r.chars(32)),
    ]
    passwords = [
        "db_password",
        "password",
        "email_host_password",
        "password",
        "db_password",
        "admin_password",
        "password",
    ]
    for (placement, name, value), password in zip(secrets, passwords, strict=True):
        file, text = place(placement, name, value)
        s.add(
            f"generic-secret/{file}",
            text,
            (f"generic-secret@{placement}", "generic", value, 0),
        )
        value = r.chars(20, PASSWORD_CHARS)
        file, text = place(placement, password, value)
        s.add(
            f"generic-password/{file}",
            text,
            (f"generic-password@{placement}", "generic", value, 0),
        )


def _reviewed(r: Rand, s: _Set) -> None:
    """Shapes a review of the detector found missed: a word after the secret word in the name,
    a session token, Azure's primary key, a short URL password, letters only in mixed case, a
    bare value holding a bracket."""
    letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
    env = {
        "rails-secret-key-base": ("SECRET_KEY_BASE", r.chars(128, HEX)),
        "password-with-suffix": ("DB_PASSWORD_PROD", r.chars(16)),
        "aws-session-token": ("AWS_SESSION_TOKEN", "IQoJb3JpZ2luX2Vj" + r.chars(300, B64)),
        "letters-only-key": ("API_KEY", r.chars(20, letters)),
        "bare-bracket-password": ("DB_PASSWORD", r.chars(3) + "(" + r.chars(13)),
    }
    for kind, (name, value) in env.items():
        s.add(
            f"{kind}/.env",
            f"# production\n{name}={value}\nDEBUG=false\n",
            (f"{kind}@env", "generic", value, 0),
        )
    short = r.chars(4, letters) + r.chars(2, DIGITS) + r.chars(4)
    url = f"MONGO_URL=mongodb+srv://admin:{short}@cluster0.b7xq2.mongodb.net/shop\n"
    s.add("short-url-password/.env", url, ("short-url-password@env", "generic", short, 0))
    primary = r.b64(66)
    azure = json.dumps({"name": "shop-bus", "primaryKey": primary, "keyName": "Root"}, indent=2)
    s.add(
        "azure-primary-key/keys.json", azure + "\n", ("azure-primary-key@json", "azure", primary, 0)
    )
