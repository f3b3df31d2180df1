"""Writes the after-sales sample app's seed CSV files (deterministic: same output every run).

Run from the repository root: ``python scripts/make_sample_data.py``. The files are
committed; this script documents how they were made and remakes them after a form changes.

The work orders cover the twelve months from December 2025 to November 2026 and tell a story
the service dashboard shows:

- summer brings a surge of air-conditioning work: the chiller (冷水机组 LSB-20) fails most,
  with compressors and refrigerant driving spare-part costs up from June to August;
- the Spring Festival in February is quiet;
- engineer1 carries the heaviest load; in the summer peak repeat visits (复修) rise, so the
  first-time fix rate falls, and satisfaction and NPS drop;
- engineer5 joins in September, the load evens out and satisfaction recovers;
- the last days of November are still open (the backlog), with a few older stragglers.

Engineers are named by login (``engineer1`` to ``engineer5``): ``servicekit demo`` creates
those accounts; a plain install creates them inactive, without a password.
"""

from __future__ import annotations

import csv
import heapq
import random
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

DATA = Path(__file__).resolve().parents[1] / "sample_apps" / "after_sales" / "data"
rng = random.Random(20261123)

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍鹏辉建国志红文斌宇浩凯晨婷雪琳欣"
CITIES = {
    "east": [
        ("上海", "上海市闵行区", 31.11, 121.38),
        ("杭州", "杭州市余杭区", 30.27, 120.15),
        ("苏州", "苏州工业园区", 31.30, 120.62),
        ("南京", "南京市江宁区", 31.95, 118.84),
        ("宁波", "宁波市鄞州区", 29.82, 121.55),
    ],
    "north": [
        ("北京", "北京市亦庄经济开发区", 39.79, 116.51),
        ("天津", "天津市滨海新区", 39.03, 117.70),
        ("济南", "济南市历城区", 36.68, 117.12),
    ],
    "south": [
        ("广州", "广州市黄埔区", 23.10, 113.45),
        ("深圳", "深圳市宝安区", 22.55, 113.88),
        ("东莞", "东莞市松山湖", 22.92, 113.88),
    ],
    "west": [("成都", "成都市高新区", 30.57, 104.06), ("重庆", "重庆市两江新区", 29.65, 106.56)],
}
INDUSTRY = [
    "精密机械",
    "环保设备",
    "电子科技",
    "食品",
    "制药",
    "汽车零部件",
    "新材料",
    "包装",
    "纺织",
    "物流",
]
SUFFIX = ["有限公司", "股份有限公司", "制造有限公司"]
ROADS = ["科技路", "创业大道", "工业园路", "长江路", "黄河路", "建设大道", "金桥路", "高新大道"]
CHILLER = "冷水机组 LSB-20"
MODELS = [
    "数控车床 CK6150",
    "加工中心 VMC850",
    "污水提升泵 WQ50",
    "回流焊炉 RF-8",
    "空压机 GA37",
    CHILLER,
    "注塑机 HT-260",
    "激光切割机 LC-3015",
]
# (name, unit price); indexes below pick the parts each kind of repair uses.
PARTS = [
    ("轴承 6205", "45.00"),
    ("主轴电机", "3200.00"),
    ("变频器 7.5kW", "1850.00"),
    ("机械密封", "260.00"),
    ("温控模块", "680.00"),
    ("加热管", "150.00"),
    ("滤芯", "85.50"),
    ("皮带 B-50", "38.00"),
    ("压缩机", "4200.00"),
    ("冷媒 R410A", "320.00"),
    ("PLC 模块", "2600.00"),
    ("传感器", "410.00"),
    ("继电器", "36.80"),
    ("液压油 20L", "540.00"),
    ("导轨滑块", "720.00"),
    ("伺服驱动器", "3900.00"),
    ("接触器", "128.00"),
    ("保险丝", "6.50"),
    ("密封圈套装", "58.00"),
    ("冷却风扇", "95.00"),
]
CHILLER_PARTS = [8, 8, 9, 9, 9, 4, 11, 19, 16]
OTHER_PARTS = [0, 0, 0, 2, 3, 3, 5, 6, 6, 7, 7, 11, 12, 12, 13, 14, 16, 17, 17, 18, 18]
FAULTS = {
    "electrical": ["开机跳闸", "控制柜报警 E-203", "电机过热停机", "变频器报过流"],
    "mechanical": ["主轴异响，加工精度下降", "泵体漏水", "导轨卡滞", "皮带打滑"],
    "software": ["PLC 程序丢失", "触摸屏死机", "参数被误改后无法启动"],
    "installation": ["新设备安装调试", "搬迁后重新调试"],
    "maintenance": ["季度保养", "年度大保养", "更换易损件"],
}
CHILLER_FAULTS = ["制冷效果差，出水温度偏高", "压缩机不启动", "冷媒泄漏，低压报警", "冷却风扇异响"]
RESOLUTIONS = [
    "已更换故障件并试机正常",
    "已调整参数并试运行",
    "已清洗保养，运行正常",
    "已紧固并校准",
]

FIRST_DAY = date(2025, 12, 1)
LAST_DAY = date(2026, 11, 22)
OPEN_FROM = datetime(2026, 11, 13)  # work still open at the end of the data
# Work orders per day by month: summer air-conditioning peak, quiet Spring Festival.
PER_DAY = {
    12: 3.0,
    1: 2.8,
    2: 1.6,
    3: 2.8,
    4: 3.0,
    5: 3.6,
    6: 5.2,
    7: 5.8,
    8: 5.4,
    9: 3.6,
    10: 3.0,
    11: 3.2,
}
# Share of the chiller among failing equipment, by month.
CHILLER_SHARE = {6: 0.5, 7: 0.6, 8: 0.55, 5: 0.3, 9: 0.3}
# Chance that a repair did not hold and the same equipment is visited again within weeks.
REPEAT = {6: 0.12, 7: 0.16, 8: 0.14, 5: 0.07, 9: 0.07}
ENGINEERS = ["engineer1", "engineer2", "engineer3", "engineer4", "engineer5"]


def person() -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))


def write(name: str, header: list[str], rows: list[list[object]]) -> None:
    with (DATA / name).open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)


def make_customers() -> list[str]:
    customers, rows = [], []
    for index in range(1, 61):
        region = rng.choice(list(CITIES))
        city, district, lat, lng = rng.choice(CITIES[region])
        name = f"{city}{rng.choice('华恒鑫东泰宏远达瑞安盛祥')}{rng.choice('通源力创联信佳诚')}{rng.choice(INDUSTRY)}{rng.choice(SUFFIX)}"
        location = f"{lat + rng.uniform(-0.1, 0.1):.6f},{lng + rng.uniform(-0.1, 0.1):.6f}"
        address = f"{district}{rng.choice(ROADS)} {rng.randint(1, 999)} 号"
        level = rng.choices(["vip", "key", "standard"], weights=[1, 2, 6])[0]
        phone = f"1{rng.choice('3589')}{rng.randint(0, 9)}{rng.randint(10000000, 99999999)}"
        number = f"C-{index:05d}"
        customers.append(number)
        rows.append([number, name, level, person(), phone, region, address, location])
    header = ["number", "name", "level", "contact", "phone", "region", "address", "location"]
    write("customer.csv", header, rows)
    return customers


def make_equipment(customers: list[str]) -> list[tuple[str, str, str]]:
    """(number, owner, model) of 300 units; one in three is a chiller."""
    units, rows = [], []
    for index in range(1, 301):
        model = CHILLER if index % 3 == 0 else rng.choice([m for m in MODELS if m != CHILLER])
        owner = rng.choice(customers)
        installed = date(2022, 1, 1) + timedelta(days=rng.randint(0, 1400))
        warranty = installed + timedelta(days=365 * rng.choice((1, 2, 3)))
        serial = f"SN{installed:%y%m}{rng.randint(100000, 999999)}"
        number = f"EQ-{index:05d}"
        units.append((number, owner, model))
        rows.append([number, model, serial, owner, installed.isoformat(), warranty.isoformat()])
    header = ["number", "model", "serial_no", "customer", "install_date", "warranty_end"]
    write("equipment.csv", header, rows)
    return units


def request_times() -> list[datetime]:
    """When customers called, day by day, in office hours."""
    times = []
    day = FIRST_DAY
    while day <= LAST_DAY:
        rate = 0.85 * PER_DAY[day.month] * (0.6 if day.weekday() >= 5 else 1.1)
        count = sum(1 for _ in range(12) if rng.random() < rate / 12)
        for _ in range(count):
            times.append(
                datetime(day.year, day.month, day.day, rng.randint(8, 19), rng.randint(0, 59))
            )
        day += timedelta(days=1)
    return sorted(times)


def pick_unit(
    units: list[tuple[str, str, str]], at: datetime, last: dict[str, datetime]
) -> tuple[str, str, str]:
    """Failing equipment: chillers in summer; a unit serviced in the last 31 days is avoided,
    so repeat visits come only from repairs that did not hold."""
    chillers = [u for u in units if u[2] == CHILLER]
    others = [u for u in units if u[2] != CHILLER]
    pool = chillers if rng.random() < CHILLER_SHARE.get(at.month, 0.12) else others
    for _ in range(20):
        unit = rng.choice(pool)
        if unit[0] not in last or at - last[unit[0]] > timedelta(days=31):
            return unit
    return unit
    return unit


def engineer_for(at: datetime) -> str:
    """engineer1 carries most; engineer5 joins in September and takes a fair share."""
    if at < datetime(2026, 9, 1):
        return rng.choices(ENGINEERS[:4], weights=[40, 26, 20, 14])[0]
    return rng.choices(ENGINEERS, weights=[26, 22, 18, 14, 20])[0]


def satisfaction(at: datetime, engineer: str, repeat: bool) -> str:
    """Happier customers in spring and autumn; worse in the summer crush and after a repeat."""
    mood = {6: -1.0, 7: -1.6, 8: -1.2, 9: -0.3}.get(at.month, 0.0)
    if at >= datetime(2026, 10, 1):
        mood += 0.5
    if engineer == "engineer1" and at.month in (6, 7, 8):
        mood -= 0.5
    if repeat:
        mood -= 1.5
    weights = [
        max(0.5, 10 + 4 * mood),
        6,
        max(1.0, 2 - mood),
        max(0.3, 0.8 - mood / 2),
        max(0.2, 0.5 - mood / 2),
    ]
    return rng.choices(["5", "4", "3", "2", "1"], weights=weights)[0]


def make_work_orders(units: list[tuple[str, str, str]]) -> None:
    orders, parts = [], []
    per_day: dict[date, int] = {}
    last: dict[str, datetime] = {}
    # (when, order of planning, the unit of a repeat visit or None for a new failure)
    plan: list[tuple[datetime, int, tuple[str, str, str] | None]] = [
        (t, i, None) for i, t in enumerate(request_times())
    ]
    planned = len(plan)
    while plan:
        reported, _, repeat_of = heapq.heappop(plan)
        unit = repeat_of or pick_unit(units, reported, last)
        last[unit[0]] = reported
        chiller = unit[2] == CHILLER
        per_day[reported.date()] = per_day.get(reported.date(), 0) + 1
        number = f"WO-{reported:%Y%m%d}-{per_day[reported.date()]:04d}"
        if chiller:
            fault_type = rng.choices(
                ["electrical", "mechanical", "maintenance"], weights=[5, 4, 1]
            )[0]
            description = (
                rng.choice(CHILLER_FAULTS)
                if fault_type != "maintenance"
                else rng.choice(FAULTS["maintenance"])
            )
        else:
            fault_type = rng.choices(list(FAULTS), weights=[4, 4, 2, 1, 2])[0]
            description = rng.choice(FAULTS[fault_type])
        if repeat_of is not None:
            description = "复修：" + description
        urgent_weight = 3 if chiller and reported.month in (6, 7, 8) else 1
        priority = rng.choices(["urgent", "high", "normal"], weights=[urgent_weight, 3, 8])[0]
        reason = "产线停机，影响交付" if priority == "urgent" else ""
        appointment = reported + timedelta(hours=rng.choice((2, 4, 24, 48)))
        done = reported < OPEN_FROM and rng.random() > 0.01
        engineer = engineer_for(reported) if done or rng.random() < 0.6 else ""
        labor = Decimal(rng.choice(("0.00", "120.00", "200.00", "300.00", "450.00", "800.00")))
        rated = done and rng.random() < 0.85
        orders.append(
            [
                number,
                unit[1],
                unit[0],
                fault_type,
                priority,
                description,
                reason,
                f"{appointment:%Y-%m-%d %H:%M}",
                engineer,
                labor if done else "",
                rng.choice(RESOLUTIONS) if done else "",
                satisfaction(reported, engineer, repeat_of is not None) if rated else "",
            ]
        )
        if done and fault_type != "software":
            choices = CHILLER_PARTS if chiller else OTHER_PARTS
            count = rng.choice((1, 1, 2, 2, 3)) if chiller else rng.choice((0, 1, 1, 2, 3))
            for _ in range(count):
                index = rng.choice(choices)
                parts.append(
                    [
                        number,
                        f"SP-{index + 1:04d}",
                        PARTS[index][0],
                        rng.randint(1, 3),
                        PARTS[index][1],
                    ]
                )
        if done and repeat_of is None and rng.random() < REPEAT.get(reported.month, 0.04):
            again = reported + timedelta(days=rng.randint(3, 25), hours=rng.randint(-3, 3))
            if again.date() <= LAST_DAY and 8 <= again.hour <= 19:
                heapq.heappush(plan, (again, planned, unit))
                planned += 1
    orders.sort(key=lambda row: row[0])
    header = [
        "number",
        "customer",
        "equipment",
        "fault_type",
        "priority",
        "description",
        "urgent_reason",
        "appointment_at",
        "engineer",
        "labor_cost",
        "resolution",
        "satisfaction",
    ]
    write("work_order.csv", header, orders)
    write("work_order.parts.csv", ["parent", "part", "part_name", "qty", "unit_price"], parts)


def main() -> None:
    DATA.mkdir(parents=True, exist_ok=True)
    customers = make_customers()
    units = make_equipment(customers)
    rows = [
        [f"SP-{i:04d}", f"P{1000 + i}", name, price, rng.randint(0, 60), rng.choice((5, 10, 20))]
        for i, (name, price) in enumerate(PARTS, start=1)
    ]
    write("spare_part.csv", ["number", "code", "name", "unit_price", "stock", "safety_stock"], rows)
    make_work_orders(units)


if __name__ == "__main__":
    main()
