"""The departments of the synthetic province and what each one sends."""

from __future__ import annotations

from typing import Final, NamedTuple

from entcredit.synth._geo import CITIES, PROVINCE_CODE


class PenaltyTemplate(NamedTuple):
    violation: str
    basis: str
    domain: str


class Dept(NamedTuple):
    code: str
    name: str
    region_code: str
    level: str  # province / city / county
    is_amr: bool
    abbr: str  # 粤卫, 深市监 ...: the prefix of its decision numbers
    categories: tuple[str, ...]
    licences: tuple[tuple[str, str], ...] = ()  # (licence name, licence kind)
    penalties: tuple[PenaltyTemplate, ...] = ()
    signals: tuple[str, ...] = ()  # address_signal kinds it reports
    supports: tuple[tuple[str, str], ...] = ()  # (policy name, support kind)


def _p(violation: str, basis: str, domain: str) -> PenaltyTemplate:
    return PenaltyTemplate(violation, basis, domain)


AMR_PENALTIES: Final = (
    _p("经营超过保质期的食品", "《中华人民共和国食品安全法》第一百二十四条", "food"),
    _p(
        "未按规定查验供货者许可证和食品合格证明文件",
        "《中华人民共和国食品安全法》第一百二十六条",
        "food",
    ),
    _p("生产、销售不合格产品", "《中华人民共和国产品质量法》第四十九条", "quality"),
    _p(
        "使用未经定期检验的特种设备",
        "《中华人民共和国特种设备安全法》第八十四条",
        "special_equipment",
    ),
    _p("侵害消费者合法权益", "《中华人民共和国消费者权益保护法》第五十六条", "consumer"),
    _p("发布虚假广告", "《中华人民共和国广告法》第五十五条", "competition"),
    _p("虚假宣传", "《中华人民共和国反不正当竞争法》第二十条", "competition"),
    _p("拒绝、阻碍监督检查", "《市场监督管理行政处罚程序规定》第八十五条", "other"),
    _p("未按规定公示即时信息", "《企业信息公示暂行条例》第十八条", "other"),
)
AMR_CITY_CATEGORIES: Final = (
    "license",
    "penalty",
    "inspection",
    "product_check",
    "abnormal_list",
    "serious_list",
    "annual_report",
    "address_signal",
)
AMR_COUNTY_CATEGORIES: Final = (
    "license",
    "penalty",
    "inspection",
    "abnormal_list",
    "serious_list",
    "annual_report",
)
AMR_LICENCES: Final = (("食品经营许可证", "ordinary"), ("食品生产许可证", "ordinary"))


def _amr_departments() -> list[Dept]:
    out = [
        Dept(
            "AMR" + PROVINCE_CODE,
            "广东省市场监督管理局",
            PROVINCE_CODE,
            "province",
            True,
            "粤市监",
            ("penalty", "product_check"),
            penalties=AMR_PENALTIES,
        )
    ]
    for city in CITIES:
        out.append(
            Dept(
                "AMR" + city.code,
                city.name + "市场监督管理局",
                city.code,
                "city",
                True,
                city.abbr + "市监",
                AMR_CITY_CATEGORIES,
                licences=AMR_LICENCES,
                penalties=AMR_PENALTIES,
                signals=("mail_returned", "phone_unreachable", "complaint"),
            )
        )
        if city.counties:
            county = city.counties[0]
            out.append(
                Dept(
                    "AMR" + county.code,
                    city.name + county.name + "市场监督管理局",
                    county.code,
                    "county",
                    True,
                    city.abbr + county.name[:1] + "市监",
                    AMR_COUNTY_CATEGORIES,
                    licences=AMR_LICENCES,
                    penalties=AMR_PENALTIES,
                )
            )
    return out


_L = "license"
_P = "penalty"
_I = "inspection"
_R = "restriction"
_S = "support"
_A = "address_signal"

OTHER_DEPTS: Final[tuple[Dept, ...]] = (
    Dept(
        "WJW440000",
        "广东省卫生健康委员会",
        PROVINCE_CODE,
        "province",
        False,
        "粤卫",
        (_L, _P, _I, _R),
        licences=(
            ("医疗机构执业许可证", "ordinary"),
            ("公共场所卫生许可证", "ordinary"),
            ("放射诊疗许可证", "ordinary"),
        ),
        penalties=(
            _p("未取得医疗机构执业许可证擅自执业", "《医疗机构管理条例》第四十三条", "other"),
            _p("公共场所卫生质量不符合卫生标准", "《公共场所卫生管理条例》第十四条", "other"),
        ),
    ),
    Dept(
        "STHJ440000",
        "广东省生态环境厅",
        PROVINCE_CODE,
        "province",
        False,
        "粤环",
        (_L, _P, _I, _R),
        licences=(
            ("排污许可证", "ordinary"),
            ("辐射安全许可证", "ordinary"),
            ("危险废物经营许可证", "ordinary"),
        ),
        penalties=(
            _p("超标排放大气污染物", "《中华人民共和国大气污染防治法》第九十九条", "other"),
            _p("未依法取得排污许可证排放污染物", "《排污许可管理条例》第三十三条", "other"),
        ),
    ),
    Dept(
        "ZJ440000",
        "广东省住房和城乡建设厅",
        PROVINCE_CODE,
        "province",
        False,
        "粤建",
        (_L, _P, _R),
        licences=(
            ("建筑业企业资质证书", "approval"),
            ("安全生产许可证（建筑施工）", "ordinary"),
            ("建筑工程施工许可证", "ordinary"),
        ),
        penalties=(
            _p("未取得施工许可证擅自施工", "《建筑工程施工许可管理办法》第十二条", "other"),
        ),
    ),
    Dept(
        "JT440000",
        "广东省交通运输厅",
        PROVINCE_CODE,
        "province",
        False,
        "粤交",
        (_L, _P, _I),
        licences=(("道路运输经营许可证", "ordinary"), ("道路运输证", "ordinary")),
        penalties=(
            _p(
                "未取得道路运输经营许可擅自从事经营",
                "《中华人民共和国道路运输条例》第六十三条",
                "other",
            ),
        ),
    ),
    Dept(
        "YJGL440000",
        "广东省应急管理厅",
        PROVINCE_CODE,
        "province",
        False,
        "粤应急",
        (_L, _P, _I, _R),
        licences=(("安全生产许可证", "ordinary"), ("危险化学品经营许可证", "ordinary")),
        penalties=(
            _p(
                "未按规定开展安全生产教育和培训",
                "《中华人民共和国安全生产法》第九十七条",
                "work_safety",
            ),
            _p("未对重大危险源登记建档", "《中华人民共和国安全生产法》第一百零一条", "work_safety"),
        ),
    ),
    Dept(
        "YJJ440000",
        "广东省药品监督管理局",
        PROVINCE_CODE,
        "province",
        False,
        "粤药监",
        (_L, _P, _I, _R),
        licences=(
            ("药品经营许可证", "ordinary"),
            ("医疗器械经营许可证", "ordinary"),
            ("化妆品生产许可证", "ordinary"),
        ),
        penalties=(
            _p("经营不符合强制性标准的医疗器械", "《医疗器械监督管理条例》第八十六条", "drug"),
            _p("未遵守药品经营质量管理规范", "《中华人民共和国药品管理法》第一百二十六条", "drug"),
        ),
    ),
    Dept(
        "SW440000",
        "国家税务总局广东省税务局",
        PROVINCE_CODE,
        "province",
        False,
        "粤税",
        (_P, _R, _S, _A),
        penalties=(
            _p("未按照规定期限办理纳税申报", "《中华人民共和国税收征收管理法》第六十二条", "other"),
        ),
        signals=("tax_abnormal",),
        supports=(("小微企业增值税减免", "tax"), ("六税两费减半征收", "tax")),
    ),
    Dept(
        "RS440000",
        "广东省人力资源和社会保障厅",
        PROVINCE_CODE,
        "province",
        False,
        "粤人社",
        (_L, _P, _S, _A),
        licences=(("劳务派遣经营许可证", "ordinary"), ("人力资源服务许可证", "ordinary")),
        penalties=(_p("未按规定参加社会保险", "《中华人民共和国社会保险法》第八十四条", "other"),),
        signals=("social_insurance_zero",),
        supports=(("失业保险稳岗返还", "subsidy"), ("一次性扩岗补助", "subsidy")),
    ),
    Dept(
        "GA440000",
        "广东省公安厅",
        PROVINCE_CODE,
        "province",
        False,
        "粤公",
        (_L, _P),
        licences=(("特种行业许可证", "ordinary"), ("公章刻制业特种行业许可证", "ordinary")),
        penalties=(_p("未按规定登记住宿旅客信息", "《旅馆业治安管理办法》第十五条", "other"),),
    ),
    Dept(
        "XF440000",
        "广东省消防救援总队",
        PROVINCE_CODE,
        "province",
        False,
        "粤消",
        (_L, _P, _I),
        licences=(("公众聚集场所投入使用、营业前消防安全检查合格证", "ordinary"),),
        penalties=(
            _p("消防设施、器材未保持完好有效", "《中华人民共和国消防法》第六十条", "fire_safety"),
        ),
    ),
    Dept(
        "SWT440000",
        "广东省商务厅",
        PROVINCE_CODE,
        "province",
        False,
        "粤商务",
        (_L, _P),
        licences=(
            ("对外贸易经营者备案登记", "registration"),
            ("单用途商业预付卡备案", "registration"),
        ),
        penalties=(
            _p(
                "未按规定办理单用途预付卡备案",
                "《单用途商业预付卡管理办法（试行）》第三十六条",
                "consumer",
            ),
        ),
    ),
    Dept(
        "WL440000",
        "广东省文化和旅游厅",
        PROVINCE_CODE,
        "province",
        False,
        "粤文旅",
        (_L, _P, _I),
        licences=(
            ("旅行社业务经营许可证", "ordinary"),
            ("娱乐经营许可证", "ordinary"),
            ("网络文化经营许可证", "ordinary"),
        ),
        penalties=(_p("未经许可经营旅行社业务", "《旅行社条例》第四十六条", "consumer"),),
    ),
    Dept(
        "NY440000",
        "广东省农业农村厅",
        PROVINCE_CODE,
        "province",
        False,
        "粤农",
        (_L, _P, _S),
        licences=(
            ("农药经营许可证", "ordinary"),
            ("兽药经营许可证", "ordinary"),
            ("农作物种子生产经营许可证", "ordinary"),
        ),
        penalties=(_p("经营假农药", "《农药管理条例》第五十五条", "quality"),),
        supports=(("农业生产发展资金", "subsidy"),),
    ),
    Dept(
        "ZRZY440000",
        "广东省自然资源厅",
        PROVINCE_CODE,
        "province",
        False,
        "粤自然资源",
        (_L, _P),
        licences=(("采矿许可证", "franchise"), ("测绘资质证书", "approval")),
        penalties=(
            _p("未取得采矿许可证擅自采矿", "《中华人民共和国矿产资源法》第三十九条", "other"),
        ),
    ),
    Dept(
        "SL440000",
        "广东省水利厅",
        PROVINCE_CODE,
        "province",
        False,
        "粤水",
        (_L, _P),
        licences=(("取水许可证", "ordinary"),),
        penalties=(_p("未经批准擅自取水", "《中华人民共和国水法》第六十九条", "other"),),
    ),
    Dept(
        "GXT440000",
        "广东省工业和信息化厅",
        PROVINCE_CODE,
        "province",
        False,
        "粤工信",
        (_L, _S),
        licences=(("电信业务经营许可证", "verification"),),
        supports=(
            ("省级促进经济高质量发展专项资金", "subsidy"),
            ("中小企业融资贴息", "finance"),
            ("专精特新中小企业奖补", "subsidy"),
        ),
    ),
    Dept(
        "NYJ440000",
        "广东省能源局",
        PROVINCE_CODE,
        "province",
        False,
        "粤能源",
        (_L, _A),
        licences=(("电力业务许可证", "ordinary"),),
        signals=("utility_zero",),
    ),
)

AMR_DEPTS: Final[tuple[Dept, ...]] = tuple(_amr_departments())
ALL_DEPTS: Final[tuple[Dept, ...]] = AMR_DEPTS + OTHER_DEPTS
DEPT_BY_CODE: Final = {d.code: d for d in ALL_DEPTS}
# Short codes used in pools.Industry.licence_depts -> department code.
OTHER_BY_PREFIX: Final = {d.code.removesuffix(PROVINCE_CODE): d for d in OTHER_DEPTS}
GENERIC_LICENSORS: Final = ("GA", "XF", "SWT", "GXT", "NYJ", "STHJ", "RS")
