"""Cache keys change with exactly the things a chapter's results depend on."""

from thermo_utils.harness.cache import chapter_key, package_source_hash


def _package(tmp_path, body="x = 1\n"):
    pkg = tmp_path / "pkg"
    pkg.mkdir(exist_ok=True)
    (pkg / "mod.py").write_text(body)
    return pkg


def test_key_changes_with_package_source_notebook_parameters_and_lock(tmp_path):
    pkg = _package(tmp_path)
    nb = tmp_path / "c.ipynb"
    nb.write_text("{}")
    lock = tmp_path / "lock"
    lock.write_text("torch==2.13.0\n")
    base = chapter_key(nb, "smoke", {"a": 1}, pkg, lock)
    assert base == chapter_key(nb, "smoke", {"a": 1}, pkg, lock)
    assert base != chapter_key(nb, "smoke", {"a": 2}, pkg, lock)
    assert base != chapter_key(nb, "classroom", {"a": 1}, pkg, lock)
    source = package_source_hash(pkg)
    (pkg / "mod.py").write_text("x = 2\n")
    assert package_source_hash(pkg) != source
    assert chapter_key(nb, "smoke", {"a": 1}, pkg, lock) != base
    (pkg / "mod.py").write_text("x = 1\n")
    assert chapter_key(nb, "smoke", {"a": 1}, pkg, lock) == base
    nb.write_text('{"cells": []}')
    assert chapter_key(nb, "smoke", {"a": 1}, pkg, lock) != base
    nb.write_text("{}")
    lock.write_text("torch==2.14.0\n")
    assert chapter_key(nb, "smoke", {"a": 1}, pkg, lock) != base


def test_new_module_changes_the_hash(tmp_path):
    pkg = _package(tmp_path)
    before = package_source_hash(pkg)
    (pkg / "new.py").write_text("")
    assert package_source_hash(pkg) != before


def test_a_chapter_key_ignores_the_other_chapters_code(tmp_path):
    pkg = _package(tmp_path)
    for slug in ("alpha", "beta"):
        (pkg / "chapters" / slug).mkdir(parents=True)
        (pkg / "chapters" / slug / "model.py").write_text("y = 1\n")
    (pkg / "harness").mkdir()
    (pkg / "harness" / "runner.py").write_text("")
    nb = tmp_path / "alpha.ipynb"
    nb.write_text("{}")
    lock = tmp_path / "lock"
    lock.write_text("")
    base = chapter_key(nb, "smoke", {}, pkg, lock)
    (pkg / "chapters" / "beta" / "model.py").write_text("y = 2\n")
    assert chapter_key(nb, "smoke", {}, pkg, lock) == base
    (pkg / "chapters" / "alpha" / "model.py").write_text("y = 2\n")
    assert chapter_key(nb, "smoke", {}, pkg, lock) != base
    changed = chapter_key(nb, "smoke", {}, pkg, lock)
    (pkg / "harness" / "runner.py").write_text("z = 0\n")
    assert chapter_key(nb, "smoke", {}, pkg, lock) != changed
