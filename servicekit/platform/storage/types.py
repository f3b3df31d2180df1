"""Column types for record tables, exact on SQLite and PostgreSQL alike."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import Numeric, String, TypeDecorator
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeEngine

DECIMAL_PRECISION = 28


class ExactDecimal(TypeDecorator[Decimal]):
    """An exact decimal: ``NUMERIC(28, scale)`` on PostgreSQL, canonical text on SQLite.

    SQLite has no exact decimal type (its NUMERIC affinity turns values into binary
    floats), so there the value is kept as text such as ``"3.50"``; the rule language
    registers SQL functions that compute on such text exactly.
    """

    impl = String(40)
    cache_ok = True

    def __init__(self, scale: int = 2) -> None:
        super().__init__()
        self.scale = scale

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(String(40))
        return dialect.type_descriptor(Numeric(DECIMAL_PRECISION, self.scale, asdecimal=True))

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if value is None or value == "":
            return None
        try:
            number = value if isinstance(value, Decimal) else Decimal(str(value))
        except InvalidOperation as exc:
            raise ValueError(f"not a decimal number: {value!r}") from exc
        quantized = number.quantize(Decimal(1).scaleb(-self.scale))
        return str(quantized) if dialect.name == "sqlite" else quantized

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        return Decimal(str(value)).quantize(Decimal(1).scaleb(-self.scale))
