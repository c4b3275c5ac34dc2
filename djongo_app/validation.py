"""System checks of model fields against what MongoDB can store.

Django runs them for the models routed to a djongo_app database: in
``migrate``, in the test runner and in ``manage.py check --database NAME``.
"""

from django.core import checks
from django.db.backends.base.validation import BaseDatabaseValidation

from .codecs import DECIMAL128_DIGITS


class DatabaseValidation(BaseDatabaseValidation):
    def check_field_type(self, field, field_type):
        errors = []
        max_digits = getattr(field, "max_digits", None)
        if (
            field.get_internal_type() == "DecimalField"
            and max_digits is not None
            and max_digits > DECIMAL128_DIGITS
        ):
            errors.append(
                checks.Warning(
                    f"{self.connection.display_name} stores decimals as Decimal128, which "
                    f"holds {DECIMAL128_DIGITS} significant digits; max_digits={max_digits} "
                    "allows values it cannot store.",
                    hint=(
                        f"Use max_digits={DECIMAL128_DIGITS} or less; a value with more "
                        "significant digits raises DataError when saved."
                    ),
                    obj=field,
                    id="djongo_app.W001",
                )
            )
        return errors


__all__ = ["DatabaseValidation"]
