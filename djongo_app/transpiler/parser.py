"""SQL text → parse tree.

sqlparse's lexer turns the text into tokens; a recursive-descent parser
over those tokens builds the frozen dataclasses of :mod:`.nodes`. sqlparse's
own grouping is not used: it leaves ``AND``/``OR``/``NOT``, ``IN`` and
``ESCAPE`` flat, and operator precedence is easier to get right in a small
grammar of our own::

    expr       := or
    or         := and ("OR" and)*
    and        := not ("AND" not)*
    not        := "NOT" not | predicate
    predicate  := sum [cmp sum | IS [NOT] NULL | [NOT] IN (...)
                       | [NOT] BETWEEN sum AND sum | [NOT] LIKE sum [ESCAPE s]
                       | [NOT] REGEXP sum]
    sum        := product (("+" | "-" | "||") product)*
    product    := unary (("*" | "/" | "%") unary)*
    unary      := "-" unary | primary
    primary    := "(" expr ")" | "(" select ")" | EXISTS "(" select ")"
                | CASE ... END | CAST "(" expr AS type ")" | name "(" args ")"
                | column | %s | literal
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from sqlparse import tokens as T
from sqlparse.lexer import Lexer

from ..errors import not_supported
from . import nodes as n
from .ddl import DropTable, parse_drop_table

# Token kinds the parser works with.
KEYWORD, NAME, QUOTED, PARAM, NUMBER, STRING, PUNCT, OP, STAR, END = (
    "keyword",
    "name",
    "quoted",
    "param",
    "number",
    "string",
    "punct",
    "op",
    "star",
    "end",
)

COMPARISON_OPS = {"=": "=", "==": "=", "<>": "<>", "!=": "<>"} | {
    op: op for op in ("<", "<=", ">", ">=")
}
# Words that end an expression; never read as a function name or an alias.
CLAUSE_WORDS = frozenset(
    {
        "FROM",
        "WHERE",
        "GROUP BY",
        "HAVING",
        "ORDER BY",
        "LIMIT",
        "OFFSET",
        "ON",
        "INNER JOIN",
        "LEFT OUTER JOIN",
        "LEFT JOIN",
        "JOIN",
        "RETURNING",
        "AND",
        "OR",
        "THEN",
        "ELSE",
        "END",
        "WHEN",
        "AS",
        "ASC",
        "DESC",
        "UNION",
        "UNION ALL",
        "INTERSECT",
        "EXCEPT",
        "SET",
        "VALUES",
        "NULLS FIRST",
        "NULLS LAST",
        "FOR UPDATE",
    }
)


EXPLAIN_VERBOSITIES = frozenset({"queryPlanner", "executionStats", "allPlansExecution"})
# Keywords that never name a column, even unquoted.
RESERVED_WORDS = CLAUSE_WORDS | {
    "SELECT",
    "DISTINCT",
    "IN",
    "IS",
    "NOT",
    "NULL",
    "LIKE",
    "BETWEEN",
    "CASE",
    "EXISTS",
    "INSERT",
    "UPDATE",
    "DELETE",
    "INTO",
    "JOIN",
    "FOR",
    "ESCAPE",
    "DEFAULT",
    "UNION",
}
COMPOUND_OPERATORS = ("UNION", "UNION ALL", "INTERSECT", "EXCEPT")

# LIKE patterns escape with a backslash unless an ESCAPE clause says
# otherwise (Django's prep_for_like_query() escapes this way).
LIKE_ESCAPE = "\\"

# Frame bounds (Parser.parse_frame_bound) besides the signed offsets.
UNBOUNDED_PRECEDING, UNBOUNDED_FOLLOWING = "UNBOUNDED PRECEDING", "UNBOUNDED FOLLOWING"
FRAME_EXCLUSIONS = frozenset({"CURRENT ROW", "GROUP", "TIES", "NO OTHERS"})

# Words of the grammar that the lexer reports as plain names when a
# parenthesis follows them.
NAME_KEYWORDS = frozenset({"EXISTS", "CAST", "CASE", "CURRENT_TIMESTAMP"})


@dataclass(frozen=True)
class Token:
    kind: str
    value: str
    # The text as written (keywords' values are normalised to upper case).
    raw: str = ""

    def is_keyword(self, *words: str) -> bool:
        return self.kind == KEYWORD and self.value in words

    def is_punct(self, char: str) -> bool:
        return self.kind == PUNCT and self.value == char


def _classify(ttype: object, value: str, sql: str) -> Token | None:
    if ttype in T.Whitespace or ttype in T.Comment or ttype in T.Newline:
        return None
    if ttype in T.Name.Placeholder:
        if value != "%s":
            raise not_supported(f"The placeholder {value!r}", sql)
        return Token(PARAM, value)
    if ttype in T.Literal.String.Symbol:
        _check_unambiguous(value, sql)
        return Token(QUOTED, value[1:-1].replace('""', '"'))
    if ttype in T.Literal.String.Single:
        _check_unambiguous(value, sql)
        return Token(STRING, value)
    if ttype in T.Literal.Number:
        return Token(NUMBER, value)
    if ttype in T.Keyword:
        return Token(KEYWORD, " ".join(value.upper().split()), value)
    if ttype in T.Name:
        # Unquoted names that are keywords in our grammar (sqlparse lexes
        # some of them as plain names).
        upper = value.upper()
        if upper in {"ILIKE", "REGEXP", "IREGEXP"}:
            return Token(OP, upper)
        if upper in NAME_KEYWORDS:
            return Token(KEYWORD, upper)
        return Token(NAME, value)
    if ttype in T.Wildcard:
        return Token(STAR, value)
    if ttype in T.Operator.Comparison:
        return Token(OP, " ".join(value.upper().split()))
    if ttype in T.Operator:
        return Token(OP, value)
    if ttype in T.Punctuation:
        return Token(PUNCT, value)
    # Anything else (an unterminated quote, a stray character, a string
    # form of another SQL dialect) is not guessed at.
    raise not_supported(f"The token {value!r}", sql)


def _check_unambiguous(value: str, sql: str) -> None:
    """Refuse a quoted name or string the lexer may have cut elsewhere.

    sqlparse reads a backslash before the closing quote as an escape, so
    ``'\\' AND x = '`` can come out as one string: a backslash followed
    by the quote character inside a token means the cut is a guess.
    """
    quote = value[0]
    if "\\" + quote in value[1:-1] or "\x00" in value:
        raise not_supported(f"The quoted text {value!r} (a backslash before a quote)", sql)


def tokenize(sql: str) -> list[Token]:
    """Return the significant tokens of ``sql``."""
    result: list[Token] = []
    for ttype, value in Lexer.get_default_instance().get_tokens(sql):
        token = _classify(ttype, value, sql)
        if token is None:
            continue
        # The lexer reads "a -1" as a negative number; make the minus an
        # operator when it follows an operand.
        if (
            token.kind == NUMBER
            and token.value.startswith("-")
            and result
            and _is_operand_end(result[-1])
        ):
            result.append(Token(OP, "-"))
            token = Token(NUMBER, token.value[1:])
        if token.kind == KEYWORD and token.value == ";":
            continue
        result.append(token)
    while result and result[-1].is_punct(";"):
        result.pop()
    result.append(Token(END, ""))
    return result


def _is_operand_end(token: Token) -> bool:
    return token.kind in {NAME, QUOTED, PARAM, NUMBER, STRING} or token.is_punct(")")


class Parser:
    """Parse one SQL statement; ``parse()`` returns its tree."""

    def __init__(self, sql: str, *, unescape_percent: bool = True):
        self.sql = sql
        self.tokens = tokenize(sql)
        self.pos = 0
        self.param_count = 0
        # With params, DB-API "format" style doubles a literal % as %%.
        self.unescape_percent = unescape_percent

    # Token helpers ---------------------------------------------------------

    @property
    def current(self) -> Token:
        return self.tokens[self.pos]

    def peek(self, offset: int = 1) -> Token:
        index = min(self.pos + offset, len(self.tokens) - 1)
        return self.tokens[index]

    def advance(self) -> Token:
        token = self.tokens[self.pos]
        if token.kind != END:
            self.pos += 1
        return token

    def accept_keyword(self, *words: str) -> str | None:
        if self.current.is_keyword(*words):
            return self.advance().value
        return None

    def expect_keyword(self, *words: str) -> str:
        word = self.accept_keyword(*words)
        if word is None:
            raise self.error(f"Expected {' or '.join(words)}")
        return word

    def accept_punct(self, char: str) -> bool:
        if self.current.is_punct(char):
            self.advance()
            return True
        return False

    def expect_punct(self, char: str) -> None:
        if not self.accept_punct(char):
            raise self.error(f"Expected {char!r}")

    def error(self, what: str) -> Exception:
        near = " ".join(t.value for t in self.tokens[self.pos : self.pos + 6])
        return not_supported(f"{what} near {near!r} (the SQL construct there)", self.sql)

    # Statements ------------------------------------------------------------

    def parse(self) -> n.Statement | DropTable:
        token = self.current
        statement: n.Statement | DropTable
        if token.is_keyword("EXPLAIN"):
            return self.parse_explain()
        if token.is_keyword("DROP") and self.pos == 0:
            statement = parse_drop_table(self)
        elif self.starts_query():
            statement = self.parse_query()
        elif token.is_keyword("INSERT", "INSERT OR IGNORE"):
            statement = self.parse_insert()
        elif token.is_keyword("UPDATE"):
            statement = self.parse_update()
        elif token.is_keyword("DELETE"):
            statement = self.parse_delete()
        elif token.kind == END:
            raise not_supported("An empty statement", self.sql)
        else:
            raise not_supported(f"The statement {token.value.upper()}", self.sql)
        if self.current.kind != END:
            raise self.error("Unexpected text")
        return statement

    def parse_explain(self) -> n.Explain:
        """``EXPLAIN [JSON] ['verbosity'] statement`` (operations.py's prefix)."""
        self.expect_keyword("EXPLAIN")
        as_json = self.accept_keyword("JSON") is not None
        verbosity = "queryPlanner"
        if self.current.kind == STRING:
            verbosity = self.parse_string_literal()
        if verbosity not in EXPLAIN_VERBOSITIES:
            raise not_supported(f"EXPLAIN verbosity {verbosity!r}", self.sql)
        statement = self.parse()
        if isinstance(statement, n.Explain):
            raise not_supported("EXPLAIN EXPLAIN", self.sql)
        return n.Explain(statement, verbosity, as_json)

    def parse_query(self) -> n.Query:
        """Parse a SELECT or a compound of SELECTs (UNION, INTERSECT, EXCEPT)."""
        first, parenthesized = self.parse_query_part()
        if not self.current.is_keyword(*COMPOUND_OPERATORS):
            if parenthesized and self.current.is_keyword("ORDER BY", "LIMIT", "OFFSET"):
                # (SELECT ...) LIMIT n: one part of a compound whose other
                # parts were empty.
                order_by, limit, offset = self.parse_order_limit()
                return n.Compound("UNION ALL", (first,), order_by, limit, offset)
            return first
        parts: list[n.Query] = [first]
        operator = None
        parenthesized = False
        while self.current.is_keyword(*COMPOUND_OPERATORS):
            word = self.advance().value
            if operator is not None and word != operator:
                raise not_supported(f"Mixing {operator} and {word}", self.sql)
            operator = word
            part, parenthesized = self.parse_query_part()
            parts.append(part)
        order_by: tuple[n.OrderItem, ...] = ()
        limit: int | None = None
        offset = 0
        last = parts[-1]
        if not parenthesized and isinstance(last, n.Select):
            # Django writes no ORDER BY or LIMIT inside the parts of a
            # compound here; the ones after the last part apply to it all.
            order_by, limit, offset = last.order_by, last.limit, last.offset
            parts[-1] = replace(last, order_by=(), limit=None, offset=0)
        else:
            order_by, limit, offset = self.parse_order_limit()
        assert operator is not None
        return n.Compound(operator, tuple(parts), order_by, limit, offset)

    def starts_query(self) -> bool:
        """Return True when a query starts here: SELECT or ( ... ( SELECT."""
        offset = 0
        while self.peek(offset).is_punct("("):
            offset += 1
        return self.peek(offset).is_keyword("SELECT")

    def parse_query_part(self) -> tuple[n.Query, bool]:
        if self.current.is_punct("(") and self.starts_query():
            self.advance()
            query = self.parse_query()
            self.expect_punct(")")
            return query, True
        return self.parse_select(), False

    def parse_order_limit(self) -> tuple[tuple[n.OrderItem, ...], int | None, int]:
        order_by: list[n.OrderItem] = []
        if self.accept_keyword("ORDER BY"):
            order_by.append(self.parse_order_item())
            while self.accept_punct(","):
                order_by.append(self.parse_order_item())
        limit: int | None = None
        offset = 0
        if self.accept_keyword("LIMIT"):
            limit = self.parse_int()
        if self.accept_keyword("OFFSET"):
            offset = self.parse_int()
        return tuple(order_by), limit, offset

    def parse_select(self) -> n.Select:
        self.expect_keyword("SELECT")
        distinct = self.accept_keyword("DISTINCT") is not None
        items = [self.parse_select_item()]
        while self.accept_punct(","):
            items.append(self.parse_select_item())
        source: n.Table | n.SubqueryTable | None = None
        joins: list[n.Join] = []
        if self.accept_keyword("FROM"):
            source = self.parse_source()
            if self.current.is_punct(","):
                raise self.error("A comma join (several tables in FROM)")
            while self.current.is_keyword(
                "INNER JOIN", "JOIN", "LEFT OUTER JOIN", "LEFT JOIN", "CROSS JOIN"
            ):
                joins.append(self.parse_join())
        where = self.parse_expr() if self.accept_keyword("WHERE") else None
        group_by: list[n.Expr] = []
        if self.accept_keyword("GROUP BY"):
            group_by.append(self.parse_expr())
            while self.accept_punct(","):
                group_by.append(self.parse_expr())
        having = self.parse_expr() if self.accept_keyword("HAVING") else None
        order_by, limit, offset = self.parse_order_limit()
        if self.accept_keyword("FOR"):
            # SELECT ... FOR UPDATE reads in the transaction's snapshot and
            # takes no lock: MongoDB detects a concurrent write to the same
            # document at write time (a write conflict), so no update is
            # lost. NOWAIT, SKIP LOCKED and OF are refused by Django itself.
            if not self.accept_keyword("UPDATE"):
                raise self.error("FOR without UPDATE")
            if self.current.kind != END and not self.current.is_punct(")"):
                modifier = " ".join(t.value for t in self.tokens[self.pos : self.pos + 2])
                raise not_supported(f"SELECT ... FOR UPDATE {modifier}", self.sql)
        return n.Select(
            items=tuple(items),
            source=source,
            joins=tuple(joins),
            where=where,
            group_by=tuple(group_by),
            having=having,
            order_by=order_by,
            limit=limit,
            offset=offset,
            distinct=distinct,
        )

    def parse_int(self) -> int:
        token = self.current
        if token.kind != NUMBER or not token.value.isdigit():
            raise self.error("Expected a whole number")
        self.advance()
        return int(token.value)

    def parse_select_item(self) -> n.SelectItem:
        expr = self.parse_expr()
        alias = None
        if self.accept_keyword("AS"):
            # After AS any word is a name, even a keyword ("AS last").
            token = self.current
            if token.kind == KEYWORD and token.raw and " " not in token.value:
                self.advance()
                alias = token.raw
            else:
                alias = self.parse_name()
        elif self.current.kind in {QUOTED, NAME}:
            alias = self.parse_name()
        return n.SelectItem(expr, alias)

    def parse_name(self) -> str:
        token = self.advance()
        if token.kind not in {QUOTED, NAME}:
            raise self.error("Expected a name")
        return token.value

    def parse_source(self) -> n.Table | n.SubqueryTable:
        if self.accept_punct("("):
            query = self.parse_query()
            self.expect_punct(")")
            self.accept_keyword("AS")
            return n.SubqueryTable(query, self.parse_name())
        name = self.parse_name()
        alias = name
        if self.accept_keyword("AS") or self.current.kind in {QUOTED, NAME}:
            alias = self.parse_name()
        return n.Table(name, alias)

    def parse_join(self) -> n.Join:
        word = self.advance().value
        if word == "CROSS JOIN":
            raise not_supported("CROSS JOIN", self.sql)
        kind = "LEFT" if word.startswith("LEFT") else "INNER"
        table = self.parse_source()
        if isinstance(table, n.SubqueryTable):
            raise not_supported("A JOIN on a subquery", self.sql)
        self.expect_keyword("ON")
        return n.Join(kind, table, self.parse_expr())

    def parse_order_item(self) -> n.OrderItem:
        expr = self.parse_expr()
        descending = self.accept_keyword("DESC") is not None
        if not descending:
            self.accept_keyword("ASC")
        if self.current.is_keyword("NULLS FIRST", "NULLS LAST"):
            raise not_supported(f"ORDER BY ... {self.current.value}", self.sql)
        return n.OrderItem(expr, descending)

    def parse_insert(self) -> n.Insert:
        ignore = self.advance().value == "INSERT OR IGNORE"
        if self.accept_keyword("OR"):
            # SQLite's INSERT OR IGNORE: ON CONFLICT DO NOTHING.
            self.expect_word("IGNORE")
            ignore = True
        self.expect_keyword("INTO")
        table = self.parse_name()
        columns: list[str] = []
        if self.accept_punct("("):
            columns.append(self.parse_name())
            while self.accept_punct(","):
                columns.append(self.parse_name())
            self.expect_punct(")")
        rows: list[tuple[n.Expr, ...]] = []
        if self.accept_keyword("DEFAULT VALUES"):
            rows.append(())
        else:
            self.expect_keyword("VALUES")
            rows.append(self.parse_values_row(len(columns)))
            while self.accept_punct(","):
                rows.append(self.parse_values_row(len(columns)))
        on_conflict = n.OnConflict() if ignore else None
        if self.accept_keyword("ON"):
            on_conflict = self.parse_on_conflict()
        returning: list[str] = []
        if self.accept_keyword("RETURNING"):
            returning.append(self.parse_column_name())
            while self.accept_punct(","):
                returning.append(self.parse_column_name())
        return n.Insert(table, tuple(columns), tuple(rows), tuple(returning), on_conflict)

    def parse_on_conflict(self) -> n.OnConflict:
        """``ON CONFLICT [(column, ...)] DO NOTHING`` or ``... DO UPDATE SET
        column = EXCLUDED.column, ...`` (what operations.py's
        on_conflict_suffix_sql() writes); other updates are refused."""
        self.expect_word("CONFLICT")
        target: list[str] = []
        if self.accept_punct("("):
            target.append(self.parse_name())
            while self.accept_punct(","):
                target.append(self.parse_name())
            self.expect_punct(")")
        self.expect_word("DO")
        if self.accept_word("NOTHING"):
            return n.OnConflict(tuple(target))
        self.expect_keyword("UPDATE")
        self.expect_keyword("SET")
        update = [self.parse_excluded_assignment()]
        while self.accept_punct(","):
            update.append(self.parse_excluded_assignment())
        return n.OnConflict(tuple(target), tuple(update))

    def parse_excluded_assignment(self) -> str:
        column = self.parse_name()
        start = self.pos
        if (
            self.advance().value == "="
            and self.accept_word("EXCLUDED")
            and self.accept_punct(".")
            and self.parse_name() == column
        ):
            return column
        self.pos = start
        raise self.error("ON CONFLICT DO UPDATE with a value other than EXCLUDED.<the column>")

    def accept_word(self, word: str) -> bool:
        """Accept ``word`` whether the lexer made it a keyword or a name."""
        if self.current.kind in {KEYWORD, NAME} and self.current.value.upper() == word:
            self.advance()
            return True
        return False

    def expect_word(self, word: str) -> None:
        if not self.accept_word(word):
            raise self.error(f"Expected {word}")

    def parse_values_row(self, width: int) -> tuple[n.Expr, ...]:
        self.expect_punct("(")
        values = [self.parse_value_or_default()]
        while self.accept_punct(","):
            values.append(self.parse_value_or_default())
        self.expect_punct(")")
        if len(values) != width:
            raise self.error("A VALUES row of the wrong width")
        return tuple(values)

    def parse_value_or_default(self) -> n.Expr:
        if self.accept_keyword("DEFAULT"):
            return n.Default()
        return self.parse_expr()

    def parse_column_name(self) -> str:
        column = self.parse_primary()
        if not isinstance(column, n.Column):
            raise self.error("Expected a column")
        return column.name

    def parse_update(self) -> n.Update:
        self.expect_keyword("UPDATE")
        table = self.parse_name()
        self.expect_keyword("SET")
        assignments = [self.parse_assignment()]
        while self.accept_punct(","):
            assignments.append(self.parse_assignment())
        where = self.parse_expr() if self.accept_keyword("WHERE") else None
        return n.Update(table, tuple(assignments), where)

    def parse_assignment(self) -> n.Assignment:
        column = self.parse_column_name()
        if self.advance().value not in {"=", "=="}:
            raise self.error("Expected '=' in SET")
        return n.Assignment(column, self.parse_value_or_default())

    def parse_delete(self) -> n.Delete:
        self.expect_keyword("DELETE")
        self.expect_keyword("FROM")
        table = self.parse_name()
        where = self.parse_expr() if self.accept_keyword("WHERE") else None
        return n.Delete(table, where)

    # Expressions ------------------------------------------------------------

    def parse_expr(self) -> n.Expr:
        return self.parse_or()

    def parse_or(self) -> n.Expr:
        items = [self.parse_and()]
        while self.accept_keyword("OR"):
            items.append(self.parse_and())
        return items[0] if len(items) == 1 else n.Or(_flatten(n.Or, items))

    def parse_and(self) -> n.Expr:
        items = [self.parse_not()]
        while self.accept_keyword("AND"):
            items.append(self.parse_not())
        return items[0] if len(items) == 1 else n.And(_flatten(n.And, items))

    def parse_not(self) -> n.Expr:
        if self.current.is_keyword("NOT") and not self.peek().is_keyword("EXISTS"):
            self.advance()
            return n.Not(self.parse_not())
        return self.parse_predicate()

    def parse_predicate(self) -> n.Expr:
        left = self.parse_sum()
        token = self.current
        if token.kind == OP and token.value in COMPARISON_OPS:
            self.advance()
            return n.Comparison(COMPARISON_OPS[token.value], left, self.parse_sum())
        if token.is_keyword("IS"):
            self.advance()
            if self.accept_keyword("NOT NULL"):
                return n.IsNull(left, negated=True)
            negated = self.accept_keyword("NOT") is not None
            self.expect_keyword("NULL")
            return n.IsNull(left, negated)
        negated = False
        if token.is_keyword("NOT") or (token.kind == OP and token.value == "NOT"):
            negated = True
            self.advance()
            token = self.current
        if token.is_keyword("IN"):
            self.advance()
            return self.parse_in(left, negated)
        if token.is_keyword("BETWEEN"):
            self.advance()
            low = self.parse_sum()
            self.expect_keyword("AND")
            return n.Between(left, low, self.parse_sum(), negated)
        if token.kind in {OP, KEYWORD} and token.value in {"LIKE", "ILIKE"}:
            self.advance()
            pattern = self.parse_sum()
            escape = LIKE_ESCAPE
            if self.accept_keyword("ESCAPE"):
                escape = self.parse_string_literal()
            return n.Like(left, pattern, token.value == "ILIKE", escape, negated)
        if token.kind in {OP, KEYWORD} and token.value in {"REGEXP", "IREGEXP"}:
            self.advance()
            pattern = self.parse_sum()
            return n.Regex(left, pattern, token.value == "IREGEXP", negated)
        if token.kind == OP and token.value in {"NOT LIKE", "NOT ILIKE"}:
            self.advance()
            pattern = self.parse_sum()
            escape = self.parse_string_literal() if self.accept_keyword("ESCAPE") else LIKE_ESCAPE
            return n.Like(left, pattern, "ILIKE" in token.value, escape, True)
        if negated:
            raise self.error("NOT in an unexpected place")
        return left

    def parse_in(self, left: n.Expr, negated: bool) -> n.Expr:
        self.expect_punct("(")
        if self.starts_query():
            query = self.parse_query()
            self.expect_punct(")")
            return n.InSubquery(left, query, negated)
        items = [self.parse_expr()]
        while self.accept_punct(","):
            items.append(self.parse_expr())
        self.expect_punct(")")
        return n.InList(left, tuple(items), negated)

    def parse_string_literal(self) -> str:
        token = self.advance()
        if token.kind != STRING:
            raise self.error("Expected a string")
        return self._string_value(token.value)

    def _string_value(self, raw: str) -> str:
        value = raw[1:-1].replace("''", "'")
        if self.unescape_percent:
            value = value.replace("%%", "%")
        return value

    def parse_sum(self) -> n.Expr:
        left = self.parse_product()
        while self.current.kind == OP and self.current.value in {"+", "-", "||"}:
            op = self.advance().value
            left = n.BinaryOp(op, left, self.parse_product())
        return left

    def parse_product(self) -> n.Expr:
        left = self.parse_unary()
        while (
            self.current.kind == OP and self.current.value in {"/", "%", "*"}
        ) or self.current.kind == STAR:
            op = self.advance().value
            left = n.BinaryOp(op, left, self.parse_unary())
        return left

    def parse_unary(self) -> n.Expr:
        if self.current.kind == OP and self.current.value == "-":
            self.advance()
            return n.Negate(self.parse_unary())
        if self.current.kind == OP and self.current.value == "+":
            self.advance()
            return self.parse_unary()
        return self.parse_primary()

    def parse_primary(self) -> n.Expr:
        token = self.current
        if token.kind == PARAM:
            self.advance()
            param = n.Param(self.param_count)
            self.param_count += 1
            return param
        if token.kind == NUMBER:
            self.advance()
            text = token.value
            try:
                return n.Literal(int(text) if text.lstrip("-").isdigit() else float(text))
            except ValueError:
                raise self.error(f"The number {text}") from None
        if token.kind == STRING:
            self.advance()
            return n.Literal(self._string_value(token.value))
        if token.kind == STAR:
            self.advance()
            return n.Star()
        if token.is_punct("("):
            self.advance()
            if self.starts_query():
                start, params = self.pos, self.param_count
                query = self.parse_query()
                if self.accept_punct(")"):
                    return n.ScalarSubquery(query)
                # "((SELECT ...) = %s)": the subquery was an operand of an
                # expression in parentheses; read it again as one.
                self.pos, self.param_count = start, params
            expr = self.parse_expr()
            if self.current.is_punct(","):
                raise self.error("A row value (a, b)")
            self.expect_punct(")")
            return expr
        if token.kind == KEYWORD:
            return self.parse_keyword_primary(token)
        if token.kind in {QUOTED, NAME}:
            if token.kind == NAME and self.peek().is_punct("("):
                return self.parse_function(token.value)
            return self.parse_column()
        raise self.error("Unexpected token")

    def parse_keyword_primary(self, token: Token) -> n.Expr:
        word = token.value
        if word == "NULL":
            self.advance()
            return n.Literal(None)
        if word == "CURRENT_TIMESTAMP":
            self.advance()
            return n.Func("NOW")
        if word in {"TRUE", "FALSE"}:
            self.advance()
            return n.Literal(word == "TRUE")
        if word in {"EXISTS", "NOT"}:
            negated = self.accept_keyword("NOT") is not None
            self.expect_keyword("EXISTS")
            self.expect_punct("(")
            query = self.parse_query()
            self.expect_punct(")")
            return n.Exists(query, negated)
        if word == "CASE":
            return self.parse_case()
        if word == "CAST":
            self.advance()
            self.expect_punct("(")
            expr = self.parse_expr()
            self.expect_keyword("AS")
            type_name = self.parse_type_name()
            self.expect_punct(")")
            return n.Cast(expr, type_name)
        if word not in CLAUSE_WORDS and self.peek().is_punct("("):
            return self.parse_function(word)
        if word not in RESERVED_WORDS and " " not in word and token.raw:
            # A non-reserved keyword used as a bare column name (raw SQL).
            self.advance()
            return n.Column(token.raw)
        raise self.error(f"The keyword {word}")

    def parse_type_name(self) -> str:
        parts = []
        depth = 0
        while not (depth == 0 and self.current.is_punct(")")):
            token = self.advance()
            if token.kind == END:
                raise self.error("Unterminated CAST")
            depth += token.is_punct("(") - token.is_punct(")")
            parts.append(token.value)
        return " ".join(parts).upper()

    def parse_case(self) -> n.Expr:
        self.expect_keyword("CASE")
        if not self.current.is_keyword("WHEN"):
            raise self.error("CASE with an operand (simple CASE)")
        whens = []
        while self.accept_keyword("WHEN"):
            condition = self.parse_expr()
            self.expect_keyword("THEN")
            whens.append(n.When(condition, self.parse_expr()))
        default = self.parse_expr() if self.accept_keyword("ELSE") else None
        self.expect_keyword("END")
        return n.Case(tuple(whens), default)

    def parse_function(self, name: str) -> n.Expr:
        self.advance()
        self.expect_punct("(")
        distinct = self.accept_keyword("DISTINCT") is not None
        args: list[n.Expr] = []
        if not self.current.is_punct(")"):
            args.append(self.parse_expr())
            while self.accept_punct(","):
                args.append(self.parse_expr())
        self.expect_punct(")")
        func = n.Func(name.upper(), tuple(args), distinct)
        if self.current.is_keyword("OVER"):
            return self.parse_over(func)
        return func

    def parse_over(self, func: n.Func) -> n.Window:
        """``OVER ([PARTITION BY e, ...] [ORDER BY o, ...] [frame])``."""
        self.expect_keyword("OVER")
        self.expect_punct("(")
        partition_by: list[n.Expr] = []
        if self.accept_keyword("PARTITION"):
            self.expect_keyword("BY")
            partition_by.append(self.parse_expr())
            while self.accept_punct(","):
                partition_by.append(self.parse_expr())
        order_by: list[n.OrderItem] = []
        if self.accept_keyword("ORDER BY"):
            order_by.append(self.parse_order_item())
            while self.accept_punct(","):
                order_by.append(self.parse_order_item())
        frame = None
        unit = self.accept_keyword("ROWS", "RANGE")
        if unit is not None:
            frame = self.parse_frame(unit)
        elif not self.current.is_punct(")"):
            raise self.error("A window clause")
        self.expect_punct(")")
        return n.Window(func, tuple(partition_by), tuple(order_by), frame)

    def parse_frame(self, unit: str) -> n.Frame:
        if self.accept_keyword("BETWEEN"):
            start = self.parse_frame_bound()
            self.expect_keyword("AND")
            end = self.parse_frame_bound()
        else:
            # "ROWS n PRECEDING" is short for "BETWEEN n PRECEDING AND
            # CURRENT ROW".
            start, end = self.parse_frame_bound(), 0
        if start == UNBOUNDED_FOLLOWING or end == UNBOUNDED_PRECEDING:
            raise self.error("A frame bound on the wrong side")
        exclusion = None
        if self.current.kind == NAME and self.current.value.upper() == "EXCLUDE":
            self.advance()
            words = []
            while not self.current.is_punct(")") and self.current.kind != END:
                words.append(self.advance().value.upper())
            exclusion = " ".join(words)
            if exclusion not in FRAME_EXCLUSIONS:
                raise self.error(f"EXCLUDE {exclusion}")
        return n.Frame(
            unit,
            None if start == UNBOUNDED_PRECEDING else start,
            None if end == UNBOUNDED_FOLLOWING else end,
            exclusion,
        )

    def parse_frame_bound(self) -> int | str:
        """Return a bound as a signed offset (0 for CURRENT ROW) or one of
        the UNBOUNDED markers."""
        if self.accept_keyword("UNBOUNDED"):
            side = self.expect_keyword("PRECEDING", "FOLLOWING")
            return UNBOUNDED_PRECEDING if side == "PRECEDING" else UNBOUNDED_FOLLOWING
        if self.accept_keyword("CURRENT"):
            self.expect_keyword("ROW")
            return 0
        offset = self.parse_int()
        side = self.expect_keyword("PRECEDING", "FOLLOWING")
        return -offset if side == "PRECEDING" else offset

    def parse_column(self) -> n.Column:
        first = self.advance().value
        if self.accept_punct("."):
            second = self.advance()
            if second.kind == STAR:
                raise not_supported("SELECT table.*", self.sql)
            if second.kind not in {QUOTED, NAME}:
                raise self.error("Expected a column name")
            return n.Column(second.value, first)
        return n.Column(first)


def _flatten(kind: type[n.And] | type[n.Or], items: list[n.Expr]) -> tuple[n.Expr, ...]:
    flat: list[n.Expr] = []
    for item in items:
        if isinstance(item, kind):
            flat.extend(item.items)
        else:
            flat.append(item)
    return tuple(flat)


def parse(sql: str, *, unescape_percent: bool = True) -> n.Statement | DropTable:
    """Return the parse tree of one SQL statement.

    Raise NotSupportedError naming the construct for SQL outside the
    dialect that djongo_app's DatabaseOperations makes Django emit.
    """
    return parse_statement(sql, unescape_percent=unescape_percent)[0]


def parse_statement(sql: str, *, unescape_percent: bool = True) -> tuple[n.Statement, int]:
    """Return the parse tree of one SQL statement and its number of ``%s``
    placeholders (see :func:`parse`)."""
    reader = Parser(sql, unescape_percent=unescape_percent)
    statement = reader.parse()
    return statement, reader.param_count
