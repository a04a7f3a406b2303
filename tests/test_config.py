"""Config: discovery, precedence (flag > repo > user > default), and clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from briefpack.brief.config import KEYS, Config, find_config, load_settings, user_config_path
from briefpack.errors import ConfigError
from tests.conftest import write_tree


def test_no_config_gives_defaults(git_repo: Path) -> None:
    settings = load_settings(git_repo)
    assert settings.config == Config()
    assert settings.path is None


def test_flag_over_repo_over_user_over_default(git_repo: Path) -> None:
    user = user_config_path()
    user.parent.mkdir(parents=True)
    user.write_text('goal = "user goal"\nformat = "user format"\nstyle = "xml"\n')
    write_tree(git_repo, {".briefpack.toml": 'goal = "repo goal"\nformat = "repo format"\n'})
    config = load_settings(git_repo, {"goal": "flag goal", "format": None}).config
    assert (config.goal, config.format, config.style) == ("flag goal", "repo format", "xml")
    assert config.effort == Config().effort


def test_config_found_walking_up_to_git_root_only(git_repo: Path) -> None:
    write_tree(git_repo, {".briefpack.toml": "", "a/b/x.py": ""})
    assert find_config(git_repo / "a" / "b") == git_repo / ".briefpack.toml"
    write_tree(git_repo.parent, {".briefpack.toml": 'goal = "outside"\n'})
    (git_repo / ".briefpack.toml").unlink()
    assert find_config(git_repo / "a") is None


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("goal = ", "invalid TOML"),
        ("gola = 'x'", "unknown key 'gola'"),
        ("warnings = 'one'", "key 'warnings' must be a list of strings"),
        ("style = 'html'", "key 'style' must be one of 'markdown', 'xml'"),
        ("max_file_size = true", "key 'max_file_size' must be an integer"),
        ("budget = 'big'", "key 'budget' must be an integer"),
        ("[presets]\nx = 5", "preset 'x' must be a string (text), not 5"),
        ("[models.x]\ncolour = 'red'", "[models.\"x\"] has unknown key 'colour'"),  # x unused
        ("models = { x = 5 }", '[models."x"] must be a table, not 5'),
    ],
)
def test_bad_config_is_one_line_error_naming_file_and_key(
    git_repo: Path, text: str, message: str
) -> None:
    write_tree(git_repo, {".briefpack.toml": text + "\n"})
    with pytest.raises(ConfigError) as caught:
        load_settings(git_repo)
    assert message in caught.value.message
    assert str(git_repo / ".briefpack.toml") in caught.value.message
    assert "\n" not in caught.value.message


def test_every_key_is_documented_in_readme() -> None:
    readme = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
    missing = [key for key in KEYS if f"`{key}`" not in readme]
    assert missing == []
