"""The score export's small-group rule: no pseudonym sits in a shown school or cohort group
of fewer than five teachers."""

from collections import Counter

from hypothesis import given
from hypothesis import strategies as st

from server.growth.export import SUPPRESSED, suppress_small_groups


def test_a_small_cohort_is_hidden_and_then_a_small_rest_of_its_school() -> None:
    groups = {
        **{t: ("Oak", "2024-25") for t in range(6)},
        **{t: ("Oak", "2025-26") for t in range(6, 8)},  # two: hidden
        **{t: ("Elm", "2024-25") for t in range(8, 11)},  # a school of three: hidden
    }
    shown = suppress_small_groups(groups)
    assert Counter(shown.values()) == {
        ("Oak", "2024-25"): 6,
        (SUPPRESSED, SUPPRESSED): 5,
    }


def test_a_small_cohort_stays_inside_its_school_when_the_rest_is_big_enough() -> None:
    groups = {
        **{t: ("Oak", "2024-25") for t in range(5)},
        **{t: ("Oak", "2025-26") for t in range(5, 7)},
        **{t: ("Oak", "2023-24") for t in range(7, 10)},
    }
    assert Counter(suppress_small_groups(groups).values()) == {
        ("Oak", "2024-25"): 5,
        ("Oak", SUPPRESSED): 5,
    }


@given(
    st.dictionaries(
        st.integers(0, 500),
        st.tuples(st.sampled_from(["A", "B", "C"]), st.sampled_from(["", "24", "25", "26"])),
    )
)
def test_every_shown_group_has_five_teachers_and_nothing_is_invented(
    groups: dict[int, tuple[str, str]],
) -> None:
    shown = suppress_small_groups(groups)
    assert shown.keys() == groups.keys()
    sizes = Counter(shown.values())
    for (school, cohort), n in sizes.items():
        if (school, cohort) != (SUPPRESSED, SUPPRESSED):
            assert n >= 5
    for teacher, (school, cohort) in shown.items():
        assert school in (groups[teacher][0], SUPPRESSED)
        assert cohort in (groups[teacher][1], SUPPRESSED)
        # A shown school with a shown cohort is the teacher's true pair.
        if SUPPRESSED not in (school, cohort):
            assert (school, cohort) == groups[teacher]
