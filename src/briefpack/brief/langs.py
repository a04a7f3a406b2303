"""The fence info string (the language) of a file, from its name."""

from __future__ import annotations

_LANGS = {
    "py": "python",
    "pyi": "python",
    "js": "javascript",
    "mjs": "javascript",
    "cjs": "javascript",
    "jsx": "jsx",
    "ts": "typescript",
    "tsx": "tsx",
    "go": "go",
    "rs": "rust",
    "rb": "ruby",
    "java": "java",
    "kt": "kotlin",
    "swift": "swift",
    "c": "c",
    "h": "c",
    "cc": "cpp",
    "cpp": "cpp",
    "hpp": "cpp",
    "cs": "csharp",
    "php": "php",
    "sh": "bash",
    "bash": "bash",
    "zsh": "zsh",
    "sql": "sql",
    "prisma": "prisma",
    "md": "markdown",
    "toml": "toml",
    "yaml": "yaml",
    "yml": "yaml",
    "json": "json",
    "html": "html",
    "css": "css",
    "scss": "scss",
    "xml": "xml",
    "graphql": "graphql",
    "proto": "protobuf",
    "tf": "hcl",
    "lua": "lua",
    "r": "r",
    "ex": "elixir",
    "exs": "elixir",
    "erl": "erlang",
    "hs": "haskell",
    "scala": "scala",
    "vue": "vue",
    "txt": "text",
}


def language(path: str) -> str:
    """A fence info string for `path` (empty when unknown)."""
    name = path.rsplit("/", 1)[-1]
    if name in ("Dockerfile", "Makefile"):
        return name.lower()
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    return _LANGS.get(ext, "")
