"""Where a planted value goes: a secret-named key in each file type, or bare (a comment, a
header, prose, a line alone)."""

from __future__ import annotations

import json

# Where a value goes: placement -> (file name, text around `{name}` and `{value}`). The named ones
# give it to a secret-sounding key; the bare ones put it in a comment, a header or prose alone.
NAMED: dict[str, tuple[str, str]] = {
    "env": (".env", "# loaded by docker compose\nAPP_ENV=production\n{NAME}={value}\nLOG=info\n"),
    "py-string": (
        "settings.py",
        "from pathlib import Path\n\nBASE_DIR = Path(__file__).resolve().parent\nDEBUG = False\n"
        '{NAME} = "{value}"\nALLOWED_HOSTS = ["app.example.com"]\n',
    ),
    "yaml": (
        "config.yml",
        "service:\n  name: billing\n  region: eu-west-1\n  {name}: {value}\n  retries: 3\n",
    ),
    "json": ("config.json", "{json}"),
    "toml": (
        "config.toml",
        '[service]\nname = "billing"\n{name} = "{value}"\ntimeout = 30\n',
    ),
    "js-string": (
        "client.js",
        'import {{ Client }} from "./client.js";\n\nconst {camel} = "{value}";\n'
        "export const client = new Client({{ auth: {camel}, retries: 3 }});\n",
    ),
    "ipynb": ("explore.ipynb", "{notebook}"),
}
BARE: dict[str, tuple[str, str]] = {
    "py-comment": (
        "sync.py",
        "def sync(session):\n    # the nightly run uses {value} until the vault is wired up\n"
        '    return session.get("/status")\n',
    ),
    "ts-comment": (
        "api.ts",
        "export async function ping(): Promise<Response> {{\n  // staging: {value}\n"
        '  return fetch("/api/ping");\n}}\n',
    ),
    "md-line-start": (
        "NOTES.md",
        "# Handover\n\nRotate this one after the demo:\n\n{value}\n\nAsk ops for the rest.\n",
    ),
    "sh-string": (
        "deploy.sh",
        "#!/bin/sh\nset -eu\n"
        'curl -fsS -H "Authorization: Bearer {value}" https://api.example.com/v1/deploy\n',
    ),
    "txt-line-end": (
        "handover.txt",
        "Deploy checklist\n1. run the migrations\n2. smoke-test with {value}\n",
    ),
}


def _camel(name: str) -> str:
    first, *rest = name.split("_")
    return first + "".join(word.title() for word in rest)


def _notebook(line: str) -> str:
    cells = [
        {"cell_type": "markdown", "metadata": {}, "source": ["# Explore the API\n"]},
        {
            "cell_type": "code",
            "execution_count": 1,
            "metadata": {},
            "outputs": [],
            "source": ["import os\n", line + "\n", "client = connect()\n"],
        },
    ]
    meta = {"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"}}
    return (
        json.dumps({"cells": cells, "metadata": meta, "nbformat": 4, "nbformat_minor": 5}, indent=1)
        + "\n"
    )


def place(placement: str, name: str, value: str) -> tuple[str, str]:
    """The file name and text of `value` given to `name` (or set bare) at `placement`."""
    file, template = {**NAMED, **BARE}[placement]
    fields = {
        "name": name,
        "NAME": name.upper(),
        "camel": _camel(name),
        "value": value,
        "json": json.dumps({"service": "billing", name: value, "timeout": 30}, indent=2) + "\n",
        "notebook": _notebook(f"{name} = {json.dumps(value)}"),
    }
    return file, template.format(**fields)
