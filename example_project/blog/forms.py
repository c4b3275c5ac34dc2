from django import forms


class LinkForm(forms.Form):
    """The admin's form for one element of ``Entry.links``.

    djongo_app builds a container's form from its model fields; this one
    exists only to give the URL field its scheme, as Django 5.x asks
    (``assume_scheme``), without the deprecated transitional setting.
    """

    title = forms.CharField(max_length=100)
    url = forms.URLField(assume_scheme="https")
