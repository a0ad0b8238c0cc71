"""The names client generators see: operationIds, enum member names, refusals."""

from __future__ import annotations

import pytest

from taskservice.openapi.enums import enum_ref, sort_varnames
from taskservice.openapi.operations import Names, camel_case, check_unique, docstring_summary


def test_operation_ids_are_the_view_names_in_camel_case():
    assert camel_case("list_tasks") == "listTasks"
    assert camel_case("check_lbheartbeat") == "checkLbheartbeat"
    assert camel_case("register") == "register"


def test_a_summary_is_the_first_line_of_the_docstring():
    def view(request):
        """Create a task.

        Details for the code's readers, not the document's.
        """

    assert docstring_summary(view) == "Create a task"
    assert docstring_summary(lambda request: None) is None


def test_sorts_get_member_names_a_client_enum_can_have():
    assert sort_varnames(["title", "-title"]) == ("ASC_TITLE", "DESC_TITLE")


def test_an_unregistered_list_of_choices_has_no_reference():
    with pytest.raises(LookupError, match=r"taskservice\.openapi\.enums\.ENUMS"):
        enum_ref(["a", "b"])


def operation(where: str, summary: str) -> tuple[str, Names]:
    return where, Names(where.split()[1].strip("/"), summary, "tests")


def test_operations_sharing_a_name_are_refused():
    check_unique([operation("GET /a", "Read a"), operation("GET /b", "Read b")])
    with pytest.raises(ValueError, match="share a summary: GET /a, GET /b"):
        check_unique([operation("GET /a", "Read"), operation("GET /b", "Read")])
