"""Areas: names from data and which neighbourhood codes meet."""

from scheduling.domain import load_areas, meets, shared_codes, shared_wijken, wijk_of


def test_a_buurt_lies_in_the_wijk_its_code_names_even_when_unknown() -> None:
    assert wijk_of("BU05183620") == "WK051836"
    assert wijk_of("BU05189901") == "WK051899"
    assert wijk_of("WK051836") == "WK051836"


def test_a_wijk_meets_each_of_its_buurten_and_itself() -> None:
    assert meets("WK051836", "BU05183620")
    assert meets("BU05183639", "WK051836")
    assert meets("WK051836", "WK051836")


def test_a_wijk_meets_an_unknown_buurt_with_its_prefix() -> None:
    assert meets("WK051899", "BU05189901")


def test_different_buurten_and_different_wijken_do_not_meet() -> None:
    assert not meets("BU05183620", "BU05183637")
    assert not meets("WK051836", "WK051834")
    assert not meets("WK051834", "BU05183620")


def test_shared_codes_name_the_most_specific_code() -> None:
    assert shared_codes(["WK051836"], ["BU05183620", "BU05183480"]) == ("BU05183620",)
    assert shared_wijken(["WK051836", "WK051834"], ["BU05183480", "BU05183637"]) == ("WK051834", "WK051836")


def test_the_area_data_names_zuidwest_and_zuiderpark_with_its_source() -> None:
    areas = load_areas()
    assert areas.name("BU05183620") == "Moerwijk-Oost"
    assert areas.name("WK051833") == "Bouwlust en Vrederust"
    assert areas.name("BU05183536") == "Zuiderpark"
    assert areas.name("BU05189901") == "BU05189901"
    assert len(areas.buurten_of("WK051836")) == 4
    assert areas.source
    assert areas.checked
