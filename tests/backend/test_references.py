"""ArrayReferenceField against the server: stored arrays, both managers,
prefetching with one query, deletion rules and the form field."""

import copy

from django import forms
from django.core.exceptions import ValidationError
from django.db import connection, models
from django.db.models import Prefetch, ProtectedError
from django.db.models.query_utils import DeferredAttribute
from django.test import TestCase, TransactionTestCase
from django.test.utils import CaptureQueriesContext, isolate_apps

from djongo_app.fields import ArrayReferenceField
from djongo_app.fields.references import instance_copy
from djongo_app.testing import CaptureCommands
from tests.testapp.models import Blog, Entry, Reader


def stored_readers(entry):
    document = connection.connection.database[Entry._meta.db_table].find_one(
        {"_id": entry.pk}, session=connection.connection.session
    )
    return document["readers"]


def names(queryset):
    return sorted(obj.name for obj in queryset)


def new_entry(headline, **kwargs):
    return Entry.objects.create(headline=headline, blog=Blog(name="b"), **kwargs)


class ForwardManagerTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.ann = Reader.objects.create(name="ann")
        cls.bob = Reader.objects.create(name="bob")
        cls.cy = Reader.objects.create(name="cy")

    def test_add_all_remove_clear(self):
        entry = new_entry("e")
        self.assertEqual(stored_readers(entry), [])
        entry.readers.add(self.ann, self.bob.pk)
        self.assertEqual(stored_readers(entry), [self.ann.pk, self.bob.pk])
        entry.readers.add(self.ann)  # already there: stored once
        self.assertEqual(stored_readers(entry), [self.ann.pk, self.bob.pk])
        self.assertEqual(names(entry.readers.all()), ["ann", "bob"])
        self.assertEqual(names(Entry.objects.get(pk=entry.pk).readers.all()), ["ann", "bob"])
        entry.readers.remove(self.ann)
        self.assertEqual(stored_readers(entry), [self.bob.pk])
        self.assertEqual(names(entry.readers.all()), ["bob"])
        entry.readers.clear()
        self.assertEqual(stored_readers(entry), [])
        self.assertEqual(list(entry.readers.all()), [])

    def test_set_and_create(self):
        entry = new_entry("e")
        entry.readers.set([self.cy, self.ann])
        self.assertEqual(stored_readers(entry), [self.cy.pk, self.ann.pk])
        created = entry.readers.create(name="dee")
        self.assertEqual(Reader.objects.get(name="dee").pk, created.pk)
        self.assertEqual(stored_readers(entry), [self.cy.pk, self.ann.pk, created.pk])
        entry.readers.set([])
        self.assertEqual(stored_readers(entry), [])

    def test_add_is_one_atomic_update(self):
        entry = new_entry("e")
        with CaptureCommands() as commands:
            entry.readers.add(self.ann, self.bob)
        self.assertEqual(len(commands), 1)
        self.assertEqual(commands.kind(), "update")
        self.assertEqual(commands[0]["update"], "testapp_entry")
        self.assertEqual(commands.filter(), {"_id": entry.pk})
        # One update of the array alone: a pipeline's stages or operators.
        (update,) = commands[0]["updates"]
        stages = update["u"] if isinstance(update["u"], list) else [update["u"]]
        written = {field for stage in stages for spec in stage.values() for field in spec}
        self.assertEqual(written, {"readers"})

    def test_assignment_and_constructor_take_objects_or_ids(self):
        entry = Entry(headline="e", blog=Blog(name="b"), readers=[self.ann, self.bob.pk])
        entry.save()
        self.assertEqual(stored_readers(entry), [self.ann.pk, self.bob.pk])
        entry.readers = [self.cy]
        entry.save()
        self.assertEqual(stored_readers(entry), [self.cy.pk])
        # Managers of unsaved objects change the value saved later.
        draft = Entry(headline="d", blog=Blog(name="b"))
        draft.readers.add(self.bob)
        draft.save()
        self.assertEqual(stored_readers(draft), [self.bob.pk])

    def test_lookups(self):
        first = new_entry("first", readers=[self.ann, self.bob])
        new_entry("second", readers=[self.bob])
        new_entry("third")
        self.assertEqual(
            sorted(e.headline for e in Entry.objects.filter(readers=self.ann)), ["first"]
        )
        self.assertEqual(
            sorted(e.headline for e in Entry.objects.filter(readers__contains=[self.bob.pk])),
            ["first", "second"],
        )
        self.assertEqual(
            sorted(e.headline for e in Entry.objects.filter(readers__len=0)), ["third"]
        )
        self.assertEqual(Entry.objects.get(readers=self.ann).pk, first.pk)
        # Instances and primary-key strings (from a URL) work everywhere.
        for value in (self.ann, str(self.ann.pk)):
            self.assertEqual(Entry.objects.get(readers=value).pk, first.pk)
            self.assertEqual(Entry.objects.get(readers__contains=[value]).pk, first.pk)
            self.assertEqual(Entry.objects.get(readers__overlap=[value]).pk, first.pk)

    def test_operators_in_input_are_validation_errors(self):
        for lookup in ("readers__overlap", "readers__contains"):
            with self.assertRaises(ValidationError):
                list(Entry.objects.filter(**{lookup: [{"$gt": 0}]}))
        with self.assertRaises(ValidationError):
            list(Entry.objects.filter(readers={"$gt": 0}))


class ReverseManagerTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.ann = Reader.objects.create(name="ann")
        cls.bob = Reader.objects.create(name="bob")

    def test_all_add_remove_clear(self):
        one = new_entry("one", readers=[self.ann])
        two = new_entry("two")
        three = new_entry("three", readers=[self.bob])
        self.assertEqual([e.headline for e in self.ann.entries.all()], ["one"])
        self.ann.entries.add(two, three)
        self.assertEqual(stored_readers(two), [self.ann.pk])
        self.assertEqual(stored_readers(three), [self.bob.pk, self.ann.pk])
        self.assertEqual(three.readers.ids, [self.bob.pk, self.ann.pk])
        self.assertEqual([e.headline for e in self.ann.entries.all()], ["one", "three", "two"])
        self.ann.entries.remove(three)
        self.assertEqual(stored_readers(three), [self.bob.pk])
        self.ann.entries.clear()
        self.assertEqual(stored_readers(one), [])
        self.assertEqual(stored_readers(two), [])
        self.assertEqual(list(self.ann.entries.all()), [])
        self.assertEqual(stored_readers(three), [self.bob.pk])

    def test_set_and_create(self):
        one = new_entry("one", readers=[self.ann])
        two = new_entry("two")
        self.ann.entries.set([two])
        self.assertEqual(stored_readers(one), [])
        self.assertEqual(stored_readers(two), [self.ann.pk])
        created = self.ann.entries.create(headline="new", blog=Blog(name="b"))
        self.assertEqual(stored_readers(created), [self.ann.pk])
        self.assertEqual([e.headline for e in self.ann.entries.all()], ["new", "two"])

    def test_unsaved_instance_is_refused(self):
        with self.assertRaises(ValueError):
            Reader(name="x").entries.add(new_entry("e"))


class ManagerConstructionTests(TestCase):
    """A manager is made per access without its classes' ``__init__``
    when only Django's BaseManager and ours define one (new_manager)."""

    def test_a_manager_holds_what_its_classes_would_set(self):
        ann = Reader.objects.create(name="ann")
        entry = new_entry("e", readers=[ann])
        for manager, descriptor, model in (
            (entry.readers, Entry.__dict__["readers"], Reader),
            (ann.entries, Reader.__dict__["entries"], Entry),
        ):
            owner = entry if model is Reader else ann
            built = descriptor.related_manager_class(descriptor.field, owner)
            built.model = model
            made = dict(vars(manager))
            expected = dict(vars(built))
            # The class's counter (BaseManager's) serves the managers made.
            expected.pop("creation_counter")
            self.assertEqual(made, expected)
            self.assertEqual(manager, built)
        self.assertEqual(names(entry.readers.all()), ["ann"])
        self.assertEqual([e.headline for e in ann.entries.all()], ["e"])

    @isolate_apps("tests.testapp")
    def test_a_default_manager_with_an_init_of_its_own_has_it_run(self):
        class LabelledManager(models.Manager):
            def __init__(self):
                super().__init__()
                self.label = "labelled"

        class Target(models.Model):
            objects = LabelledManager()

            class Meta:
                app_label = "testapp"

        class Holder(models.Model):
            targets = ArrayReferenceField(Target, related_name="holders")
            objects = LabelledManager()

            class Meta:
                app_label = "testapp"

        forward = Holder(targets=[]).targets
        reverse = Target(pk=1).holders
        self.assertEqual((forward.label, forward.model), ("labelled", Target))
        self.assertEqual((reverse.label, reverse.model), ("labelled", Holder))

    @isolate_apps("tests.testapp")
    def test_managers_whose_classes_take_part_in_making_them_are_made_by_calling(self):
        class Slotted(models.Manager):
            __slots__ = ("_db",)

        class Recording(models.Manager):
            def __setattr__(self, name, value):
                super().__setattr__(name, value)
                self.__dict__.setdefault("set_names", []).append(name)

        class Counting(models.Manager):
            def _set_creation_counter(self):
                super()._set_creation_counter()
                self.counted = True

        class Named(models.Manager):
            @property
            def name(self):
                return self.__dict__.get("stored_name", "never set")

            @name.setter
            def name(self, value):
                self.__dict__["stored_name"] = f"set to {value}"

        for manager_class in (Slotted, Recording, Counting, Named):
            with self.subTest(manager_class.__name__):
                target = type(
                    f"Target{manager_class.__name__}",
                    (models.Model,),
                    {
                        "__module__": __name__,
                        "objects": manager_class(),
                        "Meta": type("Meta", (), {"app_label": "testapp"}),
                    },
                )
                holder = type(
                    f"Holder{manager_class.__name__}",
                    (models.Model,),
                    {
                        "__module__": __name__,
                        "targets": ArrayReferenceField(target),
                        "Meta": type("Meta", (), {"app_label": "testapp"}),
                    },
                )
                made = holder(targets=[]).targets
                self.assertIsNone(made._db)
                self.assertEqual(made.model, target)
                if manager_class is Named:
                    self.assertEqual(made.name, "set to None")
                if manager_class is Recording:
                    self.assertIn("instance", made.set_names)
                if manager_class is Counting:
                    self.assertTrue(made.counted)


class PrefetchTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.readers = [Reader.objects.create(name=f"r{i}") for i in range(4)]
        r0, r1, r2, r3 = cls.readers
        new_entry("a", readers=[r2, r0])
        new_entry("b", readers=[r0, r1, r3])
        new_entry("c")

    def test_forward_prefetch_is_one_query_for_the_page(self):
        with CaptureQueriesContext(connection) as queries, CaptureCommands() as commands:
            entries = list(Entry.objects.prefetch_related("readers"))
            result = {e.headline: [r.name for r in e.readers.all()] for e in entries}
        self.assertEqual(len(queries), 2)
        self.assertEqual(commands[1]["find"], "testapp_reader")
        self.assertEqual(list(commands.filter(1)), ["_id"])
        self.assertEqual(list(commands.filter(1)["_id"]), ["$in"])
        # Each entry's readers, in the queryset's order (Meta.ordering), as
        # without prefetching.
        self.assertEqual(result, {"a": ["r0", "r2"], "b": ["r0", "r1", "r3"], "c": []})
        self.assertEqual(
            [r.name for r in Entry.objects.get(headline="a").readers.all()], ["r0", "r2"]
        )

    def test_forward_prefetch_gives_each_owner_its_own_objects(self):
        """An object two owners reference is two instances, as a row of
        Django's many-to-many prefetch is per owner."""
        entries = {e.headline: e for e in Entry.objects.prefetch_related("readers")}
        first = next(r for r in entries["a"].readers.all() if r.name == "r0")
        second = next(r for r in entries["b"].readers.all() if r.name == "r0")
        self.assertIsNot(first, second)
        self.assertEqual(first.pk, second.pk)
        first.name = "changed"
        self.assertEqual(second.name, "r0")

    def test_the_owners_copies_are_what_copy_copy_makes(self):
        """instance_copy() gives what copy.copy() gives a model instance:
        the same values, a state and a related-objects cache of its own."""
        entry = Entry.objects.get(headline="a")
        entry._state.fields_cache["related"] = self.readers[0]
        copied, reference = instance_copy(entry), copy.copy(entry)
        # copy.copy() also leaves pickling's _django_version behind.
        kept = {k: v for k, v in vars(reference).items() if k not in ("_state", "_django_version")}
        self.assertEqual({k: v for k, v in vars(copied).items() if k != "_state"}, kept)
        self.assertEqual(vars(copied._state).keys(), vars(reference._state).keys())
        self.assertEqual((copied._state.db, copied._state.adding), ("default", False))
        self.assertIsNot(copied._state, entry._state)
        self.assertIs(copied._state.fields_cache["related"], self.readers[0])
        copied._state.fields_cache.clear()
        self.assertIn("related", entry._state.fields_cache)

    def test_reverse_prefetch_is_one_query(self):
        with CaptureQueriesContext(connection) as queries:
            readers = list(Reader.objects.prefetch_related("entries"))
            result = {r.name: [e.headline for e in r.entries.all()] for r in readers}
        self.assertEqual(len(queries), 2)
        self.assertEqual(result, {"r0": ["a", "b"], "r1": ["b"], "r2": ["a"], "r3": ["b"]})

    def test_prefetch_with_a_queryset(self):
        with CaptureQueriesContext(connection) as queries:
            entries = Entry.objects.prefetch_related(
                Prefetch("readers", queryset=Reader.objects.exclude(name="r0"))
            )
            result = {e.headline: [r.name for r in e.readers.all()] for e in entries}
        self.assertEqual(len(queries), 2)
        self.assertEqual(result, {"a": ["r2"], "b": ["r1", "r3"], "c": []})

    def test_a_prefetched_queryset_keeps_the_relation_when_chained(self):
        """The per-owner queryset's filter is deferred, not dropped: a
        query built on it reads that owner's objects only."""
        entries = {e.headline: e for e in Entry.objects.prefetch_related("readers")}
        with CaptureQueriesContext(connection) as queries:
            names = list(entries["a"].readers.all().exclude(name="r2").values_list("name"))
        self.assertEqual(len(queries), 1)
        self.assertEqual(names, [("r0",)])
        self.assertEqual(entries["c"].readers.all().filter(name="r0").count(), 0)
        readers = {r.name: r for r in Reader.objects.prefetch_related("entries")}
        self.assertEqual(
            list(readers["r1"].entries.all().values_list("headline", flat=True)), ["b"]
        )
        self.assertEqual(readers["r2"].entries.all().exclude(headline="a").count(), 0)

    def test_changing_the_array_drops_the_prefetched_objects(self):
        entry = Entry.objects.prefetch_related("readers").get(headline="c")
        self.assertEqual(list(entry.readers.all()), [])
        entry.readers.add(self.readers[1])
        self.assertEqual([r.name for r in entry.readers.all()], ["r1"])


class DeletionTests(TestCase):
    def test_deleting_a_referenced_object_removes_its_id(self):
        ann = Reader.objects.create(name="ann")
        bob = Reader.objects.create(name="bob")
        one = new_entry("one", readers=[ann, bob])
        two = new_entry("two", readers=[ann])
        ann.delete()
        self.assertEqual(stored_readers(one), [bob.pk])
        self.assertEqual(stored_readers(two), [])
        Reader.objects.filter(name="bob").delete()
        self.assertEqual(stored_readers(one), [])


class ProtectTests(TransactionTestCase):
    # Outside TestCase's transaction: without savepoints, the refused
    # delete marks an enclosing atomic block for rollback.
    def test_protect(self):
        ann = Reader.objects.create(name="ann")
        new_entry("one", reviewers=[ann])
        with self.assertRaises(ProtectedError):
            ann.delete()
        self.assertTrue(Reader.objects.filter(pk=ann.pk).exists())


class FieldDefinitionTests(TestCase):
    @isolate_apps("tests.testapp")
    def test_reverse_accessor_clashes_are_reported(self):
        class Target(models.Model):
            name = models.CharField(max_length=10)

            class Meta:
                app_label = "testapp"

        class Holder(models.Model):
            first = ArrayReferenceField(Target, related_name="holders")
            second = ArrayReferenceField(Target, related_name="holders")
            third = ArrayReferenceField(Target, related_name="name")

            class Meta:
                app_label = "testapp"

        errors = [e.id for e in Holder.check()]
        self.assertEqual(errors.count("djongo_app.E008"), 2)
        # The first accessor and the field keep their meaning.
        self.assertIs(Target.holders.field, Holder._meta.get_field("first"))
        self.assertIsInstance(Target.__dict__["name"], DeferredAttribute)

    @isolate_apps("tests.testapp")
    def test_related_name_placeholders(self):
        class Target(models.Model):
            class Meta:
                app_label = "testapp"

        class Base(models.Model):
            refs = ArrayReferenceField(Target, related_name="%(class)s_refs")

            class Meta:
                abstract = True
                app_label = "testapp"

        class First(Base):
            class Meta:
                app_label = "testapp"

        class Second(Base):
            class Meta:
                app_label = "testapp"

        self.assertIs(Target.first_refs.field.model, First)
        self.assertIs(Target.second_refs.field.model, Second)
        self.assertEqual(First.check() + Second.check(), [])

    def test_default_is_an_empty_array_and_stays_out_of_migrations(self):
        field = Entry._meta.get_field("readers")
        self.assertTrue(field.has_default())
        self.assertEqual(field.get_default(), [])
        _name, path, _args, kwargs = field.deconstruct()
        self.assertEqual(path, "djongo_app.fields.ArrayReferenceField")
        self.assertEqual(kwargs, {"to": "testapp.reader", "related_name": "entries"})


class ReferenceFormTests(TestCase):
    def test_multiple_choice_form_field(self):
        ann = Reader.objects.create(name="ann")
        bob = Reader.objects.create(name="bob")

        class EntryForm(forms.ModelForm):
            class Meta:
                model = Entry
                fields = ["headline", "readers"]

        entry = new_entry("e", readers=[ann])
        form = EntryForm(instance=entry)
        self.assertIsInstance(form.fields["readers"], forms.ModelMultipleChoiceField)
        self.assertIn(f'value="{ann.pk}" selected', str(form["readers"]))
        form = EntryForm(
            instance=entry, data={"headline": "e", "readers": [str(bob.pk), str(ann.pk)]}
        )
        self.assertTrue(form.is_valid(), form.errors)
        form.save()
        self.assertEqual(sorted(stored_readers(entry)), sorted([ann.pk, bob.pk]))


class StaleSaveTests(TransactionTestCase):
    """save() of a loaded object leaves the stored array to the managers.

    Outside TestCase's transaction: the refused delete of the PROTECT case
    would mark an enclosing atomic block for rollback.
    """

    available_apps = ["tests.testapp"]

    def setUp(self):
        self.ann = Reader.objects.create(name="ann")
        self.bob = Reader.objects.create(name="bob")

    def test_stale_save_keeps_a_reference_added_elsewhere(self):
        """A reference added after the object was read survives its save()
        (issue 10)."""
        entry = new_entry("e")
        stale = Entry.objects.get(pk=entry.pk)
        self.ann.entries.add(entry)
        stale.headline = "edited"
        stale.save()
        self.assertEqual(stored_readers(entry), [self.ann.pk])
        self.assertEqual(Entry.objects.get(pk=entry.pk).headline, "edited")

    def test_stale_save_does_not_bring_back_a_deleted_id(self):
        """The id of an object deleted after the holder was read does not
        come back with the holder's save() (issue 10)."""
        entry = new_entry("e", readers=[self.ann, self.bob])
        stale = Entry.objects.get(pk=entry.pk)
        self.bob.delete()
        stale.save()
        self.assertEqual(stored_readers(entry), [self.ann.pk])
        self.assertEqual(names(Entry.objects.get(pk=entry.pk).readers.all()), ["ann"])

    def test_stale_save_keeps_a_protect_reference(self):
        """A PROTECT reference added elsewhere survives a stale save(), so
        the protected object still cannot be deleted (issue 10)."""
        entry = new_entry("e")
        stale = Entry.objects.get(pk=entry.pk)
        Entry.objects.get(pk=entry.pk).reviewers.add(self.ann)
        stale.save()
        with self.assertRaises(ProtectedError):
            self.ann.delete()
        self.assertIs(Reader.objects.filter(pk=self.ann.pk).exists(), True)

    def test_assignment_is_written_once(self):
        """An assigned array is written by the next save() only; later saves
        leave the stored array to the managers again (issue 10)."""
        entry = new_entry("e", readers=[self.ann])
        loaded = Entry.objects.get(pk=entry.pk)
        loaded.readers = [self.bob]
        loaded.save()
        self.assertEqual(stored_readers(entry), [self.bob.pk])
        self.ann.entries.add(entry)
        loaded.save()
        self.assertEqual(stored_readers(entry), [self.bob.pk, self.ann.pk])

    def test_refresh_is_not_an_assignment(self):
        """refresh_from_db() loads the array without marking it for the
        next save() (issue 10)."""
        entry = new_entry("e")
        loaded = Entry.objects.get(pk=entry.pk)
        loaded.readers = [self.bob]
        loaded.refresh_from_db()
        self.assertEqual(loaded.readers.ids, [])
        self.ann.entries.add(entry)
        loaded.save()
        self.assertEqual(stored_readers(entry), [self.ann.pk])

    def test_save_of_a_new_object_writes_its_references(self):
        """The INSERT of a new object writes the references it was given,
        and so does save() of an object constructed with an existing
        primary key (it replaces that row) (issue 10)."""
        entry = Entry(headline="new", blog=Blog(name="b"), readers=[self.ann])
        entry.save()
        self.assertEqual(stored_readers(entry), [self.ann.pk])
        Entry(pk=entry.pk, headline="again", blog=Blog(name="b"), readers=[self.bob]).save()
        self.assertEqual(stored_readers(entry), [self.bob.pk])
        self.assertEqual(Entry.objects.count(), 1)
