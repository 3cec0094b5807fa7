"""The committed notebooks: clean, thin, and in step with their chapter's config and claims (no chapter is run)."""

import ast
import importlib
import json
import re

import pytest

from thermo_utils.harness.registry import CHAPTERS

WRITTEN = [c for c in CHAPTERS if c.written]


def cells(chapter, kind="code"):
    return [c for c in json.loads(chapter.notebook.read_text())["cells"] if c["cell_type"] == kind]


def source(cell) -> str:
    return "".join(cell["source"])


@pytest.mark.parametrize("chapter", WRITTEN, ids=lambda c: c.slug)
def test_committed_without_outputs(chapter):
    for cell in cells(chapter):
        assert not cell.get("outputs") and cell.get("execution_count") is None, chapter.slug


@pytest.mark.parametrize("chapter", WRITTEN, ids=lambda c: c.slug)
def test_parameters_cell_lists_every_config_field_with_its_doc(chapter):
    tagged = [c for c in cells(chapter) if "parameters" in c["metadata"].get("tags", [])]
    assert len(tagged) == 1, f"{chapter.slug}: exactly one cell tagged 'parameters'"
    spec = importlib.import_module(f"thermo_utils.chapters.{chapter.slug}.config").SPEC
    assert source(tagged[0]) == spec.parameters_cell(), (
        f"{chapter.slug}: the parameters cell differs from the config; run "
        f"`python -m thermo_utils params {chapter.slug} --write`")


@pytest.mark.parametrize("chapter", WRITTEN, ids=lambda c: c.slug)
def test_claims_come_from_claims_py_and_no_rule_lives_in_the_notebook(chapter):
    code = [source(c) for c in cells(chapter)]
    joined = "\n".join(code)
    assert f'claims_table("{chapter.slug}")' in joined, "the Claims under test table is generated"
    assert f'start_chapter("{chapter.slug}", globals())' in joined
    assert "ch.finish(" in joined
    for text in code:
        tree = ast.parse("\n".join(line for line in text.splitlines() if not line.lstrip().startswith(("%", "!"))))
        for node in ast.walk(tree):
            if isinstance(node, ast.keyword):
                assert node.arg not in ("passed", "decidable"), f"{chapter.slug}: a verdict rule in the notebook"
            if isinstance(node, ast.FunctionDef):
                pytest.fail(f"{chapter.slug}: the notebook defines {node.name}(); helpers belong in the package")
    markdown = "\n".join(source(c) for c in cells(chapter, "markdown"))
    assert "| id | where | claim |" not in markdown, "a hand-written claims table is left in the notebook"


@pytest.mark.parametrize("chapter", WRITTEN, ids=lambda c: c.slug)
def test_every_claim_names_a_section_of_its_notebook(chapter):
    claims = importlib.import_module(f"thermo_utils.chapters.{chapter.slug}.claims").CLAIMS
    markdown = "\n".join(source(c) for c in cells(chapter, "markdown"))
    for spec in claims:
        if spec.section:  # a {ref} without its own text needs a label right before a heading
            assert re.search(rf"^\({re.escape(spec.section)}\)=\s*\n#+ ", markdown, re.MULTILINE), (
                f"{spec.name}: no heading labelled {spec.section!r}")


@pytest.mark.parametrize("chapter", WRITTEN, ids=lambda c: c.slug)
def test_first_cell_installs_the_package_from_the_books_repository_without_replacing_torch(chapter):
    import yaml

    from thermo_utils.harness.paths import REPO_ROOT

    url = yaml.safe_load((REPO_ROOT / "_config.yml").read_text())["repository"]["url"]
    first = source(cells(chapter)[0])
    assert 'find_spec("thermo_utils") is None' in first, "installs only where the package is missing"
    assert f"git+{url}" in first, f"{chapter.slug}: the install cell must use the repository of _config.yml ({url})"
    assert not any(flag in first for flag in ("--upgrade", "-U", "--force-reinstall", "torch==", "numpy==")), (
        "the install must keep a torch or numpy that already satisfies the package's ranges")


@pytest.mark.parametrize("chapter", WRITTEN, ids=lambda c: c.slug)
def test_papermill_documents_every_parameter(chapter):
    import papermill

    spec = importlib.import_module(f"thermo_utils.chapters.{chapter.slug}.config").SPEC
    inferred = papermill.inspect_notebook(str(chapter.notebook))
    assert set(inferred) == {"profile", "seed", *spec.fields}, f"{chapter.slug}: papermill reads {sorted(inferred)}"
    for name, field in spec.fields.items():
        assert inferred[name]["help"].startswith(field.doc), f"{chapter.slug}.{name}: help {inferred[name]['help']!r}"
