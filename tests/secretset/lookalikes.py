"""The look-alike set (issue 17): text that looks like a credential and is not one.

Placeholders, environment reads, template paths, password hashes, low-entropy test passwords,
documented examples. Most are taken from what the scan flagged in wagtail, Django and Sphinx;
none may be redacted. Nothing here is a credential: the few provider-shaped strings are the
providers' own published examples (AWS's `EXAMPLE` keys, Azurite's well-known development key).
"""

from __future__ import annotations

from typing import NamedTuple


class Lookalike(NamedTuple):
    """A file whose text must yield no finding, and why it is not a secret."""

    case: str
    path: str
    text: str


LOOKALIKES: tuple[Lookalike, ...] = (
    # Placeholders
    Lookalike("placeholder-x", ".env.example", "AWS_SECRET_ACCESS_KEY=XXXXXXXXXXXXXXXXXXXXXXXX\n"),
    Lookalike("placeholder-your-key", "client.py", 'api_key = "your-api-key"\n'),
    Lookalike("placeholder-changeme", ".env.sample", "POSTGRES_PASSWORD=changeme\n"),
    Lookalike("placeholder-angle", "config.yml", "auth:\n  token: <token>\n"),
    Lookalike(
        "placeholder-angle-url",
        "README.md",
        "Clone `https://user:<password>@git.example.com/app.git`.\n",
    ),
    Lookalike("placeholder-dollar-brace", ".env.example", "DATABASE_PASSWORD=${DB_PASSWORD}\n"),
    Lookalike(
        "placeholder-dollar-brace-url",
        "docker-compose.yml",
        "services:\n  web:\n    environment:\n"
        "      DATABASE_URL: postgres://${DB_USER}:${DB_PASSWORD}@db:5432/app\n",
    ),
    Lookalike("placeholder-yaml-var", "deploy.yml", 'api_key: "${API_KEY}"\n'),
    Lookalike("placeholder-jinja", "vars.yml", 'vault_token: "{{ vault_token }}"\n'),
    Lookalike(
        "placeholder-gha-secret",
        ".github/workflows/release.yml",
        "env:\n  GITHUB_TOKEN: ${{ secrets.GITHUB_TOKEN }}\n  PYPI_TOKEN: ${{ secrets.PYPI_TOKEN }}\n",
    ),
    Lookalike("placeholder-percent", "app.ini", "[db]\npassword = %(db_password)s\n"),
    Lookalike("placeholder-stars", "tutorial.txt", "Username: admin\nPassword: **********\n"),
    Lookalike(
        "placeholder-slack-webhook",
        "signals.md",
        'SLACK_WEBHOOK = "https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX"\n',
    ),
    Lookalike(
        "placeholder-github-x",
        "CONTRIBUTING.md",
        "export GITHUB_TOKEN=ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n",
    ),
    Lookalike("placeholder-openai-ellipsis", ".env.example", "OPENAI_API_KEY=sk-...\n"),
    Lookalike(
        "placeholder-url-password",
        "search.md",
        "'URLS': ['https://username:password@localhost:9200'],\n",
    ),
    # Reads from the environment or from other code
    Lookalike("env-read-python", "settings.py", 'SECRET_KEY = os.environ["SECRET_KEY"]\n'),
    Lookalike("env-read-getenv", "client.py", 'api_key = os.getenv("OPENAI_API_KEY")\n'),
    Lookalike("env-read-node", "client.js", "const token = process.env.GITHUB_TOKEN;\n"),
    Lookalike("code-attribute", "auth.py", "password = self.cleaned_data.get('password1')\n"),
    Lookalike("code-settings", "views.py", "token = settings.SLACK_TOKEN\n"),
    Lookalike("code-concat", "http.py", 'headers = {"Authorization": "Bearer " + access_token}\n'),
    Lookalike(
        "code-form-field", "forms.py", "password = forms.CharField(widget=forms.PasswordInput)\n"
    ),
    # Paths and template names
    Lookalike(
        "template-setting",
        "settings.py",
        'WAGTAIL_PASSWORD_REQUIRED_TEMPLATE = "myapp/password_required.html"\n',
    ),
    Lookalike(
        "template-attribute",
        "models.py",
        'password_required_template = "tests/event_page_password_required.html"\n',
    ),
    Lookalike(
        "template-admin",
        "admin.py",
        'password_change_template = "custom_admin/password_change_form.html"\n',
    ),
    Lookalike("key-file-path", "config.toml", 'ssl_key_file = "certs/server.key"\n'),
    Lookalike("secret-path", "settings.py", 'SECRET_KEY_FILE = "/run/secrets/django_secret_key"\n'),
    Lookalike("token-url", "oauth.py", 'TOKEN_URL = "https://oauth2.googleapis.com/token"\n'),
    Lookalike(
        "dotted-setting",
        "settings.py",
        'PASSWORD_HASHERS = ["django.contrib.auth.hashers.Argon2PasswordHasher"]\n',
    ),
    # Password hashes, which are safe to publish by design
    Lookalike(
        "hash-pbkdf2",
        "fixtures/users.json",
        '[{"model": "auth.user", "pk": 1, "fields": {"username": "admin", '
        '"password": "pbkdf2_sha256$10000$LUyhxJjuLwXF$f6Zbpnx1L5dPze8m0itBaHMDyZ/n6JyhuavQy2RrBIM="}}]\n',
    ),
    Lookalike(
        "hash-md5-salt",
        "fixtures/test.json",
        '{"password": "md5$seasalt$1e9bf2bf5606aa5c39852cc30f0f6f22"}\n',
    ),
    Lookalike(
        "hash-bcrypt",
        "users.yml",
        "admin:\n  password: $2b$12$KIXQJ1r2a9mG0m5Y8yD1QeYqZ6l0Vb3bJd6FvA0rJ3y7kqjHhC1Wu\n",
    ),
    Lookalike(
        "hash-argon2",
        "seed.py",
        'PASSWORD = "argon2$argon2id$v=19$m=102400,t=2,p=8$c29tZXNhbHQ$Q2hhbmdlTWVQbGVhc2U"\n',
    ),
    Lookalike(
        "hash-prefix-query",
        "releases.txt",
        'User.objects.filter(password__startswith="bcrypt$$")\n',
    ),
    # Low-entropy words and test passwords
    Lookalike(
        "word-password",
        "test_login.py",
        'self.client.login(username="admin", password="password")\n',
    ),
    Lookalike(
        "word-secret-in-test",
        "test_privacy.py",
        'response = self.client.post(url, {"password": "secret"})\n',
    ),
    Lookalike(
        "word-test123", "test_forms.py", 'data = {"password1": "test123", "password2": "test123"}\n'
    ),
    Lookalike(
        "word-swordfish",
        "test_views.py",
        'PageViewRestriction.objects.create(page=page, password="swordfish")\n',
    ),
    Lookalike("word-short", "test_api.py", 'page.view_restrictions.create(password="test")\n'),
    Lookalike(
        "word-leet", "tox.ini", "[testenv]\nsetenv =\n    mssql: DATABASE_PASSWORD=Password12!\n"
    ),
    Lookalike("word-leet-doc", "models.md", 'restriction.password = "P@ssw0rd123!"\n'),
    Lookalike(
        "word-secret-text",
        "test_update.py",
        'obj = Snippet(text="Hello", secret_text="original")\n',
    ),
    Lookalike("word-url-password", "test_urlfield.py", '("http://user:pass@example.com", "ok"),\n'),
    Lookalike(
        "digits-url-password",
        "test_intersphinx.py",
        "url = 'https://user:12345@domain.com/project/objects.inv'\n",
    ),
    # Documented examples
    Lookalike("doc-change-me", "add_to_django_project.md", 'SECRET_KEY = "change-me"\n'),
    Lookalike(
        "doc-change-me-in-production", "settings.md", 'SECRET_KEY = "change-me-in-production"\n'
    ),
    Lookalike(
        "doc-insecure-prefix", "checks.py", 'SECRET_KEY_INSECURE_PREFIX = "django-insecure-"\n'
    ),
    Lookalike(
        "doc-aws-example",
        "aws.md",
        "aws_access_key_id = AKIAIOSFODNN7EXAMPLE\n"
        "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n",
    ),
    Lookalike(
        "doc-azurite-key",
        "local.settings.json",
        '{"AzureWebJobsStorage": "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;'
        # the well-known key whole on one line: cut, this file would hold what looks like a key
        "AccountKey="
        "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;"
        'BlobEndpoint=http://127.0.0.1:10000/devstoreaccount1;"}\n',
    ),
    # Not secrets at all: public keys, identifiers, key names in code
    Lookalike(
        "public-key-ssh",
        "authorized_keys",
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHsnE4Rk7q8Qm0yC2d9mQ3gYt1ZkqVx6yE1b2c3d4e5f deploy@ci\n",
    ),
    Lookalike(
        "pem-marker-in-code",
        "pem.py",
        'if line.startswith("-----BEGIN RSA PRIVATE KEY-----"):\n    kind = "rsa"\n',
    ),
    Lookalike(
        "csrf-token-template",
        "form.html",
        '<input type="hidden" name="csrfmiddlewaretoken" value="{{ csrf_token }}">\n',
    ),
    Lookalike("token-type", "oauth.py", 'token_type = "bearer"\n'),
    Lookalike("key-name", "cache.py", 'cache_key = "wagtail-page-tree"\n'),
)
