from django.db import models
from django.urls import reverse


class Blog(models.Model):
    name = models.CharField(max_length=100, unique=True)
    tagline = models.TextField(blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("blog:blog_detail", args=[self.pk])


class Author(models.Model):
    name = models.CharField(max_length=200)
    email = models.EmailField(unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class Entry(models.Model):
    blog = models.ForeignKey(Blog, on_delete=models.CASCADE, related_name="entries")
    headline = models.CharField(max_length=255)
    body_text = models.TextField()
    pub_date = models.DateField()
    authors = models.ManyToManyField(Author, related_name="entries", blank=True)
    rating = models.IntegerField(default=0)
    published = models.BooleanField(default=False)

    class Meta:
        ordering = ["-pub_date", "headline"]
        verbose_name_plural = "entries"

    def __str__(self):
        return self.headline

    def get_absolute_url(self):
        return reverse("blog:entry_detail", args=[self.pk])


class Comment(models.Model):
    entry = models.ForeignKey(Entry, on_delete=models.CASCADE, related_name="comments")
    author_name = models.CharField(max_length=100)
    body = models.TextField()
    created = models.DateTimeField(auto_now_add=True)
    approved = models.BooleanField(default=True)

    class Meta:
        ordering = ["created"]

    def __str__(self):
        return f"{self.author_name} on {self.entry}"
