"""The names client generators see: operationIds, enum member names, refusals."""

from __future__ import annotations

import pytest

from taskservice.openapi.enums import EnumType, enum_ref, member_name, sort_varnames
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


def test_member_names_are_the_words_of_the_value():
    assert member_name("task.created") == "TASK_CREATED"
    assert member_name("access_revoked") == "ACCESS_REVOKED"
    assert EnumType("E", ("a.b", "c"), "").varnames == ("A_B", "C")


@pytest.mark.parametrize(("values", "varnames"), [
    (("*", "a"), ()),            # "*" has no word to name it by
    (("a.b", "a_b"), ()),        # two values, one name
    (("a", "b"), ("A",)),        # a name short
    (("a", "b"), ("A", "b")),    # not upper case
])
def test_an_enum_whose_members_have_no_usable_names_is_refused(values, varnames):
    with pytest.raises(ValueError, match="enum E: member names"):
        EnumType("E", values, "", varnames)


def test_an_unregistered_list_of_choices_has_no_reference():
    with pytest.raises(LookupError, match=r"taskservice\.openapi\.enums\.ENUMS"):
        enum_ref(["a", "b"])


def operation(where: str, summary: str) -> tuple[str, Names]:
    return where, Names(where.split()[1].strip("/"), summary, "tests")


def test_operations_sharing_a_name_are_refused():
    check_unique([operation("GET /a", "Read a"), operation("GET /b", "Read b")])
    with pytest.raises(ValueError, match="share a summary: GET /a, GET /b"):
        check_unique([operation("GET /a", "Read"), operation("GET /b", "Read")])
