"""Parse rule source text into a syntax tree (``nodes.Node``), enforcing the size limits.

The LALR parser is built once from ``grammar.lark`` (package data) and builds the tree
bottom-up through callbacks, so even hostile input never recurses in Python.
"""

from __future__ import annotations

from decimal import Decimal
from functools import cache
from importlib import resources
from typing import Any

from lark import Lark, Token, Transformer
from lark.exceptions import LarkError, UnexpectedCharacters, UnexpectedEOF, UnexpectedToken

from servicekit.runtime.rules import nodes as n
from servicekit.runtime.rules.errors import Problem, RuleError
from servicekit.runtime.rules.limits import (
    MAX_DEPTH,
    MAX_NODES,
    MAX_NUMBER_DIGITS,
    MAX_SOURCE_BYTES,
)

_COMPARE_OPS = {"==": "=", "<>": "!="}
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "\\": "\\", '"': '"', "'": "'"}


class _Abort(Exception):
    """Raised inside a parser callback to stop at the first limit or shape error."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(problem.message)
        self.problem = problem


def _span(items: list[Any]) -> dict[str, int]:
    first = next(i for i in items if i is not None)
    last = next(i for i in reversed(items) if i is not None)
    return {"line": first.line, "column": first.column, "end_column": last.end_column}


def _make(cls: type[n.Node], tokens: list[Any], kids: list[n.Node], **kwargs: Any) -> n.Node:
    size = 1 + sum(k.size for k in kids)
    depth = 1 + max((k.depth for k in kids), default=0)
    where = _span(tokens)
    if size > MAX_NODES:
        raise _Abort(Problem(f"the rule is too large (more than {MAX_NODES} parts)", **where))
    if depth > MAX_DEPTH:
        raise _Abort(
            Problem(f"the rule is nested too deeply (more than {MAX_DEPTH} levels)", **where)
        )
    return cls(**kwargs, **where, size=size, depth=depth)


def _decode(token: Token) -> str:
    body = str(token)[1:-1]
    out: list[str] = []
    i = 0
    while i < len(body):
        char = body[i]
        if char == "\\" and i + 1 < len(body):
            nxt = body[i + 1]
            if nxt == "u" and i + 6 <= len(body) and _is_hex(body[i + 2 : i + 6]):
                out.append(chr(int(body[i + 2 : i + 6], 16)))
                i += 6
                continue
            out.append(_ESCAPES.get(nxt, nxt))
            i += 2
            continue
        out.append(char)
        i += 1
    return "".join(out)


def _is_hex(text: str) -> bool:
    return all(c in "0123456789abcdefABCDEF" for c in text)


class _Builder(Transformer[Token, n.Node]):
    """Parser callbacks, one per grammar rule alias, each returning a syntax node."""

    def number(self, items: list[Token]) -> n.Node:
        token = items[0]
        if len(token) > MAX_NUMBER_DIGITS:
            raise _Abort(
                Problem(f"number has more than {MAX_NUMBER_DIGITS} digits", **_span(items))
            )
        return _make(n.Literal, items, [], value=Decimal(str(token)), kind="number")

    def string(self, items: list[Token]) -> n.Node:
        text = _decode(items[0])
        return _make(n.Literal, items, [], value=text or None, kind="text" if text else "null")

    def true(self, items: list[Token]) -> n.Node:
        return _make(n.Literal, items, [], value=True, kind="boolean")

    def false(self, items: list[Token]) -> n.Node:
        return _make(n.Literal, items, [], value=False, kind="boolean")

    def null(self, items: list[Token]) -> n.Node:
        return _make(n.Literal, items, [], value=None, kind="null")

    def name(self, items: list[Token]) -> n.Node:
        return _make(n.Name, items, [], name=str(items[0]))

    def label(self, items: list[Token]) -> n.Node:
        return _make(n.Label, items, [], text=str(items[0])[1:-1].strip())

    def user(self, items: list[Token]) -> n.Node:
        return _make(n.UserRef, items, [])

    def group(self, items: list[Any]) -> n.Node:
        inner: n.Node = items[1]
        # Parentheses do not add a node; the inner node keeps its own position.
        return inner

    def call(self, items: list[Any]) -> n.Node:
        args = tuple(i for i in items[2:-1] if isinstance(i, n.Node))
        return _make(n.Call, items, list(args), name=str(items[0]).upper(), args=args)

    def list_literal(self, items: list[Any]) -> n.Node:
        values = tuple(i for i in items[1:-1] if isinstance(i, n.Node))
        return _make(n.ListLiteral, items, list(values), items=values)

    def attr(self, items: list[Any]) -> n.Node:
        return _make(n.Attr, items, [items[0]], target=items[0], name=str(items[2]))

    def attr_label(self, items: list[Any]) -> n.Node:
        text = str(items[2])[1:-1].strip()
        return _make(n.Attr, items, [items[0]], target=items[0], name=text, label=True)

    def index(self, items: list[Any]) -> n.Node:
        return _make(n.Index, items, [items[0], items[2]], target=items[0], index=items[2])

    def negate(self, items: list[Any]) -> n.Node:
        return _make(n.Unary, items, [items[1]], op="-", operand=items[1])

    def not_op(self, items: list[Any]) -> n.Node:
        return _make(n.Unary, items, [items[1]], op="not", operand=items[1])

    def _chain(self, items: list[Any], lower: bool = False) -> n.Node:
        operands = tuple(items[0::2])
        ops = tuple(str(t).lower() if lower else str(t) for t in items[1::2])
        return _make(n.Chain, items, list(operands), ops=ops, operands=operands)

    def or_chain(self, items: list[Any]) -> n.Node:
        return self._chain(items, lower=True)

    def and_chain(self, items: list[Any]) -> n.Node:
        return self._chain(items, lower=True)

    def concat_chain(self, items: list[Any]) -> n.Node:
        return self._chain(items)

    def sum_chain(self, items: list[Any]) -> n.Node:
        return self._chain(items)

    def product_chain(self, items: list[Any]) -> n.Node:
        return self._chain(items)

    def comp_op(self, items: list[Token]) -> Token:
        text = " ".join(str(t).lower() for t in items)
        token = Token("COMP_OP", _COMPARE_OPS.get(text, text))
        token.line, token.column = items[0].line, items[0].column
        token.end_line, token.end_column = items[-1].end_line, items[-1].end_column
        return token

    def compare(self, items: list[Any]) -> n.Node:
        if len(items) > 3:
            op = items[3]
            raise _Abort(
                Problem(
                    "comparisons cannot be chained; combine them with 'and' "
                    "(write a < b and b < c)",
                    line=op.line,
                    column=op.column,
                    end_column=op.end_column,
                )
            )
        return _make(
            n.Compare, items, [items[0], items[2]], op=str(items[1]), left=items[0], right=items[2]
        )

    def is_null(self, items: list[Any]) -> n.Node:
        return _make(n.IsNull, items, [items[0]], operand=items[0], negated=False)

    def is_not_null(self, items: list[Any]) -> n.Node:
        return _make(n.IsNull, items, [items[0]], operand=items[0], negated=True)


@cache
def _parser() -> Lark:
    grammar = (
        resources.files("servicekit.runtime.rules")
        .joinpath("grammar.lark")
        .read_text(encoding="utf-8")
    )
    return Lark(
        grammar, parser="lalr", lexer="contextual", transformer=_Builder(), maybe_placeholders=True
    )


def _token_text(token: Token) -> str:
    return f"'{token}'" if token.type != "$END" else "the end"


def _syntax_problem(source: str, exc: LarkError) -> Problem:
    if isinstance(exc, UnexpectedCharacters):
        pos = exc.pos_in_stream or 0
        char = source[pos] if pos < len(source) else ""
        where = {"line": exc.line, "column": exc.column, "end_column": exc.column + 1}
        if char in "\"'":
            return Problem(f"unclosed text: add the closing {char} on the same line", **where)
        if char in "{":
            return Problem("unclosed field label: add the closing }", **where)
        return Problem(f"unexpected character {char!r}", **where)
    if isinstance(exc, UnexpectedToken):
        token = exc.token
        if token.type == "$END":
            line = source.count("\n") + 1
            column = len(source.rsplit("\n", 1)[-1]) + 1
            return Problem(
                "the rule ends too early: an operand is missing",
                line=line,
                column=column,
                end_column=column + 1,
            )
        column = token.column or 1
        end = token.end_column or column + 1
        return Problem(
            f"unexpected {_token_text(token)}: an operand is missing or misplaced",
            line=token.line or 1,
            column=column,
            end_column=end,
        )
    if isinstance(exc, UnexpectedEOF):
        return Problem("the rule ends too early: an operand is missing")
    return Problem("the rule cannot be read")


def parse(source: str) -> n.Node:
    """Parse ``source`` into a syntax tree or raise :class:`RuleError` with the position."""
    if not isinstance(source, str):
        raise RuleError("a rule must be text")
    if len(source.encode("utf-8", "surrogatepass")) > MAX_SOURCE_BYTES:
        raise RuleError(f"the rule is longer than {MAX_SOURCE_BYTES // 1024} KiB", source)
    if not source.strip():
        raise RuleError("the rule is empty", source)
    try:
        tree = _parser().parse(source)
    except _Abort as exc:
        raise RuleError([exc.problem], source) from None
    except LarkError as exc:
        inner = getattr(exc, "orig_exc", None)
        if isinstance(inner, _Abort):
            raise RuleError([inner.problem], source) from None
        raise RuleError([_syntax_problem(source, exc)], source) from None
    if not isinstance(tree, n.Node):
        raise RuleError("the rule cannot be read", source)
    return tree
