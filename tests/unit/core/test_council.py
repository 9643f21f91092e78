"""The council's default framework: a setting (data/settings.yaml, or SROI_FRAMEWORK), and `none` for no framework."""

from __future__ import annotations

import pytest

from sroi_lib.core import council
from sroi_lib.core.frameworks import (DEFAULT_FRAMEWORK, NO_GROUPS, choose_framework, default_framework,
                                      load_framework)
from sroi_lib.core.settings import check_settings
from sroi_lib.errors import InputError
from sroi_lib.paths import read_yaml
from tests.conftest import ROOT


@pytest.fixture
def settings_file(tmp_path, monkeypatch):
    """A settings file of the test's own, in place of the shipped one; SROI_FRAMEWORK unset."""
    monkeypatch.delenv(council.FRAMEWORK_VARIABLE, raising=False)
    path = tmp_path / "settings.yaml"
    monkeypatch.setattr(council, "settings_file", lambda: path)
    return path


def test_the_shipped_settings_file_names_leeds_best_city_ambition(monkeypatch):
    monkeypatch.delenv(council.FRAMEWORK_VARIABLE, raising=False)
    assert council.settings_file() == ROOT / "data" / "settings.yaml"
    assert read_yaml(council.settings_file(), "settings file") == {"framework": "best_city_ambition", "local_authority": "Leeds"}
    setting = council.default_framework_setting()
    assert setting.value == "best_city_ambition" and setting.line == 12
    assert default_framework().name == "best_city_ambition"
    assert load_framework(DEFAULT_FRAMEWORK).name == "best_city_ambition"


def test_the_settings_file_chooses_the_default(settings_file):
    settings_file.write_text("# ours\nframework: national_toms\n")
    assert default_framework().name == "national_toms"
    settings, problems = check_settings()
    assert problems == [] and settings.framework.name == "national_toms"
    # A framework named in the parameters or on the command line wins over the default.
    assert check_settings(framework="best_city_ambition")[0].framework.name == "best_city_ambition"


def test_a_framework_file_in_the_settings_is_read_beside_it(settings_file):
    (settings_file.parent / "ours.yaml").write_text("name: ours\ngroups:\n  Fairer city: [poverty and money]\n")
    settings_file.write_text("framework: ours.yaml\n")
    chosen = default_framework()
    assert chosen.name == "ours" and chosen.group_of("poverty and money") == "Fairer city"


def test_the_environment_variable_overrides_the_file(settings_file, monkeypatch):
    settings_file.write_text("framework: national_toms\n")
    monkeypatch.setenv(council.FRAMEWORK_VARIABLE, "best_city_ambition")
    assert default_framework().name == "best_city_ambition"
    monkeypatch.setenv(council.FRAMEWORK_VARIABLE, "none")
    assert default_framework() is None
    monkeypatch.setenv(council.FRAMEWORK_VARIABLE, "  ")  # blank: not set
    assert default_framework().name == "national_toms"


@pytest.mark.parametrize("text", ["framework: none\n", "framework: NONE\n", "# nothing set\n", None])
def test_a_default_of_none_groups_by_no_framework(settings_file, text):
    if text is not None:  # None: no settings file at all
        settings_file.write_text(text)
    settings, problems = check_settings()
    assert problems == [] and settings.framework is None
    assert load_framework(DEFAULT_FRAMEWORK) is NO_GROUPS  # for what only sorts themes


def test_none_is_no_framework_whatever_the_default(monkeypatch):
    monkeypatch.delenv(council.FRAMEWORK_VARIABLE, raising=False)
    assert choose_framework("none") is None and choose_framework(" None ") is None
    assert check_settings(framework="none")[0].framework is None
    assert load_framework("none") is NO_GROUPS and NO_GROUPS.group_of("wellbeing") == "not mapped"
    with pytest.raises(InputError, match="no framework is chosen, so there is no group 'Zero carbon'"):
        NO_GROUPS.themes_of("Zero carbon")


def test_a_wrong_settings_file_is_refused_naming_file_line_and_key(settings_file):
    settings_file.write_text("# ours\nframwork: national_toms\n")
    settings, problems = check_settings()
    assert settings is None and str(problems[0]).startswith("settings.yaml, line 2, key 'framwork': 'framwork' is not a setting sroi "
                                     "knows. Did you mean 'framework'? Known settings: framework, local_authority.")
    settings_file.write_text("colour: blue\n")
    with pytest.raises(InputError, match="Known settings: framework"):
        default_framework()
    settings_file.write_text("framework: [best_city_ambition]\n")
    with pytest.raises(InputError, match="line 1, key 'framework': the framework is a list, not a framework's"):
        default_framework()
    settings_file.write_text("- framework\n")
    with pytest.raises(InputError, match="holds a list instead of 'key: value' lines"):
        default_framework()


def test_an_unusable_default_is_placed_where_it_is_set(settings_file, monkeypatch):
    settings_file.write_text("\n\nframework: best_city\n")
    _, problems = check_settings(where=lambda key: {"file": "p.yaml", "column": key})
    assert [str(p) for p in problems] == [
        "settings.yaml, line 3, key 'framework': There is no framework called 'best_city'. Did you mean "
        "'best_city_ambition'? Use one of the "
        "shipped frameworks (best_city_ambition, national_toms), none (no framework), default (the council's "
        "default), or give the path of a framework's YAML file."]
    settings_file.write_text("framework: default\n")
    with pytest.raises(InputError, match="'default' cannot be the default framework itself"):
        default_framework()
    monkeypatch.setenv(council.FRAMEWORK_VARIABLE, "toms")
    _, problems = check_settings()
    assert str(problems[0]).startswith("the environment variable SROI_FRAMEWORK: There is no framework called 'toms'")
    monkeypatch.setenv(council.FRAMEWORK_VARIABLE, "missing.yaml")
    with pytest.raises(InputError, match="the framework file .*missing.yaml' was not found"):
        default_framework()


def test_the_local_authority_setting(tmp_path, monkeypatch):
    """The council's district, where ward names are looked for first; one that is not text is refused."""
    assert council.local_authority_setting() == "Leeds"
    monkeypatch.setenv("SROI_DATA_DIR", str(tmp_path))
    assert council.local_authority_setting() is None  # no settings file
    (tmp_path / "settings.yaml").write_text("framework: none\nlocal_authority: [Leeds]\n", encoding="utf-8")
    with pytest.raises(InputError) as exc:
        council.local_authority_setting()
    assert "line 2, key 'local_authority'" in str(exc.value) and "not a district" in str(exc.value)
