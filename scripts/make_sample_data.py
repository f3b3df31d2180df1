"""Writes the after-sales sample app's seed CSV files (deterministic: same output every run).

Run from the repository root: ``python scripts/make_sample_data.py``. The files are
committed; this script documents how they were made and remakes them after a form changes.
"""

from __future__ import annotations

import csv
import random
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

DATA = Path(__file__).resolve().parents[1] / "sample_apps" / "after_sales" / "data"
rng = random.Random(20261123)

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍鹏辉建国志红文斌宇浩凯晨婷雪琳欣"
CITIES = {
    "east": [("上海", "上海市闵行区", 31.11, 121.38), ("杭州", "杭州市余杭区", 30.27, 120.15),
             ("苏州", "苏州工业园区", 31.30, 120.62), ("南京", "南京市江宁区", 31.95, 118.84),
             ("宁波", "宁波市鄞州区", 29.82, 121.55)],
    "north": [("北京", "北京市亦庄经济开发区", 39.79, 116.51), ("天津", "天津市滨海新区", 39.03, 117.70),
              ("济南", "济南市历城区", 36.68, 117.12)],
    "south": [("广州", "广州市黄埔区", 23.10, 113.45), ("深圳", "深圳市宝安区", 22.55, 113.88),
              ("东莞", "东莞市松山湖", 22.92, 113.88)],
    "west": [("成都", "成都市高新区", 30.57, 104.06), ("重庆", "重庆市两江新区", 29.65, 106.56)],
}
INDUSTRY = ["精密机械", "环保设备", "电子科技", "食品", "制药", "汽车零部件", "新材料", "包装", "纺织", "物流"]
SUFFIX = ["有限公司", "股份有限公司", "制造有限公司"]
ROADS = ["科技路", "创业大道", "工业园路", "长江路", "黄河路", "建设大道", "金桥路", "高新大道"]
MODELS = [("数控车床 CK6150", 120), ("加工中心 VMC850", 90), ("污水提升泵 WQ50", 30),
          ("回流焊炉 RF-8", 60), ("空压机 GA37", 45), ("冷水机组 LSB-20", 70), ("注塑机 HT-260", 80),
          ("激光切割机 LC-3015", 100)]
PARTS = [("轴承 6205", "45.00"), ("主轴电机", "3200.00"), ("变频器 7.5kW", "1850.00"),
         ("机械密封", "260.00"), ("温控模块", "680.00"), ("加热管", "150.00"), ("滤芯", "85.50"),
         ("皮带 B-50", "38.00"), ("压缩机", "4200.00"), ("冷媒 R410A", "320.00"), ("PLC 模块", "2600.00"),
         ("传感器", "410.00"), ("继电器", "36.80"), ("液压油 20L", "540.00"), ("导轨滑块", "720.00"),
         ("伺服驱动器", "3900.00"), ("接触器", "128.00"), ("保险丝", "6.50"), ("密封圈套装", "58.00"),
         ("冷却风扇", "95.00")]
FAULTS = {
    "electrical": ["开机跳闸", "控制柜报警 E-203", "电机过热停机", "变频器报过流"],
    "mechanical": ["主轴异响，加工精度下降", "泵体漏水", "导轨卡滞", "皮带打滑"],
    "software": ["PLC 程序丢失", "触摸屏死机", "参数被误改后无法启动"],
    "installation": ["新设备安装调试", "搬迁后重新调试"],
    "maintenance": ["季度保养", "年度大保养", "更换易损件"],
}


def person() -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))


def write(name: str, header: list[str], rows: list[list[object]]) -> None:
    with (DATA / name).open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)


def main() -> None:
    DATA.mkdir(parents=True, exist_ok=True)
    customers = []
    for index in range(1, 61):
        region = rng.choice(list(CITIES))
        city, district, lat, lng = rng.choice(CITIES[region])
        name = f"{city}{rng.choice('华恒鑫东泰宏远达瑞安盛祥')}{rng.choice('通源力创联信佳诚')}{rng.choice(INDUSTRY)}{rng.choice(SUFFIX)}"
        location = f"{lat + rng.uniform(-0.1, 0.1):.6f},{lng + rng.uniform(-0.1, 0.1):.6f}"
        address = f"{district}{rng.choice(ROADS)} {rng.randint(1, 999)} 号"
        level = rng.choices(["vip", "key", "standard"], weights=[1, 2, 6])[0]
        phone = f"1{rng.choice('3589')}{rng.randint(0, 9)}{rng.randint(10000000, 99999999)}"
        customers.append(f"C-{index:05d}")
        write_row = [f"C-{index:05d}", name, level, person(), phone, region, address, location]
        customers[-1] = (customers[-1], write_row)
    write("customer.csv", ["number", "name", "level", "contact", "phone", "region", "address", "location"],
          [row for _, row in customers])

    equipment = []
    for index in range(1, 121):
        model, _ = rng.choice(MODELS)
        owner = rng.choice(customers)[0]
        installed = date(2022, 1, 1) + timedelta(days=rng.randint(0, 1400))
        warranty = installed + timedelta(days=365 * rng.choice((1, 2, 3)))
        serial = f"SN{installed:%y%m}{rng.randint(100000, 999999)}"
        equipment.append((f"EQ-{index:05d}", owner, model, serial, installed, warranty))
    write("equipment.csv", ["number", "model", "serial_no", "customer", "install_date", "warranty_end"],
          [[n, m, s, c, i.isoformat(), w.isoformat()] for n, c, m, s, i, w in equipment])

    write("spare_part.csv", ["number", "code", "name", "unit_price", "stock", "safety_stock"],
          [[f"SP-{i:04d}", f"P{1000 + i}", name, price, rng.randint(0, 60), rng.choice((5, 10, 20))]
           for i, (name, price) in enumerate(PARTS, start=1)])

    orders, rows = [], []
    per_day: dict[date, int] = {}
    start = datetime(2026, 8, 22, 8, 0)
    for _ in range(300):
        reported = start + timedelta(minutes=rng.randint(0, 90 * 24 * 60))
        if reported.hour < 8 or reported.hour > 19:
            reported = reported.replace(hour=rng.randint(8, 19))
        per_day[reported.date()] = per_day.get(reported.date(), 0) + 1
        number = f"WO-{reported:%Y%m%d}-{per_day[reported.date()]:04d}"
        unit = rng.choice(equipment)
        fault_type = rng.choices(list(FAULTS), weights=[4, 4, 2, 1, 2])[0]
        priority = rng.choices(["urgent", "high", "normal"], weights=[1, 3, 8])[0]
        reason = "产线停机，影响交付" if priority == "urgent" else ""
        appointment = reported + timedelta(hours=rng.choice((2, 4, 24, 48)))
        done = reported < datetime(2026, 11, 10)
        labor = Decimal(rng.choice(("0.00", "120.00", "200.00", "300.00", "450.00", "800.00")))
        satisfaction = rng.choices(["5", "4", "3", "2", "1"], weights=[10, 6, 2, 1, 1])[0] if done else ""
        resolution = "已更换故障件并试机正常" if done else ""
        orders.append([number, unit[1], unit[0], fault_type, priority, rng.choice(FAULTS[fault_type]),
                       reason, f"{appointment:%Y-%m-%d %H:%M}", labor if done else "", resolution,
                       satisfaction])
        if done and fault_type != "software":
            for _ in range(rng.choice((0, 1, 1, 2, 3))):
                index = rng.randrange(len(PARTS))
                rows.append([number, f"SP-{index + 1:04d}", PARTS[index][0], rng.randint(1, 4),
                             PARTS[index][1]])
    orders.sort(key=lambda row: row[0])
    write("work_order.csv", ["number", "customer", "equipment", "fault_type", "priority", "description",
                             "urgent_reason", "appointment_at", "labor_cost", "resolution",
                             "satisfaction"], orders)
    write("work_order.parts.csv", ["parent", "part", "part_name", "qty", "unit_price"], rows)


if __name__ == "__main__":
    main()
