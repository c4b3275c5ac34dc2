"""Window functions on SQLite and on djongo_app agree (issue 16).

Each case is a QuerySet (source, evaluated per database alias) over the
fixed rows of support.py: every window function, ROWS and RANGE frames
(unbounded, current row, offsets), with and without PARTITION BY, ties and
NULLs in the sort keys, and filters on window annotations. SQLite computes
SQL's answer; djongo_app must return the same rows.
"""

from __future__ import annotations

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
from django.db.models import functions as fn

from tests.testapp.models import Author, Book

from .support import ALIASES, TwoDatabasesTestCase, normalize, same

NAMESPACE = {
    "Author": Author,
    "Book": Book,
    "Window": Window,
    "F": F,
    "Q": Q,
    "RowRange": RowRange,
    "ValueRange": ValueRange,
    "Sum": Sum,
    "Avg": Avg,
    "Count": Count,
    "Min": Min,
    "Max": Max,
    "StdDev": StdDev,
    "Variance": Variance,
    "Value": Value,
    "WindowFrameExclusion": WindowFrameExclusion,
    **{name: getattr(fn, name) for name in fn.__all__},
}

# A total order of the books, for functions whose result depends on the
# order of peers (ROW_NUMBER, LAG, ROWS frames...).
TOTAL = "order_by=[F('rating').asc(), 'pk']"
# rating has ties (4.5, 4.0) and NULLs (books 3 and 9).
BY_RATING = "order_by='rating'"
BY_AUTHOR = "partition_by='author'"

FUNCTIONS = {
    "row_number": f"Window(RowNumber(), {TOTAL})",
    "row_number_partitioned": f"Window(RowNumber(), {BY_AUTHOR}, {TOTAL})",
    "row_number_desc": "Window(RowNumber(), order_by=[F('pages').desc(), '-pk'])",
    "rank": f"Window(Rank(), {BY_RATING})",
    "rank_desc": "Window(Rank(), order_by=F('rating').desc())",
    "rank_two_keys": "Window(Rank(), order_by=['pages', F('rating').desc()])",
    "rank_partitioned": f"Window(Rank(), {BY_AUTHOR}, {BY_RATING})",
    "rank_no_order": "Window(Rank())",
    "rank_nulls_last": "Window(Rank(), order_by=F('rating').asc(nulls_last=True))",
    "rank_nulls_first_desc": "Window(Rank(), order_by=F('rating').desc(nulls_first=True))",
    "rank_expression": "Window(Rank(), order_by=(F('pages') % 100).asc())",
    "dense_rank": f"Window(DenseRank(), {BY_RATING})",
    "dense_rank_partitioned": "Window(DenseRank(), partition_by='author', order_by='-pages')",
    "dense_rank_two_keys": "Window(DenseRank(), order_by=['published', '-pages'])",
    "percent_rank": f"Window(PercentRank(), {BY_RATING})",
    "percent_rank_partitioned": f"Window(PercentRank(), {BY_AUTHOR}, {BY_RATING})",
    "cume_dist": f"Window(CumeDist(), {BY_RATING})",
    "cume_dist_partitioned": "Window(CumeDist(), partition_by='editor', order_by='-pages')",
    "ntile_3": f"Window(Ntile(3), {TOTAL})",
    "ntile_4_partitioned": f"Window(Ntile(4), {BY_AUTHOR}, {TOTAL})",
    "ntile_20": f"Window(Ntile(20), {TOTAL})",
    "lag": f"Window(Lag('title'), {TOTAL})",
    "lag_2_default": f"Window(Lag('pages', 2, default=-1), {TOTAL})",
    "lag_partitioned": f"Window(Lag('rating'), {BY_AUTHOR}, {TOTAL})",
    "lead": f"Window(Lead('pages'), {TOTAL})",
    "lead_3_default": f"Window(Lead('title', 3, default=Value('none')), {BY_AUTHOR}, {TOTAL})",
    "first_value": f"Window(FirstValue('title'), {TOTAL})",
    "first_value_partitioned": f"Window(FirstValue('pages'), {BY_AUTHOR}, {TOTAL})",
    "last_value_default_frame": f"Window(LastValue('pages'), {BY_RATING})",
    "last_value_rows": f"Window(LastValue('title'), {TOTAL}, frame=RowRange(end=1))",
    "last_value_whole": f"Window(LastValue('pages'), {BY_AUTHOR})",
    "nth_value": f"Window(NthValue('title', 2), {TOTAL})",
    "nth_value_partitioned": f"Window(NthValue('pages', 2), {BY_AUTHOR}, {BY_RATING})",
    "nth_value_rows": f"Window(NthValue('pages', 3), {TOTAL}, frame=RowRange(-1, 1))",
    "sum_whole": "Window(Sum('pages'))",
    "sum_partitioned": f"Window(Sum('pages'), {BY_AUTHOR})",
    "sum_running_peers": f"Window(Sum('pages'), {BY_RATING})",
    "sum_running_rows": f"Window(Sum('pages'), {TOTAL}, frame=RowRange(end=0))",
    "sum_rows_around": f"Window(Sum('rating'), {BY_AUTHOR}, {TOTAL}, frame=RowRange(-1, 1))",
    "sum_rows_preceding": f"Window(Sum('rating'), {TOTAL}, frame=RowRange(-2, -1))",
    "sum_rows_following": f"Window(Sum('rating'), {TOTAL}, frame=RowRange(1, 2))",
    "sum_rows_to_end": f"Window(Sum('pages'), {TOTAL}, frame=RowRange(start=0))",
    "sum_range_current": f"Window(Sum('pages'), {BY_RATING}, frame=ValueRange(0, 0))",
    "sum_range_to_end": f"Window(Sum('pages'), {BY_RATING}, frame=ValueRange(start=0))",
    "sum_range_unbounded": f"Window(Sum('pages'), {BY_RATING}, frame=ValueRange())",
    "sum_range_offsets": "Window(Sum('pages'), order_by='pages', frame=ValueRange(-100, 50))",
    "sum_range_offsets_desc": "Window(Sum('pages'), order_by='-pages', frame=ValueRange(-100, 0))",
    "sum_range_offsets_nulls": f"Window(Count('pk'), {BY_RATING}, frame=ValueRange(-1, 1))",
    "sum_range_following_partitioned": (
        "Window(Sum('pages'), partition_by='author', order_by='rating', "
        "frame=ValueRange(start=-1, end=2))"
    ),
    "max_range_desc_nulls": (
        "Window(Max('title'), order_by=F('rating').desc(), frame=ValueRange(start=-1))"
    ),
    "min_range_nulls_following": (
        "Window(Min('pk'), order_by='rating', frame=ValueRange(start=0, end=1))"
    ),
    "sum_decimal": f"Window(Sum('price'), {BY_AUTHOR}, {BY_RATING})",
    "avg": f"Window(Avg('rating'), {BY_AUTHOR})",
    "avg_running": f"Window(Avg('pages'), {BY_RATING})",
    "min_rows": f"Window(Min('rating'), {TOTAL}, frame=RowRange(-1, 1))",
    "max_partitioned_range": "Window(Max('rating'), partition_by='author', order_by='pages')",
    "count_star": f"Window(Count('*'), {BY_RATING})",
    "count_nulls": f"Window(Count('rating'), {BY_AUTHOR})",
    "count_rows": f"Window(Count('published'), {TOTAL}, frame=RowRange(-3, 0))",
    "partition_two_keys": (
        "Window(Count('*'), partition_by=['author', F('published__year')], order_by='pages')"
    ),
    "partition_expression": "Window(Sum('pages'), partition_by=F('pages') / 100)",
    "partition_null_keys": "Window(Count('*'), partition_by='editor')",
    "exclude_current_rows": (
        f"Window(Sum('pages'), {TOTAL}, "
        "frame=RowRange(-1, 1, exclusion=WindowFrameExclusion.CURRENT_ROW))"
    ),
    "exclude_group_rows": (
        f"Window(Count('rating'), {BY_AUTHOR}, order_by='pages', "
        "frame=RowRange(-2, 1, exclusion=WindowFrameExclusion.GROUP))"
    ),
    "exclude_ties_rows": (
        "Window(Max('title'), order_by='pages', "
        "frame=RowRange(exclusion=WindowFrameExclusion.TIES))"
    ),
    "exclude_no_others": (
        f"Window(Avg('rating'), {TOTAL}, "
        "frame=RowRange(-1, 1, exclusion=WindowFrameExclusion.NO_OTHERS))"
    ),
    "exclude_current_range_default": (
        "Window(Sum('rating'), order_by='pages', "
        "frame=ValueRange(end=0, exclusion=WindowFrameExclusion.CURRENT_ROW))"
    ),
    "exclude_ties_range_to_end": (
        "Window(Count('*'), order_by='rating', "
        "frame=ValueRange(start=0, exclusion=WindowFrameExclusion.TIES))"
    ),
    "exclude_group_range_current": (
        "Window(Count('*'), order_by='pages', "
        "frame=ValueRange(0, 0, exclusion=WindowFrameExclusion.GROUP))"
    ),
    "exclude_current_range_offsets": (
        f"Window(Sum('pages'), {BY_AUTHOR}, order_by='pages', "
        "frame=ValueRange(end=100, exclusion=WindowFrameExclusion.CURRENT_ROW))"
    ),
    "exclude_ties_first_value": (
        "Window(FirstValue('pk'), order_by='pages', "
        "frame=ValueRange(exclusion=WindowFrameExclusion.TIES))"
    ),
    "exclude_current_nth_value": (
        f"Window(NthValue('title', 2), {TOTAL}, "
        "frame=RowRange(-2, 2, exclusion=WindowFrameExclusion.CURRENT_ROW))"
    ),
    "exclude_group_max_before": (
        "Window(Max('pk'), order_by='pages', "
        "frame=RowRange(end=0, exclusion=WindowFrameExclusion.GROUP))"
    ),
    "exclude_ties_last_value": (
        f"Window(LastValue('title'), {TOTAL}, "
        "frame=RowRange(start=0, exclusion=WindowFrameExclusion.TIES))"
    ),
    "partition_by_joined_column": "Window(Rank(), partition_by='author__age', order_by='pages')",
    "order_by_joined_column": "Window(DenseRank(), order_by=F('editor__name').desc())",
    "window_arithmetic": f"Window(Sum('pages'), {BY_AUTHOR}) - F('pages')",
}


def annotated(alias: str, code: str) -> str:
    return f"Book.objects.using(alias).annotate(w={code})"


CASES = {
    **{
        name: f"{annotated('alias', code)}.order_by('pk').values_list('pk', 'w')"
        for name, code in FUNCTIONS.items()
    },
    "filter_rank": (
        f"Book.objects.using(alias).annotate(w=Window(Rank(), {BY_AUTHOR}, order_by='-pages'))"
        ".filter(w=1).order_by('pk').values_list('pk', 'w')"
    ),
    "filter_row_number_and_column": (
        f"Book.objects.using(alias).annotate(w=Window(RowNumber(), {TOTAL}))"
        ".filter(w__lte=5, title__icontains='a').order_by('pk').values_list('title', flat=True)"
    ),
    "filter_or": (
        f"Book.objects.using(alias).annotate(w=Window(Sum('pages'), {BY_AUTHOR}))"
        ".filter(Q(w__gt=400) | Q(pages__lt=100)).order_by('pk').values_list('pk', 'w')"
    ),
    "exclude_window": (
        f"Book.objects.using(alias).annotate(w=Window(DenseRank(), {BY_RATING}))"
        ".exclude(w=2).order_by('pk').values_list('pk', 'w')"
    ),
    "filter_masked_window": (
        f"Book.objects.using(alias).alias(w=Window(RowNumber(), {TOTAL}))"
        ".filter(w__gt=8).order_by('pk').values_list('pk', flat=True)"
    ),
    "filter_models": (
        f"Book.objects.using(alias).annotate(w=Window(Rank(), {BY_AUTHOR}, order_by='pages'))"
        ".filter(w__gte=2).order_by('-w', 'pk')"
    ),
    "filter_count": (
        f"Book.objects.using(alias).annotate(w=Window(Rank(), {BY_AUTHOR}, order_by='-pages'))"
        ".filter(w=1).count()"
    ),
    "filter_sliced": (
        f"Book.objects.using(alias).annotate(w=Window(RowNumber(), {TOTAL}))"
        ".filter(w__gt=2).order_by('-w')[1:4].values_list('pk', 'w')"
    ),
    "order_by_window": (
        f"Book.objects.using(alias).annotate(w=Window(Sum('pages'), {BY_AUTHOR}))"
        ".order_by('-w', 'pk').values_list('pk', flat=True)"
    ),
    "values_window": (
        f"Book.objects.using(alias).annotate(w=Window(Max('pages'), {BY_AUTHOR}))"
        ".values('author', 'w').order_by('author', 'w').distinct()"
    ),
    "filter_with_select_related": (
        "Book.objects.using(alias).select_related('author').annotate("
        "w=Window(RowNumber(), partition_by='author__active', order_by=['-pages', 'pk']))"
        ".filter(w__lte=2, author__age__gte=25).order_by('pk')"
    ),
    "filter_on_two_windows": (
        f"Book.objects.using(alias).annotate(a=Window(Rank(), {BY_RATING}), "
        f"b=Window(Count('*'), {BY_AUTHOR})).filter(a__gt=2, b__gte=3)"
        ".order_by('pk').values_list('pk', 'a', 'b')"
    ),
    "window_over_aggregate": (
        "Author.objects.using(alias).annotate(n=Count('books'))"
        ".annotate(w=Window(Rank(), order_by=F('n').desc()))"
        ".order_by('pk').values_list('pk', 'n', 'w')"
    ),
    "window_of_aggregate": (
        "Book.objects.using(alias).values('author').annotate(p=Sum('pages'))"
        ".annotate(w=Window(Rank(), order_by=F('p').desc()))"
        ".order_by('author').values_list('author', 'p', 'w')"
    ),
    "aggregate_over_filtered_window": (
        f"Book.objects.using(alias).annotate(w=Window(Rank(), {BY_AUTHOR}, order_by='-pages'))"
        ".filter(w=1).aggregate(total=Sum('pages'))"
    ),
    "two_windows": (
        f"Book.objects.using(alias).annotate(a=Window(Rank(), {BY_RATING}), "
        f"b=Window(RowNumber(), {BY_AUTHOR}, {TOTAL}), c=Window(Sum('pages'), {BY_RATING}))"
        ".order_by('pk').values_list('pk', 'a', 'b', 'c')"
    ),
    "authors_by_age": (
        "Author.objects.using(alias).annotate(w=Window(CumeDist(), order_by='age'))"
        ".order_by('pk').values_list('pk', 'w')"
    ),
}


class WindowTests(TwoDatabasesTestCase):
    def test_same_results(self):
        for name, code in CASES.items():
            with self.subTest(name, code=code):
                results = {}
                for alias in ALIASES:
                    result = eval(code, {**NAMESPACE, "alias": alias})
                    results[alias] = normalize(list(result) if hasattr(result, "query") else result)
                self.assertIs(
                    same(results["default"], results["sqlite"]),
                    True,
                    f"\nsqlite:     {results['sqlite']}\ndjongo_app: {results['default']}",
                )
