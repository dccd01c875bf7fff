"""GBK-safe word pools for names, addresses and record texts; GB/T 4754 industries."""

from __future__ import annotations

import random
from typing import Final, NamedTuple

SURNAMES: Final = (
    "陈李黄张梁林刘吴罗杨郑谢何许邓冯曾朱蔡彭苏卢蒋叶钟潘郭余杜赖周赵王徐孙马胡高"
    "温邱丘方莫廖欧萧肖江严石谭柯庄翁袁韩唐詹戴麦区伍骆简程"
)
GIVEN: Final = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀英华慧建国志俊文辉婷欣佳嘉宇浩然子轩梓涵"
    "诗雨晓东海燕玲红梅兰春霞平刚斌锋鹏飞宏毅振宁永健泽彬锦荣坤炜琳瑶颖倩思怡雪峰"
)
BRAND: Final = (
    "华泰盛鑫达恒信宏嘉瑞丰源隆昌兴新金利佳德祥福富安康永正诚明远创博锦通汇海天宇"
    "星辉凯科力美优卓越伟邦君豪润腾飞龙凤骏峰光阳晨旭和合众万顺乐宁东南粤穗湾雅韵"
)
ROADS: Final = (
    "人民路",
    "中山路",
    "解放路",
    "建设路",
    "东风路",
    "环城路",
    "新华路",
    "工业大道",
    "滨海大道",
    "学府路",
    "文化路",
    "朝阳路",
    "金融街",
    "科技园路",
    "创业路",
    "沿江路",
    "迎宾大道",
    "府前路",
    "青年路",
    "兴业路",
)
COOP_PRODUCTS: Final = (
    "水果种植",
    "蔬菜种植",
    "茶叶",
    "水产养殖",
    "生猪养殖",
    "家禽养殖",
    "金柚种植",
    "荔枝种植",
    "农机服务",
    "花卉种植",
)
GBK_SAFE_EXTRA: Final = "〔〕（）；：，、。号第年月日·—"


class Industry(NamedTuple):
    code: str  # GB/T 4754-2017: section letter + 4 digits
    word: str  # the industry word in an enterprise name
    food: bool  # needs a food licence / food sampling
    product: bool  # manufactures products (product quality sampling)
    licence_depts: tuple[str, ...]  # other departments that license this trade


INDUSTRIES: Final[tuple[Industry, ...]] = (
    Industry("A0111", "农业发展", True, False, ("NY",)),
    Industry("A0411", "水产养殖", True, False, ("NY", "STHJ")),
    Industry("C1391", "食品", True, True, ("STHJ",)),
    Industry("C1411", "食品科技", True, True, ("STHJ",)),
    Industry("C1810", "服装", False, True, ("STHJ",)),
    Industry("C2110", "家具", False, True, ("STHJ", "YJGL")),
    Industry("C2641", "化工", False, True, ("STHJ", "YJGL")),
    Industry("C2720", "医药", False, True, ("YJJ", "STHJ")),
    Industry("C3360", "五金制品", False, True, ("STHJ",)),
    Industry("C3670", "汽车配件", False, True, ("STHJ", "YJGL")),
    Industry("C3911", "电子科技", False, True, ("STHJ",)),
    Industry("C3971", "电子", False, True, ("STHJ",)),
    Industry("C3851", "电器", False, True, ("STHJ",)),
    Industry("E4710", "建筑工程", False, False, ("ZJ", "YJGL")),
    Industry("E4990", "建设", False, False, ("ZJ",)),
    Industry("F5121", "农产品贸易", True, False, ("SWT",)),
    Industry("F5137", "服装贸易", False, False, ("SWT",)),
    Industry("F5191", "贸易", False, False, ("SWT",)),
    Industry("F5212", "商贸", True, False, ("YJJ", "GA")),
    Industry("F5251", "医药连锁", False, False, ("YJJ",)),
    Industry("F5292", "电子商务", False, False, ("SWT",)),
    Industry("G5430", "物流", False, False, ("JT",)),
    Industry("G5411", "运输", False, False, ("JT", "YJGL")),
    Industry("H6110", "酒店管理", True, False, ("WJW", "GA", "WL")),
    Industry("H6210", "餐饮管理", True, False, ("WJW", "STHJ")),
    Industry("H6220", "餐饮", True, False, ("WJW",)),
    Industry("I6421", "网络科技", False, False, ("WL",)),
    Industry("I6511", "软件", False, False, ("RS",)),
    Industry("I6550", "信息技术", False, False, ("RS",)),
    Industry("K7010", "房地产开发", False, False, ("ZJ", "ZRZY")),
    Industry("K7020", "物业管理", False, False, ("ZJ",)),
    Industry("L7212", "投资", False, False, ("RS",)),
    Industry("L7251", "广告", False, False, ("WL",)),
    Industry("L7264", "人力资源", False, False, ("RS",)),
    Industry("M7320", "检测", False, False, ("STHJ",)),
    Industry("M7491", "工程设计", False, False, ("ZJ", "ZRZY")),
    Industry("O8010", "家政服务", False, False, ("RS",)),
    Industry("O8111", "汽车服务", False, False, ("JT", "STHJ")),
    Industry("Q8421", "医疗", False, False, ("WJW",)),
    Industry("R8720", "文化传播", False, False, ("WL",)),
    Industry("R9011", "娱乐", False, False, ("WL", "GA")),
    Industry("N7711", "环保科技", False, False, ("STHJ", "SL")),
    Industry("P8391", "教育咨询", False, False, ("RS",)),
)
# Individual businesses: the shop word of the name and its trade.
SHOPS: Final[tuple[tuple[str, Industry], ...]] = (
    ("便利店", Industry("F5212", "便利店", True, False, ("YJJ", "GA"))),
    ("士多店", Industry("F5212", "便利店", True, False, ("YJJ",))),
    ("商店", Industry("F5219", "商店", True, False, ("SWT",))),
    ("餐馆", Industry("H6210", "餐饮", True, False, ("WJW", "XF"))),
    ("茶餐厅", Industry("H6210", "餐饮", True, False, ("WJW", "XF"))),
    ("小吃店", Industry("H6220", "小吃", True, False, ("WJW",))),
    ("快餐店", Industry("H6220", "快餐", True, False, ("WJW",))),
    ("肠粉店", Industry("H6220", "小吃", True, False, ("WJW",))),
    ("服装店", Industry("F5232", "服装", False, False, ("SWT",))),
    ("五金店", Industry("F5274", "五金", False, False, ("GA",))),
    ("理发店", Industry("O8070", "理发", False, False, ("WJW",))),
    ("美容店", Industry("O8070", "美容", False, False, ("WJW",))),
    ("水果店", Industry("F5223", "水果", True, False, ("SWT",))),
    ("烟酒店", Industry("F5227", "烟酒", True, False, ("SWT",))),
    ("粮油店", Industry("F5221", "粮油", True, False, ("SWT",))),
    ("汽车维修店", Industry("O8111", "汽车维修", False, False, ("JT", "STHJ"))),
    ("电器维修部", Industry("O8122", "电器维修", False, False, ("GA",))),
    ("经营部", Industry("F5191", "经营部", False, False, ("SWT",))),
)
COOP_INDUSTRIES: Final = ("A0111", "A0411")
INDUSTRY_BY_CODE: Final = {i.code: i for i in INDUSTRIES}


def person_name(rng: random.Random) -> str:
    given = rng.choice(GIVEN) if rng.random() < 0.3 else rng.choice(GIVEN) + rng.choice(GIVEN)
    return rng.choice(SURNAMES) + given


def brand(rng: random.Random) -> str:
    a = rng.choice(BRAND)
    b = rng.choice(BRAND)
    while b == a:
        b = rng.choice(BRAND)
    return a + b
