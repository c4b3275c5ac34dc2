"""djongo_app: Django models, admin and REST framework on MongoDB."""

__version__ = "0.1.0"
