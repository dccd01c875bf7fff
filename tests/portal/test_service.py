"""The one public read path: visibility applied everywhere, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date

from entcredit.portal import service
from entcredit.portal.service import PublicRecord
from tests.ingest.factories import uscc
from tests.portal.conftest import AS_OF, N_LICENCES, SCRIPT_NAME, Province


def _decisions(records: list[PublicRecord] | tuple[PublicRecord, ...]) -> set[str]:
    return {str(r.values.get("decision_no")) for r in records}


def test_profile_registration_personnel_badges_counts(province: Province) -> None:
    with province.factory() as s:
        p = service.enterprise_profile(s, uscc(1).lower(), as_of=AS_OF)
    assert p is not None
    assert (p.uscc, p.name, p.entity_type, p.status) == (
        uscc(1),
        "深圳市测试1有限公司",
        "enterprise",
        "active",
    )
    assert p.former_names == ("深圳市旧名1有限公司",)
    labels = {f.code: f for f in p.registration}
    assert labels["status"].text("zh") == "存续" and labels["status"].text("en") == "Active"
    assert "legal_rep_id" not in labels
    assert [(k.name, k.role) for k in p.personnel] == [("张一", "legal_rep"), ("李二", "director")]
    assert all(k.id_masked and "*" in k.id_masked for k in p.personnel)
    assert [b.code for b in p.badges] == ["active", "abnormal_listed", "serious_listed"]
    # One visible penalty of six, one abnormal listing of three, and every licence.
    assert p.counts == {
        "license": N_LICENCES,
        "penalty": 1,
        "inspection": 1,
        "product_check": 0,
        "abnormal_list": 1,
        "serious_list": 1,
        "annual_report": 0,
        "support": 0,
        "restriction": 0,
    }


def test_unknown_enterprise_is_none(province: Province) -> None:
    with province.factory() as s:
        assert service.enterprise_profile(s, uscc(999), as_of=AS_OF) is None


def test_hidden_records_show_nowhere(province: Province) -> None:
    hidden = set(province.hidden.values())
    with province.factory() as s:
        shown: list[PublicRecord] = []
        for cat in service.RECORD_SECTIONS:
            shown += service.public_records(s, province.e1, cat, as_of=AS_OF, page_size=100).items
            shown += list(service.iter_public_records(s, cat, as_of=AS_OF, batch_size=2))
        for kind in service.NOTICE_KINDS:
            shown += service.notices(
                s, kind, date_from=None, date_to=None, region_code=None, as_of=AS_OF, page_size=100
            ).items
    assert shown
    assert not _decisions(shown) & hidden
    # The visible ones are there: the rule hides only what it must.
    assert {"深市监罚〔2024〕1号", "深市监异〔2024〕1号", "深市监严〔2024〕1号"} <= _decisions(
        shown
    )


def test_hidden_records_were_visible_before_their_end(province: Province) -> None:
    """The period-ended and stopped penalties were public earlier: the test data can fail."""
    with province.factory() as s:
        before = service.public_records(s, province.e1, "penalty", as_of=date(2024, 5, 1))
    got = _decisions(before.items)
    assert province.hidden["period_ended"] in got and province.hidden["publicity_stop"] in got
    assert province.hidden["warning_only"] not in got


def test_public_values_are_masked_and_labelled(province: Province) -> None:
    with province.factory() as s:
        page = service.public_records(s, province.e1, "penalty", as_of=AS_OF)
    (rec,) = page.items
    assert "source_id" not in rec.values
    assert province.full_ids[2] not in str(rec.values["facts"])
    assert rec.dept_name == "深圳市市场监督管理局" and rec.region_code == "440300"
    kinds = next(f for f in rec.fields if f.code == "penalty_kinds")
    assert (kinds.label_zh, kinds.text_zh, kinds.text_en) == ("处罚类别", "罚款", "Fine")
    assert rec.public_until == date(2027, 3, 5)


def test_section_pagination(province: Province) -> None:
    with province.factory() as s:
        pages = [
            service.public_records(s, province.e1, "license", as_of=AS_OF, page=n, page_size=10)
            for n in (1, 2, 3, 4)
        ]
    assert [len(p.items) for p in pages] == [10, 10, 5, 0]
    assert pages[0].total == N_LICENCES and pages[0].pages == 3
    dates = [r.produced_on for p in pages for r in p.items]
    assert dates == sorted(dates, reverse=True) and len(set(dates)) == N_LICENCES


def test_notices_filters(province: Province) -> None:
    def decisions(**kw: object) -> list[str]:
        with province.factory() as s:
            args: dict[str, object] = {"date_from": None, "date_to": None, "region_code": None}
            args.update(kw)
            kind = args.pop("kind", "abnormal_listing")
            page = service.notices(s, kind, as_of=AS_OF, **args)  # type: ignore[arg-type]
        return [str(r.values.get("decision_no", r.record_id)) for r in page.items]

    # Newest publication first; the repaired listing is gone.
    assert decisions() == ["穗天市监异〔2024〕4号", "深市监异〔2024〕1号"]
    assert decisions(region_code="440100") == ["穗天市监异〔2024〕4号"]
    assert decisions(region_code="440106") == ["穗天市监异〔2024〕4号"]
    assert decisions(region_code="440300") == ["深市监异〔2024〕1号"]
    assert decisions(region_code="440000") == decisions()
    assert decisions(date_from=date(2024, 4, 1)) == ["穗天市监异〔2024〕4号"]
    assert decisions(date_to=date(2024, 3, 31)) == ["深市监异〔2024〕1号"]
    assert decisions(kind="abnormal_removal") == []  # the only removal was repaired
    assert decisions(kind="serious_listing") == ["深市监严〔2024〕1号"]
    assert len(decisions(kind="inspection")) == 1
    with province.factory() as s:
        first = service.notices(
            s, "abnormal_listing", date_from=None, date_to=None, region_code=None,
            as_of=AS_OF, page=1, page_size=1,
        )  # fmt: skip
        second = service.notices(
            s, "abnormal_listing", date_from=None, date_to=None, region_code=None,
            as_of=AS_OF, page=2, page_size=1,
        )  # fmt: skip
    assert first.has_next and not second.has_next
    assert _decisions(first.items) | _decisions(second.items) == set(decisions())


def test_badges_one_call(province: Province) -> None:
    with province.factory() as s:
        got = service.badges(s, [province.e1, province.e2, 12345], as_of=AS_OF)
    assert [b.code for b in got[province.e2]] == ["active", "abnormal_marked"]
    assert got[province.e2][1].label_zh == "标记为经营异常状态"
    assert 12345 not in got


def test_iter_public_records_streams_every_visible_record(province: Province) -> None:
    with province.factory() as s:
        small = list(service.iter_public_records(s, "license", as_of=AS_OF, batch_size=3))
        big = list(service.iter_public_records(s, "license", as_of=AS_OF))
        marks = list(service.iter_public_records(s, "abnormal_list", as_of=AS_OF))
    assert [r.record_id for r in small] == [r.record_id for r in big]
    assert len(big) == N_LICENCES and len({r.record_id for r in big}) == N_LICENCES
    assert {r.enterprise_name for r in marks} == {"深圳市测试1有限公司", SCRIPT_NAME}
    assert all(r.uscc for r in marks)


def test_notice_regions(province: Province) -> None:
    with province.factory() as s:
        assert service.notice_regions(s) == [("440100", "广州市"), ("440300", "深圳市")]


def test_chosen_public_reads_only_a_list() -> None:
    assert service.chosen_public({"published_parts": ["employees", 3]}) == {"employees"}
    assert service.chosen_public({"published_parts": "employees"}) == frozenset()
    assert service.chosen_public({}) == frozenset()
