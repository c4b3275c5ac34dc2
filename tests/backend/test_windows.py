"""Window functions against the server (issue 16).

The books, ordered by pages then title, with ties on pages (e/f at 50,
b/c at 200) and NULL ratings (f, c)::

    title  e    f    a    b    c    d    g
    author bob  bob  ann  ann  ann  ann  bob
    pages  50   50   100  200  200  300  400
    rating 5.0  -    4.0  4.0  -    2.0  1.0
"""

import statistics

from django.db import NotSupportedError
from django.db.models import (
    Avg,
    Count,
    F,
    Max,
    Min,
    Q,
    RowRange,
    StdDev,
    Sum,
    Value,
    ValueRange,
    Variance,
    Window,
    WindowFrameExclusion,
)
from django.db.models.functions import (
    CumeDist,
    DenseRank,
    FirstValue,
    Lag,
    LastValue,
    Lead,
    NthValue,
    Ntile,
    PercentRank,
    Rank,
    RowNumber,
)
from django.test import TestCase

from djongo_app.testing import CaptureCommands
from tests.testapp.models import Author, Book

BOOKS = [
    ("a", "ann", 100, 4.0),
    ("b", "ann", 200, 4.0),
    ("c", "ann", 200, None),
    ("d", "ann", 300, 2.0),
    ("e", "bob", 50, 5.0),
    ("f", "bob", 50, None),
    ("g", "bob", 400, 1.0),
]
TOTAL = ["pages", "title"]


class WindowTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        authors = {name: Author.objects.create(name=name) for name in ("ann", "bob")}
        for title, author, pages, rating in BOOKS:
            Book.objects.create(title=title, author=authors[author], pages=pages, rating=rating)

    def window(self, expression, **options):
        """Return {title: value} of ``Window(expression, **options)``."""
        rows = Book.objects.annotate(w=Window(expression, **options)).values_list("title", "w")
        return dict(rows)

    def test_ranking_ties_share_a_rank(self):
        self.assertEqual(
            self.window(Rank(), order_by="pages"),
            {"e": 1, "f": 1, "a": 3, "b": 4, "c": 4, "d": 6, "g": 7},
        )
        self.assertEqual(
            self.window(DenseRank(), order_by="pages"),
            {"e": 1, "f": 1, "a": 2, "b": 3, "c": 3, "d": 4, "g": 5},
        )
        self.assertEqual(
            self.window(RowNumber(), order_by=TOTAL),
            {"e": 1, "f": 2, "a": 3, "b": 4, "c": 5, "d": 6, "g": 7},
        )

    def test_ranking_partitioned(self):
        self.assertEqual(
            self.window(Rank(), partition_by="author", order_by="pages"),
            {"a": 1, "b": 2, "c": 2, "d": 4, "e": 1, "f": 1, "g": 3},
        )
        self.assertEqual(
            self.window(DenseRank(), partition_by=F("author"), order_by=F("pages").desc()),
            {"d": 1, "b": 2, "c": 2, "a": 3, "g": 1, "e": 2, "f": 2},
        )

    def test_ranking_with_several_keys_and_nulls(self):
        # NULL ratings sort first ascending; nulls_last moves them.
        self.assertEqual(
            self.window(Rank(), order_by=[F("rating").asc(nulls_last=True), "pages"]),
            {"g": 1, "d": 2, "a": 3, "b": 4, "e": 5, "f": 6, "c": 7},
        )
        self.assertEqual(
            self.window(Rank(), order_by=F("rating").desc()),
            {"e": 1, "a": 2, "b": 2, "d": 4, "g": 5, "c": 6, "f": 6},
        )

    def test_percent_rank_and_cume_dist(self):
        self.assertEqual(
            self.window(PercentRank(), order_by="pages"),
            {"e": 0, "f": 0, "a": 2 / 6, "b": 3 / 6, "c": 3 / 6, "d": 5 / 6, "g": 1},
        )
        self.assertEqual(
            self.window(CumeDist(), order_by="pages"),
            {"e": 2 / 7, "f": 2 / 7, "a": 3 / 7, "b": 5 / 7, "c": 5 / 7, "d": 6 / 7, "g": 1},
        )
        self.assertEqual(
            self.window(PercentRank(), partition_by="author", order_by="pages"),
            {"a": 0, "b": 1 / 3, "c": 1 / 3, "d": 1, "e": 0, "f": 0, "g": 1},
        )

    def test_ntile_gives_the_first_buckets_one_row_more(self):
        self.assertEqual(
            self.window(Ntile(3), order_by=TOTAL),
            {"e": 1, "f": 1, "a": 1, "b": 2, "c": 2, "d": 3, "g": 3},
        )
        self.assertEqual(
            self.window(Ntile(5), partition_by="author", order_by=TOTAL),
            {"a": 1, "b": 2, "c": 3, "d": 4, "e": 1, "f": 2, "g": 3},
        )

    def test_lag_and_lead(self):
        self.assertEqual(
            self.window(Lag("title"), order_by=TOTAL),
            {"e": None, "f": "e", "a": "f", "b": "a", "c": "b", "d": "c", "g": "d"},
        )
        self.assertEqual(
            self.window(Lag("pages", 2, default=-1), order_by=TOTAL),
            {"e": -1, "f": -1, "a": 50, "b": 50, "c": 100, "d": 200, "g": 200},
        )
        self.assertEqual(
            self.window(Lead("title", default=Value("-")), partition_by="author", order_by=TOTAL),
            {"a": "b", "b": "c", "c": "d", "d": "-", "e": "f", "f": "g", "g": "-"},
        )
        # A default that is a column of the row.
        self.assertEqual(
            self.window(Lead("pages", 3, default=F("pages") * 10), order_by=TOTAL),
            {"e": 200, "f": 200, "a": 300, "b": 400, "c": 2000, "d": 3000, "g": 4000},
        )

    def test_first_last_and_nth_value(self):
        self.assertEqual(
            self.window(FirstValue("title"), partition_by="author", order_by=TOTAL),
            {"a": "a", "b": "a", "c": "a", "d": "a", "e": "e", "f": "e", "g": "e"},
        )
        self.assertEqual(
            self.window(LastValue("title"), order_by=TOTAL, frame=RowRange(end=1)),
            {"e": "f", "f": "a", "a": "b", "b": "c", "c": "d", "d": "g", "g": "g"},
        )
        # The default frame ends at the row's last peer: NULL while the
        # frame holds one row.
        self.assertEqual(
            self.window(NthValue("title", 2), order_by=TOTAL),
            {"e": None, "f": "f", "a": "f", "b": "f", "c": "f", "d": "f", "g": "f"},
        )
        self.assertEqual(
            self.window(NthValue("title", 2), order_by="pages"),
            {"e": "f", "f": "f", "a": "f", "b": "f", "c": "f", "d": "f", "g": "f"},
        )

    def test_aggregates_over_rows_frames(self):
        self.assertEqual(
            self.window(Sum("pages"), order_by=TOTAL, frame=RowRange(-1, 1)),
            {"e": 100, "f": 200, "a": 350, "b": 500, "c": 700, "d": 900, "g": 700},
        )
        # Frames after the row; NULL over an empty frame or no value.
        self.assertEqual(
            self.window(Sum("rating"), order_by=TOTAL, frame=RowRange(1, 2)),
            {"e": 4.0, "f": 8.0, "a": 4.0, "b": 2.0, "c": 3.0, "d": 1.0, "g": None},
        )
        self.assertEqual(
            self.window(Count("rating"), order_by=TOTAL, frame=RowRange(1, 2)),
            {"e": 1, "f": 2, "a": 1, "b": 1, "c": 2, "d": 1, "g": 0},
        )
        self.assertEqual(
            self.window(Max("rating"), order_by=TOTAL, frame=RowRange(-2, -1)),
            {"e": None, "f": 5.0, "a": 5.0, "b": 4.0, "c": 4.0, "d": 4.0, "g": 2.0},
        )

    def test_aggregates_over_range_frames_include_peers(self):
        # The default frame with ORDER BY: up to the row's last peer.
        self.assertEqual(
            self.window(Sum("pages"), order_by="pages"),
            {"e": 100, "f": 100, "a": 200, "b": 600, "c": 600, "d": 900, "g": 1300},
        )
        self.assertEqual(
            self.window(Sum("pages"), order_by="pages", frame=ValueRange(0, 0)),
            {"e": 100, "f": 100, "a": 100, "b": 400, "c": 400, "d": 300, "g": 400},
        )
        self.assertEqual(
            self.window(Sum("pages"), order_by="pages", frame=ValueRange(start=0)),
            {"e": 1300, "f": 1300, "a": 1200, "b": 1100, "c": 1100, "d": 700, "g": 400},
        )
        self.assertEqual(
            self.window(Count("*"), partition_by="author", order_by="pages", frame=ValueRange()),
            {"a": 4, "b": 4, "c": 4, "d": 4, "e": 3, "f": 3, "g": 3},
        )

    def test_range_frames_with_offsets(self):
        self.assertEqual(
            self.window(Sum("pages"), order_by="pages", frame=ValueRange(-100, 50)),
            {"e": 200, "f": 200, "a": 200, "b": 500, "c": 500, "d": 700, "g": 700},
        )
        # Descending: PRECEDING rows hold larger values.
        self.assertEqual(
            self.window(Sum("pages"), order_by="-pages", frame=ValueRange(-100, 0)),
            {"e": 200, "f": 200, "a": 500, "b": 700, "c": 700, "d": 700, "g": 400},
        )
        # A NULL key's frame is its NULL peers; a number's never holds one.
        self.assertEqual(
            self.window(Count("*"), order_by="rating", frame=ValueRange(-1, 1)),
            {"e": 3, "f": 2, "a": 3, "b": 3, "c": 2, "d": 2, "g": 2},
        )
        self.assertEqual(
            self.window(Count("*"), order_by=F("rating").desc(), frame=ValueRange(start=-1)),
            {"e": 7, "a": 7, "b": 7, "d": 4, "g": 4, "f": 2, "c": 2},
        )

    def test_range_offset_over_text_is_refused(self):
        books = Book.objects.annotate(
            w=Window(Count("*"), order_by="title", frame=ValueRange(-1, 1))
        )
        with self.assertRaisesMessage(
            NotSupportedError,
            "A RANGE frame with an offset over a non-numeric ORDER BY value is not "
            "supported by djongo_app",
        ):
            list(books)

    def test_frame_exclusions(self):
        self.assertEqual(
            self.window(
                Sum("pages"),
                order_by=TOTAL,
                frame=RowRange(-1, 1, exclusion=WindowFrameExclusion.CURRENT_ROW),
            ),
            {"e": 50, "f": 150, "a": 250, "b": 300, "c": 500, "d": 600, "g": 300},
        )
        # The default frame (up to the last peer) without the peers.
        self.assertEqual(
            self.window(
                Count("*"),
                order_by="pages",
                frame=ValueRange(end=0, exclusion=WindowFrameExclusion.GROUP),
            ),
            {"e": 0, "f": 0, "a": 2, "b": 3, "c": 3, "d": 5, "g": 6},
        )
        # TIES keeps the row itself.
        self.assertEqual(
            self.window(
                Sum("pages"),
                order_by="pages",
                frame=ValueRange(exclusion=WindowFrameExclusion.TIES),
            ),
            {"e": 1250, "f": 1250, "a": 1300, "b": 1100, "c": 1100, "d": 1300, "g": 1300},
        )
        self.assertEqual(
            self.window(
                FirstValue("title"),
                order_by=TOTAL,
                frame=RowRange(-1, 1, exclusion=WindowFrameExclusion.CURRENT_ROW),
            ),
            {"e": "f", "f": "e", "a": "f", "b": "a", "c": "b", "d": "c", "g": "d"},
        )

    def test_whole_partition_aggregates(self):
        ann, bob = [4.0, 4.0, 2.0], [5.0, 1.0]
        self.assertEqual(
            self.window(Avg("rating"), partition_by="author"),
            dict.fromkeys("abcd", statistics.mean(ann))
            | dict.fromkeys("efg", statistics.mean(bob)),
        )
        self.assertEqual(
            self.window(Min("rating"), partition_by="author"),
            dict.fromkeys("abcd", 2.0) | dict.fromkeys("efg", 1.0),
        )
        pages = {"ann": [100, 200, 200, 300], "bob": [50, 50, 400]}
        for expression, function in [
            (StdDev("pages"), statistics.pstdev),
            (StdDev("pages", sample=True), statistics.stdev),
            (Variance("pages"), statistics.pvariance),
            (Variance("pages", sample=True), statistics.variance),
        ]:
            with self.subTest(expression=expression):
                values = self.window(expression, partition_by="author")
                for title, author, _, _ in BOOKS:
                    self.assertAlmostEqual(values[title], function(pages[author]))

    def test_filter_on_a_window(self):
        ranked = Book.objects.annotate(
            rank=Window(Rank(), partition_by="author", order_by=F("pages").desc())
        )
        self.assertEqual(
            list(ranked.filter(rank=1).order_by("title").values_list("title", flat=True)),
            ["d", "g"],
        )
        self.assertEqual(ranked.filter(rank=1).count(), 2)
        self.assertEqual(ranked.filter(rank=1).aggregate(p=Sum("pages")), {"p": 700})
        # Conditions on columns apply before the window is computed.
        numbered = Book.objects.annotate(n=Window(RowNumber(), order_by=TOTAL))
        self.assertEqual(
            list(numbered.filter(n__lte=3).exclude(title="a").values_list("title", "n")),
            [("e", 1), ("f", 2), ("b", 3)],
        )
        self.assertEqual(
            list(
                numbered.filter(Q(n=1) | Q(pages__gt=250))
                .order_by("title")
                .values_list("title", flat=True)
            ),
            ["d", "e", "g"],
        )

    def test_exclude_on_a_window(self):
        dense = Book.objects.annotate(d=Window(DenseRank(), order_by="pages"))
        self.assertEqual(
            list(dense.exclude(d=1).order_by("title").values_list("title", flat=True)),
            ["a", "b", "c", "d", "g"],
        )
        self.assertEqual(
            list(dense.exclude(d__in=[2, 3]).order_by("-d", "title").values_list("title", "d")),
            [("g", 5), ("d", 4), ("e", 1), ("f", 1)],
        )

    def test_filter_on_a_masked_window(self):
        numbered = Book.objects.alias(n=Window(RowNumber(), order_by=TOTAL))
        self.assertEqual(
            list(numbered.filter(n__gte=6).values_list("title", flat=True)), ["d", "g"]
        )

    def test_order_by_and_slice_a_window(self):
        numbered = Book.objects.annotate(n=Window(RowNumber(), order_by=TOTAL))
        self.assertEqual(
            list(numbered.order_by("-n").values("title", "n")[:2]),
            [{"title": "g", "n": 7}, {"title": "d", "n": 6}],
        )
        self.assertEqual(
            list(
                Book.objects.order_by(
                    Window(Sum("pages"), partition_by="author").desc(), "title"
                ).values_list("title", flat=True)
            ),
            ["a", "b", "c", "d", "e", "f", "g"],
        )

    def test_window_over_grouped_rows(self):
        totals = (
            Book.objects.values("author__name")
            .annotate(pages=Sum("pages"))
            .annotate(rank=Window(Rank(), order_by=F("pages").desc()))
            .order_by("rank")
        )
        self.assertEqual(
            list(totals.values_list("author__name", "pages", "rank")),
            [("ann", 800, 1), ("bob", 500, 2)],
        )

    def test_window_runs_as_set_window_fields(self):
        with CaptureCommands() as commands:
            self.window(Rank(), partition_by="author", order_by=F("pages").desc())
        windows = commands.stages("$setWindowFields")
        self.assertEqual(windows[0]["partitionBy"], {"p0": {"$ifNull": ["$author_id", None]}})
        self.assertEqual(windows[0]["sortBy"], {"__w0_s0": -1})
        # The peer groups: partitioned by the partition and the sort key.
        self.assertEqual(
            windows[1]["partitionBy"],
            {"p0": {"$ifNull": ["$author_id", None]}, "s0": "$__w0_s0"},
        )
